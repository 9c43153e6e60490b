"""`evaluate_run` / `evaluate_checkpoints`: score a run's generator with the metric that fits its data."""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence

import numpy as np

from lsgan_tf.data.datasets import make_dataset
from lsgan_tf.data.mixture import STD, mixture_centers
from lsgan_tf.evaluation import metrics
from lsgan_tf.evaluation.characters import (
    asked_labels,
    cached_character_classifier,
    class_accuracy,
    to_classifier_range,
)
from lsgan_tf.evaluation.features import (
    DIGIT_CLASSIFIER_FILE,
    FeatureError,
    InceptionFeatures,
    cached_digit_classifier,
    classifier_statistics,
    file_sha256,
)
from lsgan_tf.evaluation.inception import INCEPTION_URL
from lsgan_tf.evaluation.modes import mode_statistics
from lsgan_tf.gan import global_step
from lsgan_tf.noise import draw_z
from lsgan_tf.runs import RunDir
from lsgan_tf.training.build import restore_model
from lsgan_tf.utils.pixels import from_uint8
from lsgan_tf.utils.provenance import provenance


def _generate(model, num_samples: int, seed: int, labels: Optional[np.ndarray]) -> np.ndarray:
    z = draw_z(np.random.default_rng(seed), (num_samples, model.z_dim), model.noise)
    inputs = z if labels is None else [z, labels]
    return model.sampling_generator.predict(inputs, batch_size=256, verbose=0)


def _real(config, num_samples: int) -> np.ndarray:
    dataset = make_dataset(config.preset, batch_size=250, data_dir=config.source_dir, conditional=False,
                           seed=1, tfds_name=config.tfds_name)
    batches = []
    for batch in dataset.take(max(1, num_samples // 250)):
        batches.append(batch.numpy())
    return np.concatenate(batches)[:num_samples]


class _Scorer:
    """A run's metric, with everything that does not depend on the generator (the scoring
    network, the real data and its features) computed once for all checkpoints. `extractor`
    names the scoring network (with its file's SHA-256) for evaluation.json."""

    def __init__(self, run_dir: str, model, config, num_samples: int, inception_weights: Optional[str], cache_dir: str,
                 reference_stats: Optional[str] = None, inception_url: str = INCEPTION_URL):
        self.arch, self.pixel_range = config.arch, config.pixel_range
        self.table = RunDir(run_dir).class_table()
        self.labels = (asked_labels(self.table, model.num_classes, num_samples) if config.conditional else None)
        self.extractor: Dict = {"name": "none (2-D points: distances to the mixture's modes)"}
        if self.arch == "mixture":
            return
        if self.table is not None:
            self.classifier, self.classifier_info = cached_character_classifier(config, self.table, cache_dir)
            self.extractor = _file_extractor("character_classifier", self.classifier_info["file"])
            return
        if self.arch == "digits":
            self.classifier = cached_digit_classifier(cache_dir)
            self.extractor = _file_extractor("digit_classifier", os.path.join(cache_dir, DIGIT_CLASSIFIER_FILE))
            self.real_stats = classifier_statistics(self.classifier, _real(config, num_samples), self.pixel_range)
            return
        self.inception = InceptionFeatures(inception_weights, cache_dir, inception_url)  # fails first
        self.extractor = self.inception.description
        self.real_features, self.reference = None, {"source": "data", "num_samples": num_samples}
        if reference_stats and os.path.exists(reference_stats):
            self.real_mean, self.real_cov, stored = metrics.load_statistics(reference_stats)
            if stored.get("extractor_sha256", self.extractor["sha256"]) != self.extractor["sha256"]:
                raise FeatureError(f"--reference_stats={reference_stats} was computed with another extractor "
                                   f"(sha256 {stored['extractor_sha256'][:12]}...); delete it or pass another path.")
            self.reference = {"source": os.path.abspath(reference_stats), **stored}
            return
        self.real_features, _ = self.inception(_real(config, num_samples), self.pixel_range)
        self.real_mean, self.real_cov = metrics.feature_statistics(self.real_features)
        if reference_stats:
            metrics.save_statistics(reference_stats, self.real_mean, self.real_cov, num_samples=num_samples,
                                    extractor_sha256=self.extractor["sha256"], data_dir=config.source_dir)

    def __call__(self, fake: np.ndarray) -> Dict:
        if self.arch == "mixture":
            return mode_statistics(fake, mixture_centers(), STD)
        if self.table is not None:
            return {
                "class_accuracy": class_accuracy(self.classifier, to_classifier_range(fake, self.pixel_range), self.labels),
                "chance": 1.0 / len(self.table.present()),
                "classifier_heldout_accuracy": self.classifier_info["heldout_accuracy"],
                "classes_asked": int(len(set(self.labels.tolist()))),
            }
        if self.arch == "digits":
            fake_stats = classifier_statistics(self.classifier, fake, self.pixel_range)
            return {
                "classes_covered": fake_stats["classes_covered"],
                "mean_confidence": fake_stats["mean_confidence"],
                "coverage": fake_stats["coverage"],
                "real_classes_covered": self.real_stats["classes_covered"],
                "fd_digits": metrics.frechet_distance(fake_stats["features"], self.real_stats["features"]),
            }
        fake_features, logits = self.inception(fake, self.pixel_range)
        scores = {"fid": metrics.frechet_distance_from_statistics(*metrics.feature_statistics(fake_features),
                                                                  self.real_mean, self.real_cov),
                  "reference": self.reference}
        if self.real_features is not None:
            scores.update(metrics.kernel_inception_distance(fake_features, self.real_features))
        if logits is not None:
            scores.update(metrics.inception_score(logits, num_splits=10 if len(logits) >= 5000 else 1))
        return scores


def _file_extractor(name: str, path: str) -> Dict:
    return {"name": name, "file": os.path.abspath(path), "sha256": file_sha256(path)}


class CheckpointEvaluator:
    """Scores checkpoints of one run as `evaluate_run` does. The scoring network, the real data
    and its features are computed at the first call and kept for every later one, so a study can
    score each checkpoint as soon as training writes it at the cost of its samples alone."""

    def __init__(self, run_dir: str, num_samples: int = 5000, inception_weights: Optional[str] = None,
                 cache_dir: str = "", seed: int = 0, reference_stats: Optional[str] = None,
                 inception_url: str = INCEPTION_URL):
        self.run_dir, self.num_samples, self.seed = run_dir, num_samples, seed
        self._scorer_settings = (inception_weights, cache_dir, reference_stats, inception_url)
        self._scorer: Optional[_Scorer] = None

    def _restored(self, checkpoint: Optional[str] = None):
        """(model, config) of `checkpoint`, with the scorer made at the first call."""
        model, config, _ = restore_model(self.run_dir, checkpoint)
        if self._scorer is None:
            self._scorer = _Scorer(self.run_dir, model, config, self.num_samples, *self._scorer_settings)
        return model, config

    def __call__(self, checkpoint: Optional[str] = None) -> Dict:
        """The scores of `checkpoint` (None: the newest readable one)."""
        model, _ = self._restored(checkpoint)
        fake = _generate(model, self.num_samples, self.seed, self._scorer.labels)
        return {"run_dir": self.run_dir, "step": global_step(model), "num_samples": self.num_samples,
                **self._scorer(fake), "extractor": self._scorer.extractor, "versions": provenance()}

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
    """Mixture runs: mode statistics. 28x28 digit runs: digit-classifier coverage, confidence and
    FD-digits against real data. Conditional HWDB runs: class accuracy under a character classifier
    (with its chance level and the classifier's held-out accuracy). Other image runs: FID, KID and
    IS with the Inception graph (fetched from `inception_url` into `cache_dir` unless
    `inception_weights` names a local copy; FID against `reference_stats`, an .npz of the real features'
    mean and covariance, when it exists; computed from the data and saved there when it does not)."""
    return evaluate_checkpoints(run_dir, [checkpoint], num_samples, inception_weights, cache_dir, seed,
                                reference_stats, inception_url)[0]
