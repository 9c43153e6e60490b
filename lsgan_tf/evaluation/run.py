"""`evaluate_run` / `evaluate_checkpoints`: score a run's generator with the metric that fits its
data; `evaluate_generator`: score an export (a .tflite file, a SavedModel, a shipped generator)
the same way.

One scorer per metric kind (`SCORERS`): the Gaussian mixture's mode statistics, the digit sets'
classifier coverage and FD-digits, conditional HWDB's class accuracy, and FID / KID / IS for every
other image set. A scorer computes what does not depend on the generator (the scoring network,
the real data and its features) once, and checks its inputs (data, saved statistics) before it
fetches or loads any network.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from lsgan_tf.config import TrainConfig
from lsgan_tf.data.datasets import check_data, make_dataset
from lsgan_tf.data.hwdb import ClassTable
from lsgan_tf.data.mixture import STD, mixture_centers
from lsgan_tf.errors import ConfigError, DataError, FeatureError
from lsgan_tf.evaluation import classifiers, metrics
from lsgan_tf.evaluation.characters import (
    accuracy_on_real,
    asked_labels,
    class_accuracy,
    classifier_targets,
    to_classifier_range,
)
from lsgan_tf.evaluation.features import InceptionFeatures, classifier_statistics
from lsgan_tf.evaluation.inception import INCEPTION_URL
from lsgan_tf.evaluation.modes import mode_statistics
from lsgan_tf.export.generators import Generator, sample
from lsgan_tf.gan import global_step
from lsgan_tf.noise import seeded_z
from lsgan_tf.runs import RunDir
from lsgan_tf.training.build import restore_model
from lsgan_tf.utils.pixels import from_uint8
from lsgan_tf.utils.provenance import provenance, utc_now


def _generate(model, num_samples: int, seed: int, labels: Optional[np.ndarray]) -> np.ndarray:
    z = seeded_z(seed, num_samples, model.z_dim, model.noise)
    inputs = z if labels is None else [z, labels]
    return model.sampling_generator.predict(inputs, batch_size=256, verbose=0)


def _real(config, num_samples: int) -> np.ndarray:
    dataset = make_dataset(config.preset, batch_size=250, data_dir=config.source_dir, conditional=False,
                           seed=1, tfds_name=config.tfds_name)
    batches = []
    for batch in dataset.take(max(1, num_samples // 250)):
        batches.append(batch.numpy())
    return np.concatenate(batches)[:num_samples]


@dataclasses.dataclass
class ScorerSetup:
    """What a scorer is made from: the generator's settings (a run's, or those of the dataset an
    export learned), its class table, and the evaluation's settings."""

    config: object
    table: Optional[ClassTable]
    num_classes: Optional[int]
    num_samples: int
    inception_weights: Optional[str] = None
    cache_dir: str = ""
    reference_stats: Optional[str] = None
    inception_url: str = INCEPTION_URL


class ModeScorer:
    """The Gaussian mixture (TPAMI Table 4): modes covered, high-quality fraction, collapse."""

    labels = None
    extractor: Dict = {"name": "none (2-D points: distances to the mixture's modes)"}

    def __init__(self, setup: ScorerSetup):
        del setup

    def __call__(self, fake: np.ndarray) -> Dict:
        return mode_statistics(fake, mixture_centers(), STD)


class DigitScorer:
    """The digit sets (TPAMI 4.3.1): classes covered, mean confidence, and FD-digits (the Frechet
    distance of the shipped digit classifier's features) against the run's real digits."""

    labels = None

    def __init__(self, setup: ScorerSetup):
        config = setup.config
        check_data(config.preset, config.source_dir, config.tfds_name)
        self.pixel_range = config.pixel_range
        self.classifier = classifiers.load_classifier(classifiers.DIGITS)
        self.extractor = classifiers.DIGITS.description()
        self.real_stats = classifier_statistics(self.classifier, _real(config, setup.num_samples), self.pixel_range)

    def __call__(self, fake: np.ndarray) -> Dict:
        fake_stats = classifier_statistics(self.classifier, fake, self.pixel_range)
        return {
            "classes_covered": fake_stats["classes_covered"],
            "mean_confidence": fake_stats["mean_confidence"],
            "coverage": fake_stats["coverage"],
            "real_classes_covered": self.real_stats["classes_covered"],
            "fd_digits": metrics.frechet_distance(fake_stats["features"], self.real_stats["features"]),
        }


class ClassAccuracyScorer:
    """Conditional HWDB: the class accuracy of samples under the shipped character classifier,
    with its chance level and, when the run's data can be read, the classifier's accuracy on it."""

    def __init__(self, setup: ScorerSetup):
        config = setup.config
        self.pixel_range = config.pixel_range
        self.table = setup.table
        self.labels = asked_labels(self.table, setup.num_classes, setup.num_samples)
        self.targets = classifier_targets(self.table, self.labels) if self.table is not None else self.labels
        self.classifier = classifiers.load_classifier(classifiers.CHARACTERS)
        self.extractor = classifiers.CHARACTERS.description()
        self.on_real: Optional[float] = None
        if self.table is not None:
            try:
                check_data(config.preset, config.source_dir, config.tfds_name)
            except DataError:
                return  # the run's data is not on this machine: no ceiling, the accuracy stands
            self.on_real = accuracy_on_real(self.classifier, config, self.table)

    def __call__(self, fake: np.ndarray) -> Dict:
        scores = {
            "class_accuracy": class_accuracy(self.classifier, to_classifier_range(fake, self.pixel_range), self.targets),
            "chance": 1.0 / len(set(self.labels.tolist())),
            "classes_asked": int(len(set(self.labels.tolist()))),
        }
        if self.on_real is not None:
            scores["classifier_accuracy_on_run_data"] = self.on_real
        return scores


class InceptionScorer:
    """Every other image set: FID (against the run's real data, or saved statistics), KID when
    the real features are at hand, IS when the extractor gives logits."""

    labels = None

    def __init__(self, setup: ScorerSetup):
        config, reference_stats = setup.config, setup.reference_stats
        self.pixel_range = config.pixel_range
        stored = None
        if reference_stats and os.path.exists(reference_stats):
            stored = metrics.load_statistics(reference_stats)  # checked before anything is fetched
        else:
            check_data(config.preset, config.source_dir, config.tfds_name)
        self.inception = InceptionFeatures(setup.inception_weights, setup.cache_dir, setup.inception_url)
        self.extractor = self.inception.description
        self.real_features, self.reference = None, {"source": "data", "num_samples": setup.num_samples}
        if stored is not None:
            self.real_mean, self.real_cov, recorded = stored
            if recorded.get("extractor_sha256", self.extractor["sha256"]) != self.extractor["sha256"]:
                raise FeatureError(f"--reference_stats={reference_stats} was computed with another extractor "
                                   f"(sha256 {recorded['extractor_sha256'][:12]}...); pass another path, or remove "
                                   f"it to compute the statistics again.")
            self.reference = {"source": os.path.abspath(reference_stats), **recorded}
            return
        self.real_features, _ = self.inception(_real(config, setup.num_samples), self.pixel_range)
        self.real_mean, self.real_cov = metrics.feature_statistics(self.real_features)
        if reference_stats:
            metrics.save_statistics(reference_stats, self.real_mean, self.real_cov, num_samples=setup.num_samples,
                                    extractor_sha256=self.extractor["sha256"], data_dir=config.source_dir)

    def __call__(self, fake: np.ndarray) -> Dict:
        fake_features, logits = self.inception(fake, self.pixel_range)
        scores = {"fid": metrics.frechet_distance_from_statistics(*metrics.feature_statistics(fake_features),
                                                                  self.real_mean, self.real_cov),
                  "reference": self.reference}
        if self.real_features is not None:
            scores.update(metrics.kernel_inception_distance(fake_features, self.real_features))
        if logits is not None:
            scores.update(metrics.inception_score(logits, num_splits=10 if len(logits) >= 5000 else 1))
        return scores


SCORERS: Dict[str, Callable[[ScorerSetup], object]] = {
    "modes": ModeScorer, "digits": DigitScorer, "class_accuracy": ClassAccuracyScorer, "inception": InceptionScorer,
}


def metric_kind(config) -> str:
    """The SCORERS entry that scores a run of `config`."""
    if config.arch == "mixture":
        return "modes"
    if config.conditional:
        return "class_accuracy"
    if config.arch == "digits":
        return "digits"
    return "inception"


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
            self._scorer = SCORERS[metric_kind(config)](setup)
        return model, config

    def __call__(self, checkpoint: Optional[str] = None) -> Dict:
        """The scores of `checkpoint` (None: the newest readable one)."""
        model, _ = self._restored(checkpoint)
        fake = _generate(model, self.num_samples, self.seed, self._scorer.labels)
        return {"run_dir": self.run_dir, "step": global_step(model), "num_samples": self.num_samples,
                "seed": self.seed, **self._scorer(fake), "extractor": self._scorer.extractor,
                "versions": provenance(), "evaluated_utc": utc_now()}

    def score_exported(self, images: np.ndarray) -> Dict:
        """The scores of `num_samples` uint8 images drawn from an export of the run (a .tflite
        file through LiteRT, say) with sample.py's default labels, which are the classes this
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
    scorer = SCORERS[metric_kind(config)](setup)
    images = np.concatenate(list(sample(generator, seed, num_samples, scorer.labels)))
    fake = from_uint8(images.astype(np.float32), config.pixel_range)
    return {"model": source, "dataset": generator.dataset, "num_samples": num_samples, "seed": seed,
            **scorer(fake), "extractor": scorer.extractor, "versions": provenance(), "evaluated_utc": utc_now()}
