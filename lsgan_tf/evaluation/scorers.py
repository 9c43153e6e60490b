"""The scorers of the metric kinds, one per kind (`SCORERS`): the Gaussian mixture's mode
statistics, the digit sets' classifier coverage and FD-digits, conditional HWDB's class accuracy,
and FID / KID / IS for every other image set, with precision / recall / density / coverage on
the same features where real features are at hand. A scorer computes what does not depend on
the generator (the scoring network, the real data and its features) once, checks its inputs
(data, saved statistics) before it fetches or loads any network, and names the one figure that
ranks generators (`headline`: the metric and whether lower is better), which --keep_best uses.

`lsgan_tf/scoring.py` scores run directories and exports with them; training scores its model
with them while it trains (lsgan_tf/training/metrics_log.py).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from lsgan_tf.data.classes import ClassTable
from lsgan_tf.data.datasets import check_data, make_dataset
from lsgan_tf.data.mixture import STD, mixture_centers
from lsgan_tf.errors import DataError, FeatureError
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
from lsgan_tf.noise import seeded_z

GENERATION_BATCH = 250


def generate(model, num_samples: int, seed: int, labels: Optional[np.ndarray]) -> np.ndarray:
    """`num_samples` outputs of the model's sampling generator (the EMA copy when it has one) for
    the z of `seed` and `labels`, in its pixel range. Plain calls in batches (no `predict`), so
    that it also runs inside a training run under any tf.distribute strategy."""
    z = seeded_z(seed, num_samples, model.z_dim, model.noise)
    batches = []
    for start in range(0, num_samples, GENERATION_BATCH):
        part = z[start:start + GENERATION_BATCH]
        inputs = part if labels is None else [part, np.asarray(labels[start:start + len(part)], np.int32)]
        batches.append(np.asarray(model.sampling_generator(inputs, training=False), np.float32))
    return np.concatenate(batches)


def real_images(config, num_samples: int) -> np.ndarray:
    """`num_samples` images of the run's data (a fixed draw: seed 1), in its pixel range."""
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
    headline: Tuple[str, bool] = ("modes_covered", False)
    extractor: Dict = {"name": "none (2-D points: distances to the mixture's modes)"}

    def __init__(self, setup: ScorerSetup):
        del setup

    def __call__(self, fake: np.ndarray) -> Dict:
        return mode_statistics(fake, mixture_centers(), STD)


class DigitScorer:
    """The digit sets (TPAMI 4.3.1): classes covered, mean confidence, FD-digits (the Frechet
    distance of the shipped digit classifier's features) against the run's real digits, and on the
    same features KID, precision, recall, density and coverage, with the 10-class Inception Score
    of its logits."""

    labels = None
    headline = ("fd_digits", True)

    def __init__(self, setup: ScorerSetup):
        config = setup.config
        check_data(config.preset, config.source_dir, config.tfds_name)
        self.pixel_range = config.pixel_range
        self.classifier = classifiers.load_classifier(classifiers.DIGITS)
        self.extractor = classifiers.DIGITS.description()
        self.real_stats = classifier_statistics(self.classifier, real_images(config, setup.num_samples),
                                                self.pixel_range)

    def __call__(self, fake: np.ndarray) -> Dict:
        fake_stats = classifier_statistics(self.classifier, fake, self.pixel_range)
        return {
            "classes_covered": fake_stats["classes_covered"],
            "mean_confidence": fake_stats["mean_confidence"],
            "class_shares": fake_stats["class_shares"],
            "real_classes_covered": self.real_stats["classes_covered"],
            "fd_digits": metrics.frechet_distance(fake_stats["features"], self.real_stats["features"]),
            **metrics.feature_set_scores(fake_stats["features"], fake_stats["logits"], self.real_stats["features"]),
            "conventions": metrics.conventions(),
        }


class ClassAccuracyScorer:
    """Conditional HWDB: the class accuracy of samples under the shipped character classifier,
    with its chance level and, when the run's data can be read, the classifier's accuracy on it."""

    headline = ("class_accuracy", False)

    def __init__(self, setup: ScorerSetup):
        config = setup.config
        self.pixel_range = config.pixel_range
        self.table = setup.table
        self.labels = asked_labels(self.table, setup.num_classes, setup.num_samples)
        self.targets = classifier_targets(self.table, self.labels) if self.table is not None else self.labels
        self.classes_asked = len(set(self.labels.tolist()))
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
            "class_accuracy": class_accuracy(self.classifier, to_classifier_range(fake, self.pixel_range),
                                             self.targets),
            "chance": 1.0 / self.classes_asked,
            "classes_asked": self.classes_asked,
        }
        if self.on_real is not None:
            scores["classifier_accuracy_on_run_data"] = self.on_real
        return scores


class InceptionScorer:
    """Every other image set: FID (against the run's real data, or saved statistics), KID when
    the real features are at hand, IS when the extractor gives logits."""

    labels = None
    headline = ("fid", True)

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
        self.real_features, _ = self.inception(real_images(config, setup.num_samples), self.pixel_range)
        self.real_mean, self.real_cov = metrics.feature_statistics(self.real_features)
        if reference_stats:
            metrics.save_statistics(reference_stats, self.real_mean, self.real_cov, num_samples=setup.num_samples,
                                    extractor_sha256=self.extractor["sha256"], data_dir=config.source_dir)

    def __call__(self, fake: np.ndarray) -> Dict:
        fake_features, logits = self.inception(fake, self.pixel_range)
        return {"fid": metrics.frechet_distance_from_statistics(*metrics.feature_statistics(fake_features),
                                                                self.real_mean, self.real_cov),
                **metrics.feature_set_scores(fake_features, logits, self.real_features),
                "reference": self.reference, "conventions": metrics.conventions("legacy_tensorflow")}


SCORERS: Dict[str, Callable[[ScorerSetup], object]] = {
    "modes": ModeScorer, "digit_classifier": DigitScorer, "class_accuracy": ClassAccuracyScorer,
    "inception": InceptionScorer,
}


def make_scorer(setup: ScorerSetup):
    """The scorer of the metric kind that the dataset record of `setup.config` names (SCORERS)."""
    return SCORERS[setup.config.preset.metric](setup)
