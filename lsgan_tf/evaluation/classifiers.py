"""The two classifiers behind the 28x28 metrics, trained once and shipped with the package.

- The digit classifier (FD-digits, classes covered, confidence; TPAMI 4.3.1's digit sets): a
  LeNet-style CNN, 28x28x1 in [-1, 1] -> 10 logits, its 128-d "features" layer the space of
  FD-digits. Trained on 20,000 rendered digits, both variants.
- The character classifier (HWDB class accuracy): the same shape with a 256-d "features" layer
  and 3,755 logits, one per GB2312-80 level-1 character (the label map of every HWDB route).
  Trained on rendered handwriting-like characters (lsgan_tf/data/hwdb_render.py), since the
  real HWDB1.0 cannot be shipped or downloaded everywhere.

`experiments/train_classifiers.py` trains both deterministically (fixed seeds, TensorFlow's op
determinism) and writes their weights as float16 .npz files into lsgan_tf/evaluation/weights/.
Their SHA-256 and measured test accuracies are fixed below (DIGITS, CHARACTERS): every machine scores
with the same networks, and every score records which (evaluation.json, model cards).
"""

from __future__ import annotations

import dataclasses
import io
import os
import zipfile
from typing import Callable, Dict

import keras
import numpy as np

from lsgan_tf.errors import FeatureError
from lsgan_tf.utils.hashing import file_sha256

WEIGHTS_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
DIGIT_CLASSES = 10
CHARACTER_CLASSES = 3755  # len(lsgan_tf.data.classes.LEVEL1_CODES)


def _classifier(num_classes: int, features: int, padding: str, name: str) -> keras.Model:
    """28x28x1 in [-1, 1] -> num_classes logits: conv(32, 3)-ReLU-pool, conv(64, 3)-ReLU-pool,
    a `features`-d ReLU layer named "features", then the logits."""
    inputs = keras.Input((28, 28, 1))
    x = inputs
    for filters in (32, 64):
        x = keras.layers.Conv2D(filters, 3, padding=padding, activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(features, activation="relu", name="features")(x)
    return keras.Model(inputs, keras.layers.Dense(num_classes, name="logits")(x), name=name)


def digit_classifier() -> keras.Model:
    """The digit classifier's network (untrained): 10 logits, a 128-d "features" layer."""
    return _classifier(DIGIT_CLASSES, 128, "valid", "digit_classifier")


def character_classifier(num_classes: int = CHARACTER_CLASSES) -> keras.Model:
    """The character classifier's network (untrained): conv(32)-pool, conv(64)-pool, a 256-d
    "features" layer. (With batch norm and dropout the same net stayed at chance for 3 epochs on
    3,755 classes x 16 samples, where this one reached 78% held-out accuracy.)"""
    return _classifier(num_classes, 256, "same", "character_classifier")


def train_classifier(build: Callable[[], keras.Model], x: np.ndarray, labels: np.ndarray, epochs: int, seed: int = 0,
                     batch_size: int = 128) -> keras.Model:
    """The network of `build()`, its weights drawn after keras.utils.set_random_seed(seed), fitted on
    images in [-1, 1] with integer labels: Adam(1e-3), softmax cross-entropy, shuffled batches."""
    keras.utils.set_random_seed(seed)
    model = build()
    model.compile(keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, labels, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0)
    return model


@dataclasses.dataclass(frozen=True)
class ShippedClassifier:
    """One shipped classifier: its network, its weights file's SHA-256 and what it scored on
    held-out test sets when it was trained (experiments/train_classifiers.py)."""

    name: str
    build: Callable[[], keras.Model]
    sha256: str
    test_accuracy: Dict[str, float]
    trained_on: str

    @property
    def path(self) -> str:
        """The weights file inside the installed package."""
        return os.path.join(WEIGHTS_FOLDER, f"{self.name}.npz")

    def description(self) -> Dict:
        """What an evaluation records of the classifier it scored with."""
        return {"name": self.name, "sha256": self.sha256, "file": self.path, "trained_on": self.trained_on,
                "test_accuracy": dict(self.test_accuracy)}


def write_weights(model: keras.Model, path: str) -> str:
    """Writes the model's weights as float16 arrays into an .npz whose bytes depend on the
    weights alone (fixed zip timestamps, weights in `model.weights` order): retraining to the
    same weights reproduces the same SHA-256."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, weight in enumerate(model.weights):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(weight.numpy(), np.float16), allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"w{index:03d}.npy", date_time=(1980, 1, 1, 0, 0, 0)), buffer.getvalue())
    return path


def read_weights(model: keras.Model, path: str) -> keras.Model:
    """`model` with the weights of a `write_weights` file (as float32)."""
    with np.load(path, allow_pickle=False) as stored:
        model.set_weights([np.asarray(stored[f"w{index:03d}"], np.float32) for index in range(len(stored.files))])
    return model


def load_classifier(shipped: ShippedClassifier) -> keras.Model:
    """The shipped classifier with its weights, after checking the file's SHA-256 against the one
    fixed here (FeatureError when it differs: a damaged or modified installation)."""
    if not os.path.exists(shipped.path):
        raise FeatureError(f"{shipped.path} is missing from the installed lsgan_tf; reinstall it "
                           f"(pip install --force-reinstall lsgan-tf).")
    actual = file_sha256(shipped.path)
    if actual != shipped.sha256:
        raise FeatureError(f"{shipped.path} has SHA-256 {actual[:16]}..., not the shipped {shipped.sha256[:16]}...: "
                           f"the installation is damaged or was modified; reinstall lsgan-tf "
                           f"(pip install --force-reinstall lsgan-tf).")
    return read_weights(shipped.build(), shipped.path)


DIGITS = ShippedClassifier(
    name="digit_classifier", build=digit_classifier,
    sha256="6f6a54b4e3a57b6b74cf3ff41ad4a6d54c92946c41dbdae8d66ddf239ac8f2e7",
    test_accuracy={"authors_shift": 1.0, "authors_shift_rotate": 0.9937, "rendered_shift": 1.0,
                   "rendered_shift_rotate": 1.0},
    trained_on="20,000 rendered digits (1,000 per class of shift and shift_rotate, seed 123), 2 epochs",
)

CHARACTERS = ShippedClassifier(
    name="character_classifier", build=character_classifier,
    sha256="9970e38939ed1a6970456d205d9ef4c318cfabe888998accb73b9eb45a072de7",
    test_accuracy={"rendered_4_writers": 0.9059},
    trained_on="the 3,755 level-1 characters by 40 synthetic writers (150,200 samples, seed 1000), 6 epochs",
)
