"""`evaluate_run` / `evaluate_checkpoints`: score a run's generator with the metric that fits its data."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np

from lsgan_tf.callbacks import global_step
from lsgan_tf.data.datasets import make_dataset
from lsgan_tf.data.mixture import STD, mixture_centers
from lsgan_tf.evaluation import metrics
from lsgan_tf.evaluation.features import InceptionFeatures, cached_digit_classifier, classifier_statistics
from lsgan_tf.evaluation.modes import mode_statistics
from lsgan_tf.noise import draw_z
from lsgan_tf.runs import restore_model


def _generate(model, num_samples: int, seed: int) -> np.ndarray:
    z = draw_z(np.random.default_rng(seed), (num_samples, model.z_dim), model.noise)
    inputs = z if not hasattr(model, "num_classes") else [z, (np.arange(num_samples) % model.num_classes).astype(np.int32)]
    return model.sampling_generator.predict(inputs, batch_size=256, verbose=0)


def _real(config, num_samples: int) -> np.ndarray:
    dataset = make_dataset(config.preset, batch_size=250, data_dir=config.data_dir, conditional=False,
                           seed=1, tfds_name=config.tfds_name)
    batches = []
    for batch in dataset.take(max(1, num_samples // 250)):
        batches.append(batch.numpy())
    return np.concatenate(batches)[:num_samples]


class _Scorer:
    """A run's metric, with everything that does not depend on the generator (the scoring
    network, the real data and its features) computed once for all checkpoints."""

    def __init__(self, config, num_samples: int, inception_weights: Optional[str], cache_dir: str):
        self.arch, self.pixel_range = config.arch, config.pixel_range
        if self.arch == "mixture":
            return
        if self.arch != "digits":
            self.inception = InceptionFeatures(inception_weights)  # fails first, naming the file to get
        real = _real(config, num_samples)
        if self.arch == "digits":
            self.classifier = cached_digit_classifier(cache_dir)
            self.real_stats = classifier_statistics(self.classifier, real, self.pixel_range)
        else:
            self.real_features = self.inception(real, self.pixel_range)

    def __call__(self, fake: np.ndarray) -> Dict:
        if self.arch == "mixture":
            return mode_statistics(fake, mixture_centers(), STD)
        if self.arch == "digits":
            fake_stats = classifier_statistics(self.classifier, fake, self.pixel_range)
            return {
                "classes_covered": fake_stats["classes_covered"],
                "mean_confidence": fake_stats["mean_confidence"],
                "coverage": fake_stats["coverage"],
                "real_classes_covered": self.real_stats["classes_covered"],
                "fd_digits": metrics.frechet_distance(fake_stats["features"], self.real_stats["features"]),
            }
        fake_features = self.inception(fake, self.pixel_range)
        return {"fid": metrics.frechet_distance(fake_features, self.real_features),
                **metrics.kernel_inception_distance(fake_features, self.real_features)}


def evaluate_checkpoints(run_dir: str, checkpoints: Sequence[Optional[str]], num_samples: int = 5000,
                         inception_weights: Optional[str] = None, cache_dir: str = "", seed: int = 0) -> List[Dict]:
    """`evaluate_run` for several checkpoints of one run (None: the newest), in order; the real
    data, its features and the scoring network are computed once for all of them."""
    scorer, results = None, []
    for checkpoint in checkpoints:
        model, config, _ = restore_model(run_dir, checkpoint)
        scorer = scorer or _Scorer(config, num_samples, inception_weights, cache_dir)
        fake = _generate(model, num_samples, seed)
        results.append({"run_dir": run_dir, "step": global_step(model), "num_samples": num_samples, **scorer(fake)})
    return results


def evaluate_run(run_dir: str, checkpoint: Optional[str] = None, num_samples: int = 5000,
                 inception_weights: Optional[str] = None, cache_dir: str = "", seed: int = 0) -> Dict:
    """Mixture runs: mode statistics. 28x28 digit runs: digit-classifier coverage, confidence and
    FD-digits against real data. Other image runs: FID, KID and IS with local Inception weights."""
    return evaluate_checkpoints(run_dir, [checkpoint], num_samples, inception_weights, cache_dir, seed)[0]
