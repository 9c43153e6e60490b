"""`evaluate_run` / `evaluate_checkpoints`: score a run's generator with the metric that fits its
data (the scorers of lsgan_tf/evaluation/scorers.py); `evaluate_generator`: score an export (a
.tflite file, a SavedModel, a shipped generator) the same way."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np

from lsgan_tf.config import TrainConfig
from lsgan_tf.data.classes import ClassTable
from lsgan_tf.errors import ConfigError
from lsgan_tf.evaluation.inception import INCEPTION_URL
from lsgan_tf.evaluation.scorers import ScorerSetup, generate, make_scorer
from lsgan_tf.export.generators import Generator, sample
from lsgan_tf.gan import global_step
from lsgan_tf.runs import RunDir
from lsgan_tf.training.build import restore_model
from lsgan_tf.utils.pixels import from_uint8
from lsgan_tf.utils.provenance import provenance, utc_now


class CheckpointEvaluator:
    """Scores checkpoints of one run as `evaluate_run` does. The scoring network, the real data
    and its features are computed at the first call and kept for every later one, so a study can
    score each checkpoint as soon as training writes it at the cost of its samples alone."""

    def __init__(self, run_dir: str, num_samples: int = 5000, inception_weights: Optional[str] = None,
                 cache_dir: str = "", seed: int = 0, reference_stats: Optional[str] = None,
                 inception_url: str = INCEPTION_URL):
        self.run_dir, self.num_samples, self.seed = run_dir, num_samples, seed
        self._scorer_settings = dict(inception_weights=inception_weights, cache_dir=cache_dir,
                                     reference_stats=reference_stats, inception_url=inception_url)
        self._scorer = None

    def _restored(self, checkpoint: Optional[str] = None):
        """(model, config) of `checkpoint`, with the scorer made at the first call."""
        model, config, _ = restore_model(self.run_dir, checkpoint)
        if self._scorer is None:
            setup = ScorerSetup(config, RunDir(self.run_dir).class_table(),
                                model.num_classes if config.conditional else None, self.num_samples,
                                **self._scorer_settings)
            self._scorer = make_scorer(setup)
        return model, config

    def __call__(self, checkpoint: Optional[str] = None) -> Dict:
        """The scores of `checkpoint` (None: the newest readable one)."""
        model, _ = self._restored(checkpoint)
        fake = generate(model, self.num_samples, self.seed, self._scorer.labels)
        return {"run_dir": self.run_dir, "step": global_step(model), "num_samples": self.num_samples,
                "seed": self.seed, **self._scorer(fake), "extractor": self._scorer.extractor,
                "versions": provenance(), "evaluated_utc": utc_now()}

    def score_exported(self, images: np.ndarray) -> Dict:
        """The scores of `num_samples` uint8 images drawn from an export of the run (a .tflite
        file through LiteRT, say) with lsgan-sample's default labels, which are the classes this
        metric asks for in the same order: the exported file scored as `__call__` scores the run."""
        if len(images) != self.num_samples:
            raise ValueError(f"{len(images)} images given, {self.num_samples} expected.")
        _, config = self._restored()
        fake = from_uint8(np.asarray(images, np.float32), config.pixel_range)
        return {"num_samples": self.num_samples, **self._scorer(fake), "extractor": self._scorer.extractor}


def evaluate_checkpoints(run_dir: str, checkpoints: Sequence[Optional[str]], num_samples: int = 5000,
                         inception_weights: Optional[str] = None, cache_dir: str = "", seed: int = 0,
                         reference_stats: Optional[str] = None, inception_url: str = INCEPTION_URL) -> List[Dict]:
    """`evaluate_run` for several checkpoints of one run (None: the newest), in order; the real
    data, its features and the scoring network are computed once for all of them."""
    evaluator = CheckpointEvaluator(run_dir, num_samples, inception_weights, cache_dir, seed, reference_stats,
                                    inception_url)
    return [evaluator(checkpoint) for checkpoint in checkpoints]


def evaluate_run(run_dir: str, checkpoint: Optional[str] = None, num_samples: int = 5000,
                 inception_weights: Optional[str] = None, cache_dir: str = "", seed: int = 0,
                 reference_stats: Optional[str] = None, inception_url: str = INCEPTION_URL) -> Dict:
    """Mixture runs: mode statistics. 28x28 digit runs: the shipped digit classifier's coverage,
    confidence and FD-digits against real data. Conditional HWDB runs: class accuracy under the
    shipped character classifier (with its chance level). Other image runs: FID, KID and IS with
    the Inception graph (fetched from `inception_url` into `cache_dir` unless `inception_weights`
    names a local copy; FID against `reference_stats`, an .npz of the real features' mean and
    covariance, when it exists; computed from the data and saved there when it does not). The
    samples are drawn from `seed` (lsgan_tf.noise.seeded_z): the same seed, the same score."""
    return evaluate_checkpoints(run_dir, [checkpoint], num_samples, inception_weights, cache_dir, seed,
                                reference_stats, inception_url)[0]


def evaluate_generator(generator: Generator, source: str, num_samples: int = 5000, seed: int = 0,
                       data_dir: Optional[str] = None, inception_weights: Optional[str] = None, cache_dir: str = "",
                       reference_stats: Optional[str] = None, inception_url: str = INCEPTION_URL) -> Dict:
    """An export (a .tflite file, a SavedModel, a shipped generator: `generator`, read from
    `source`) scored with the metric of the dataset it learned (its metadata.json's `dataset`),
    as `evaluate_run` scores a run: `num_samples` images of the z of `seed`, with the labels the
    metric asks for; real data from `data_dir` where the dataset needs one."""
    if generator.dataset is None:
        raise ConfigError(f"{source}: its metadata.json names no dataset (an export of lsgan-tf 0.2.0 or earlier); "
                          f"export the run again, or score samples of it with --images.")
    config = TrainConfig(dataset=generator.dataset, data_dir=data_dir).resolve(data_needed=False)
    table = (ClassTable.from_characters(generator.class_names, generator.trained_classes)
             if generator.class_names is not None else None)
    setup = ScorerSetup(config, table, generator.num_classes, num_samples, inception_weights=inception_weights,
                        cache_dir=cache_dir, reference_stats=reference_stats, inception_url=inception_url)
    scorer = make_scorer(setup)
    images = np.concatenate(list(sample(generator, seed, num_samples, scorer.labels)))
    fake = from_uint8(images.astype(np.float32), config.pixel_range)
    return {"model": source, "dataset": generator.dataset, "num_samples": num_samples, "seed": seed,
            **scorer(fake), "extractor": scorer.extractor, "versions": provenance(), "evaluated_utc": utc_now()}
