"""Class fidelity of a conditional HWDB generator: the shipped character classifier
(lsgan_tf/evaluation/classifiers.py, one logit per GB2312-80 level-1 character) scores whether a
sample asked for class y is read as y.

    class_accuracy = mean over samples of [argmax classifier(G(z, y)) == level-1 index of y]

over labels y cycled through the level-1 classes the data holds (a class outside level 1, which
`--classes=all` tables add, has no logit and is not asked for). Its chance level is 1 / (classes
asked); the classifier's accuracy on real characters of the run's own data, when they can be
read, is its ceiling.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

import keras
import numpy as np

from lsgan_tf.data import classes
from lsgan_tf.data.datasets import make_dataset
from lsgan_tf.utils.pixels import to_uint8_scale

TEST_PER_CLASS = 4  # real characters per class the classifier's ceiling is measured on
MAX_TEST = 20_000
_LEVEL1_INDEX = {code: index for index, code in enumerate(classes.LEVEL1_CODES)}


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


def classifier_targets(table: classes.ClassTable, labels: Sequence[int]) -> np.ndarray:
    """The classifier's class (level-1 index) of each of the run's labels; -1 where it has none."""
    return np.asarray([_LEVEL1_INDEX.get(table.codes[label], -1) for label in labels], np.int64)


def asked_labels(table: Optional[classes.ClassTable], num_classes: int, count: int) -> np.ndarray:
    """The labels to ask a conditional generator for: the classes the data holds that the
    classifier can read (level 1), cycled."""
    held = table.present() if table is not None else range(num_classes)
    readable = np.asarray([label for label in held
                           if table is None or table.codes[label] in _LEVEL1_INDEX], np.int32)
    return readable[np.arange(count) % len(readable)]


def class_accuracy(classifier: keras.Model, images: np.ndarray, targets: Sequence[int]) -> float:
    """The fraction of images (in [-1, 1]) the classifier assigns to the given classes."""
    logits = classifier.predict(np.asarray(images, np.float32), batch_size=500, verbose=0)
    return float(np.mean(logits.argmax(axis=1) == np.asarray(targets)))


def accuracy_on_real(classifier: keras.Model, config, table: classes.ClassTable) -> float:
    """The classifier's accuracy on TEST_PER_CLASS real characters per class of the run's data
    (at most MAX_TEST): the ceiling of the run's class accuracy."""
    count = min(MAX_TEST, TEST_PER_CLASS * len(table.present()))
    images, labels = real_characters(config, count, seed=12345)
    targets = classifier_targets(table, labels)
    readable = targets >= 0
    return class_accuracy(classifier, to_classifier_range(images[readable], config.pixel_range), targets[readable])
