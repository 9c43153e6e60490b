"""Feature extractors for the metrics: Inception-v3 from a local weights file (nothing is ever
downloaded) and a small digit classifier trained on the rendered small-variability digits."""

from __future__ import annotations

import os
from typing import Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from lsgan_tf.atomic import atomic_path

INCEPTION_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_HELP = (
    f"Inception-v3 weights are needed and are never downloaded. Get {INCEPTION_FILE} (the Keras "
    f"applications release file, 87.9 MB) or a TF-Hub-format SavedModel of the TF-GAN Inception "
    f"(tfgan/eval/inception/1), put it on this machine and pass --inception_weights=PATH."
)


class FeatureError(ValueError):
    """A feature extractor that cannot be built; the message says which file to obtain."""


def _to_inception_input(images, pixel_range: Tuple[float, float]):
    """Any generator output -> 299x299x3 in [-1, 1] (the standard bilinear resize)."""
    low, high = pixel_range
    images = tf.convert_to_tensor(images, tf.float32)
    images = (images - low) / (high - low) * 2.0 - 1.0
    if images.shape[-1] == 1:
        images = tf.image.grayscale_to_rgb(images)
    return tf.image.resize(images, (299, 299), method="bilinear")


class InceptionFeatures:
    """2048-d pool features (and, for a SavedModel with logits, class logits) of Inception-v3."""

    def __init__(self, weights_path: Optional[str]):
        if not weights_path or not os.path.exists(weights_path):
            raise FeatureError(f"Inception weights not found at {weights_path!r}. {INCEPTION_HELP}")
        if os.path.isdir(weights_path):
            self._module = tf.saved_model.load(weights_path)
            self._keras = None
        else:
            self._keras = keras.applications.InceptionV3(include_top=False, weights=weights_path, pooling="avg",
                                                         input_shape=(299, 299, 3))
            self._module = None

    def __call__(self, images, pixel_range=(-1.0, 1.0), batch_size: int = 50) -> np.ndarray:
        outputs = []
        for start in range(0, len(images), batch_size):
            batch = _to_inception_input(images[start:start + batch_size], pixel_range)
            if self._keras is not None:
                outputs.append(self._keras(batch, training=False).numpy())
            else:
                result = self._module(batch)
                outputs.append((result["pool_3"] if isinstance(result, dict) else result).numpy().reshape(len(batch), -1))
        return np.concatenate(outputs)


def digit_classifier() -> keras.Model:
    """A small LeNet-style CNN: 28x28x1 in [-1, 1] -> 10 logits; layer "features" is 128-d."""
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(64, 3, activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(128, activation="relu", name="features")(x)
    return keras.Model(inputs, keras.layers.Dense(10, name="logits")(x), name="digit_classifier")


def train_digit_classifier(images: np.ndarray, labels: np.ndarray, epochs: int = 2, seed: int = 0) -> keras.Model:
    """Fits the classifier on uint8 digits (N, 28, 28) with integer labels."""
    keras.utils.set_random_seed(seed)
    model = digit_classifier()
    model.compile(keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    x = images.astype(np.float32)[..., None] / 127.5 - 1.0
    model.fit(x, labels, batch_size=128, epochs=epochs, shuffle=True, verbose=0)
    return model


def cached_digit_classifier(cache_dir: str) -> keras.Model:
    """The digit classifier trained once on both rendered variants and cached as a .keras file."""
    path = os.path.join(cache_dir, "digit_classifier.keras")
    if os.path.exists(path):
        return keras.models.load_model(path)
    from lsgan_tf.data.digits_render import render_dataset

    parts = [render_dataset(variant, per_class=1000, seed=123) for variant in ("shift", "shift_rotate")]
    model = train_digit_classifier(np.concatenate([p["images"] for p in parts]), np.concatenate([p["labels"] for p in parts]))
    os.makedirs(cache_dir, exist_ok=True)
    with atomic_path(path, ".keras") as temporary:
        model.save(temporary)
    return model


def classifier_statistics(model: keras.Model, images, pixel_range=(-1.0, 1.0), num_classes: int = 10) -> dict:
    """Class coverage and confidence of samples under a classifier, plus its feature vectors.

    coverage: fraction of samples per class; classes_covered: classes with at least half their
    expected share (1 / num_classes); mean_confidence: mean top-class probability.
    """
    low, high = pixel_range
    x = (np.asarray(images, np.float32) - low) / (high - low) * 2.0 - 1.0
    logits = model.predict(x, verbose=0, batch_size=256)
    probabilities = tf.nn.softmax(logits).numpy()
    predicted = probabilities.argmax(axis=1)
    coverage = np.bincount(predicted, minlength=num_classes) / len(predicted)
    features = keras.Model(model.inputs, model.get_layer("features").output).predict(x, verbose=0, batch_size=256)
    return {
        "coverage": coverage.tolist(),
        "classes_covered": int((coverage >= 0.5 / num_classes).sum()),
        "mean_confidence": float(probabilities.max(axis=1).mean()),
        "features": features,
    }
