"""Feature extractors for the metrics: Inception for FID / KID / IS, and the class statistics and
features of a shipped classifier (lsgan_tf/evaluation/classifiers.py) for the 28x28 sets.

FID numbers are comparable with published ones only with the 2015-12-05 Inception graph that
TTUR, pytorch-fid, clean-fid and TF-GAN use. By default that graph is fetched once into the cache
(lsgan_tf.evaluation.inception); a local copy of it (`classify_image_graph_def.pb`) or TF-GAN's
TF-Hub module of the same network (tfgan/eval/inception/1, a SavedModel folder whose call maps
[-1, 1] 299x299 images to {"pool_3", "logits"}) can be passed instead. The Keras ImageNet notop .h5
file also works, and is labelled not comparable.
"""

from __future__ import annotations

import os
import sys
from typing import Iterable, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from lsgan_tf.errors import FeatureError
from lsgan_tf.evaluation.inception import INCEPTION_GRAPH_FILE, INCEPTION_URL, InceptionGraph, fetch_inception_graph
from lsgan_tf.evaluation.resizing import legacy_tensorflow_resize
from lsgan_tf.utils.cache import cache_directory
from lsgan_tf.utils.hashing import file_sha256
from lsgan_tf.utils.images import to_uint8

INCEPTION_HELP = (
    f"Pass --inception_weights=PATH: {INCEPTION_GRAPH_FILE} (from {INCEPTION_URL}), TF-GAN's "
    f"tfgan/eval/inception/1 SavedModel folder (both comparable with published FIDs), or the Keras "
    f"inception_v3 notop .h5 file (not comparable); or leave it out to fetch the graph."
)
PROGRESS_FROM = 5000  # feature passes over this many images show a progress bar


def _to_inception_input(pixels) -> tf.Tensor:
    """RGB [0, 255] images -> 299x299x3 in [-1, 1], by the resize of the 2015 graph (TF1 legacy
    bilinear: lsgan_tf/evaluation/resizing.py)."""
    return legacy_tensorflow_resize(tf.convert_to_tensor(pixels, tf.float32) / 127.5 - 1.0)


def generator_pixels(images, pixel_range: Tuple[float, float]) -> np.ndarray:
    """Generator outputs in `pixel_range` -> RGB uint8 [0, 255] (rounded to 8 bits as if saved to
    an image file; grey repeated on three channels): what every extractor is fed."""
    pixels = to_uint8(images, pixel_range)
    return np.repeat(pixels, 3, axis=-1) if pixels.shape[-1] == 1 else pixels


class InceptionFeatures:
    """Pool features (2048-d for Inception-v3) and, for the extractors that give them, class logits.

    `weights_path`: the Inception graph (.pb), TF-GAN's SavedModel folder, or the Keras notop
    .h5 file; None fetches the graph from `url` into `cache_dir` on first use."""

    def __init__(self, weights_path: Optional[str], cache_dir: str = "", url: str = INCEPTION_URL):
        source = os.path.abspath(weights_path) if weights_path else url
        if not weights_path:
            weights_path = fetch_inception_graph(cache_dir or cache_directory(), url)
        elif not os.path.exists(weights_path):
            raise FeatureError(f"--inception_weights={weights_path} does not exist. {INCEPTION_HELP}")
        self._graph = self._module = self._keras = None
        if os.path.isdir(weights_path):
            self._module = tf.saved_model.load(weights_path)
            name, comparable = "tfgan_inception_savedmodel", True
        elif weights_path.endswith(".pb"):
            self._graph = InceptionGraph(weights_path)
            name, comparable = "inception_2015_12_05_graph", True
        else:
            self._keras = keras.applications.InceptionV3(include_top=False, weights=weights_path, pooling="avg",
                                                         input_shape=(299, 299, 3))
            name, comparable = "keras_inception_v3_imagenet_notop", False
        self.description = {"name": name, "file": os.path.abspath(weights_path), "sha256": file_sha256(weights_path),
                            "source": source, "comparable_with_published_fid": comparable}

    def __call__(self, images, pixel_range=(-1.0, 1.0),
                 batch_size: int = 50) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """(pool features, logits or None) of generator outputs in `pixel_range`."""
        batches = (generator_pixels(images[start:start + batch_size], pixel_range)
                   for start in range(0, len(images), batch_size))
        return self.of_batches(batches, len(images), batch_size)

    def of_batches(self, batches: Iterable, count: int, batch_size: int = 50,
                   description: str = "inception") -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """(pool features, logits or None) of `count` RGB images with values on [0, 255], given as
        batches of at most `batch_size` (streamed: a folder never has to fit in memory), with a
        progress bar from PROGRESS_FROM images."""
        if count >= PROGRESS_FROM:
            batches = tqdm(batches, total=-(-count // batch_size), desc=description, unit="batch", file=sys.stderr,
                           mininterval=5.0)
        features, logits = [], []
        for batch in batches:
            batch_features, batch_logits = self.batch(batch)
            features.append(batch_features)
            if batch_logits is not None:
                logits.append(batch_logits)
        return np.concatenate(features), (np.concatenate(logits) if logits else None)

    def batch(self, pixels) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """(pool features, logits or None) of one batch of RGB images with values on [0, 255]:
        the graph resizes them itself; the other extractors get the same resize first."""
        if self._graph is not None:
            return self._graph(pixels)
        batch = _to_inception_input(pixels)
        if self._keras is not None:
            return self._keras(batch, training=False).numpy(), None
        result = self._module(batch)
        if not isinstance(result, dict):
            result = {"pool_3": result}
        pool = result["pool_3"].numpy().reshape(len(batch), -1)
        return pool, (result["logits"].numpy().reshape(len(batch), -1) if "logits" in result else None)


def classifier_statistics(model: keras.Model, images, pixel_range=(-1.0, 1.0), num_classes: int = 10,
                          batch_size: int = 256) -> dict:
    """Class shares and confidence of samples under a classifier, plus its feature vectors and logits.

    class_shares: fraction of samples per class; classes_covered: classes with at least half
    their expected share (1 / num_classes); mean_confidence: mean top-class probability.
    """
    low, high = pixel_range
    x = (np.asarray(images, np.float32) - low) / (high - low) * 2.0 - 1.0
    # One pass for both outputs, called eagerly: a fresh model's predict() per call would trace a
    # new tf.function every evaluation (and TensorFlow warns of the retracing).
    logits_and_features = keras.Model(model.input, [model.output, model.get_layer("features").output])
    batches = [logits_and_features(x[start:start + batch_size], training=False)
               for start in range(0, len(x), batch_size)]
    logits = np.concatenate([np.asarray(batch_logits) for batch_logits, _ in batches])
    features = np.concatenate([np.asarray(batch_features) for _, batch_features in batches])
    probabilities = tf.nn.softmax(logits).numpy()
    predicted = probabilities.argmax(axis=1)
    shares = np.bincount(predicted, minlength=num_classes) / len(predicted)
    return {
        "class_shares": shares.tolist(),
        "classes_covered": int((shares >= 0.5 / num_classes).sum()),
        "mean_confidence": float(probabilities.max(axis=1).mean()),
        "features": features,
        "logits": logits,
    }
