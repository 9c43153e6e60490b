"""Class fidelity of a conditional HWDB generator: a small character classifier, trained once on
the run's own real characters and cached, scores whether a sample asked for class y is read as y.

    class_accuracy = mean over samples of [argmax classifier(G(z, y)) == y]

over labels y cycled through the classes the data holds. Its chance level is 1 / (classes held);
the classifier's accuracy on held-out real characters is its ceiling.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from typing import Dict, Optional, Sequence, Tuple

import keras
import numpy as np

from lsgan_tf.data import hwdb
from lsgan_tf.data.datasets import make_dataset
from lsgan_tf.utils.atomic import atomic_path, write_json
from lsgan_tf.utils.pixels import to_uint8_scale

TRAIN_PER_CLASS = 40  # real characters per class the classifier learns from
MIN_TRAIN_STEPS = 200  # small class sets get more epochs: at least this many batches
BATCH = 128
TEST_PER_CLASS = 4  # held-out real characters per class it is scored on
MAX_TEST = 20_000


def character_classifier(num_classes: int) -> keras.Model:
    """28x28x1 in [-1, 1] -> num_classes logits: conv(32)-ReLU-pool, conv(64)-ReLU-pool and a
    256-d "features" layer. (With batch norm and dropout the same net stayed at chance for 3
    epochs on 3,755 classes x 16 samples, where this one reached 78% held-out accuracy.)"""
    inputs = keras.Input((28, 28, 1))
    x = inputs
    for filters in (32, 64):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(256, activation="relu", name="features")(x)
    return keras.Model(inputs, keras.layers.Dense(num_classes, name="logits")(x), name="character_classifier")


def to_classifier_range(images, pixel_range: Tuple[float, float]) -> np.ndarray:
    """Images in the generator's range -> float32 in [-1, 1], the classifier's input."""
    return to_uint8_scale(np.asarray(images, np.float32), pixel_range) / 127.5 - 1.0


def real_characters(config, count: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """`count` real (image, label) pairs of a run's data, in its pixel range, read in the
    training pipeline's shuffled order (files in a seeded order, then a shuffle buffer)."""
    dataset = make_dataset(config.preset, batch_size=500, data_dir=config.source_dir, conditional=True,
                           seed=seed, tfds_name=config.tfds_name)
    images, labels = [], []
    for batch_images, batch_labels in dataset.take(-(-count // 500)):
        images.append(batch_images.numpy())
        labels.append(batch_labels.numpy())
    return np.concatenate(images)[:count], np.concatenate(labels)[:count]


CLASSIFIER_VERSION = 2  # part of the cache key: a changed network or recipe is trained anew


def _cache_key(config, table: hwdb.ClassTable) -> str:
    source = f"{CLASSIFIER_VERSION}|{os.path.abspath(config.source_dir or '')}|{config.tfds_name}|{table.to_tsv()}"
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def cached_character_classifier(config, table: hwdb.ClassTable, cache_dir: str, epochs: int = 4,
                                log=print) -> Tuple[keras.Model, Dict]:
    """(classifier, {"heldout_accuracy", "train_samples", "test_samples", "file"}) for a run's data:
    trained once on TRAIN_PER_CLASS real characters per class held, scored on the next ones
    read (from other files first: the reader takes files whole), and cached in `cache_dir`
    under a key of the data's location and class table, with its held-out score beside it
    (a cached classifier reads no data)."""
    key = _cache_key(config, table)
    path = os.path.join(cache_dir, f"character_classifier_{key}.keras")
    info_path = os.path.join(cache_dir, f"character_classifier_{key}.json")
    if os.path.exists(path) and os.path.exists(info_path):
        with open(info_path) as handle:
            return keras.models.load_model(path), {**json.load(handle), "file": path}
    held = len(table.present())
    train_count, test_count = TRAIN_PER_CLASS * held, min(MAX_TEST, TEST_PER_CLASS * held)
    images, labels = real_characters(config, train_count + test_count, seed=12345)
    x = to_classifier_range(images, config.pixel_range)
    (x_train, y_train), (x_test, y_test) = (x[:train_count], labels[:train_count]), (x[train_count:], labels[train_count:])
    if os.path.exists(path):
        model = keras.models.load_model(path)
    else:
        log(f"training the character classifier on {len(x_train)} real characters of {held} classes "
            f"(once; cached in {path})")
        keras.utils.set_random_seed(0)
        model = character_classifier(len(table))
        model.compile(keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        epochs = max(epochs, math.ceil(MIN_TRAIN_STEPS * BATCH / len(x_train)))
        model.fit(x_train, y_train, batch_size=BATCH, epochs=epochs, shuffle=True, verbose=0)
        os.makedirs(cache_dir, exist_ok=True)
        with atomic_path(path, ".keras") as temporary:
            model.save(temporary)
    info = {"heldout_accuracy": class_accuracy(model, x_test, y_test), "train_samples": int(len(x_train)),
            "test_samples": int(len(x_test))}
    write_json(info_path, info)
    return model, {**info, "file": path}


def class_accuracy(classifier: keras.Model, images: np.ndarray, labels: Sequence[int]) -> float:
    """The fraction of images (in [-1, 1]) the classifier assigns to the given labels."""
    logits = classifier.predict(np.asarray(images, np.float32), batch_size=500, verbose=0)
    return float(np.mean(logits.argmax(axis=1) == np.asarray(labels)))


def asked_labels(table: Optional[hwdb.ClassTable], num_classes: int, count: int) -> np.ndarray:
    """The labels to ask a conditional generator for: the classes the data holds, cycled."""
    classes = np.asarray(table.present() if table is not None else range(num_classes), np.int32)
    return classes[np.arange(count) % len(classes)]
