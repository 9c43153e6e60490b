"""`evaluate_run`: score a run's generator with the metric that fits its data."""

from __future__ import annotations

from typing import Dict, Optional

import numpy as np

from lsgan_tf.callbacks import global_step
from lsgan_tf.data.datasets import make_dataset
from lsgan_tf.data.mixture import STD, mixture_centers
from lsgan_tf.evaluation import metrics
from lsgan_tf.evaluation.features import InceptionFeatures, cached_digit_classifier, classifier_statistics
from lsgan_tf.evaluation.modes import mode_statistics
from lsgan_tf.runs import restore_model


def _generate(model, num_samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = (rng.uniform(-1, 1, (num_samples, model.z_dim)) if model.noise == "uniform"
         else rng.standard_normal((num_samples, model.z_dim))).astype(np.float32)
    inputs = z if not hasattr(model, "num_classes") else [z, (np.arange(num_samples) % model.num_classes).astype(np.int32)]
    return model.sampling_generator.predict(inputs, batch_size=256, verbose=0)


def _real(config, num_samples: int) -> np.ndarray:
    dataset = make_dataset(config.preset, batch_size=250, data_dir=config.data_dir, conditional=False,
                           seed=1, tfds_name=config.tfds_name)
    batches = []
    for batch in dataset.take(max(1, num_samples // 250)):
        batches.append(batch.numpy())
    return np.concatenate(batches)[:num_samples]


def evaluate_run(run_dir: str, checkpoint: Optional[str] = None, num_samples: int = 5000,
                 inception_weights: Optional[str] = None, cache_dir: str = "", seed: int = 0) -> Dict:
    """Mixture runs: mode statistics. 28x28 digit runs: digit-classifier coverage, confidence and
    FD-digits against real data. Other image runs: FID, KID and IS with local Inception weights."""
    model, config, _ = restore_model(run_dir, checkpoint)
    inception = None
    if config.arch not in ("mixture", "digits"):
        inception = InceptionFeatures(inception_weights)  # fails first, naming the file to get
    fake = _generate(model, num_samples, seed)
    results: Dict = {"run_dir": run_dir, "step": global_step(model), "num_samples": num_samples}
    if config.arch == "mixture":
        results.update(mode_statistics(fake, mixture_centers(), STD))
        return results
    pixel_range = config.preset.pixel_range
    real = _real(config, num_samples)
    if config.arch == "digits":
        classifier = cached_digit_classifier(cache_dir)
        fake_stats = classifier_statistics(classifier, fake, pixel_range)
        real_stats = classifier_statistics(classifier, real, pixel_range)
        results.update({
            "classes_covered": fake_stats["classes_covered"],
            "mean_confidence": fake_stats["mean_confidence"],
            "coverage": fake_stats["coverage"],
            "real_classes_covered": real_stats["classes_covered"],
            "fd_digits": metrics.frechet_distance(fake_stats["features"], real_stats["features"]),
        })
        return results
    fake_features, real_features = inception(fake, pixel_range), inception(real, pixel_range)
    results["fid"] = metrics.frechet_distance(fake_features, real_features)
    results.update(metrics.kernel_inception_distance(fake_features, real_features))
    return results
