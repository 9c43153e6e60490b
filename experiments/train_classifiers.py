r"""Trains the two shipped scoring classifiers (lsgan_tf/evaluation/classifiers.py) once,
deterministically, writes their weights into lsgan_tf/evaluation/weights/ and prints the SHA-256
and the test accuracies to fix in `classifiers.SHIPPED`.

  .venv/bin/python experiments/train_classifiers.py \
      --official_digits=../shared/data/small_variability_digits_official.tar.gz

- digits: 1,000 rendered digits per class of each variant (shift, shift_rotate; seed 123), 2
  epochs; tested on the authors' published sets (both variants, 10,000 each) and on 2,000 fresh
  renders per variant (seed 321).
- characters: every one of the 3,755 GB2312-80 level-1 characters written once by each of 40
  synthetic writers (lsgan_tf/data/hwdb_render.py, seed 1000), preprocessed as the HWDB pipeline
  does (28x28, ink bright on black, aspect kept), 6 epochs; tested on 4 other writers (seed 2000).

Everything runs under TensorFlow's op determinism with fixed seeds: on one machine a rerun
writes byte-identical files.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, Tuple

import numpy as np
from absl import app, flags

from lsgan_tf.utils.hashing import file_sha256

FLAGS = flags.FLAGS
flags.DEFINE_string("official_digits", None, "The authors' small_variability_digits_official.tar.gz (test set of the "
                    "digit classifier; left out when not given).")
flags.DEFINE_list("only", ["digits", "characters"], "Which classifiers to train.")
flags.DEFINE_integer("writers", 40, "Synthetic writers of the character classifier's training set.")
flags.DEFINE_integer("test_writers", 4, "Synthetic writers of its test set.")
flags.DEFINE_integer("character_epochs", 6, "Epochs of the character classifier.")
flags.DEFINE_integer("workers", 2, "Processes rendering characters.")
flags.DEFINE_string("out", None, "Where to write the weights (default: lsgan_tf/evaluation/weights/).")


def official_digits(path: str) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """{variant: (uint8 images, labels)} of the authors' archive."""
    from lsgan_tf.data.digits_render import AUTHORS_FOLDERS
    from lsgan_tf.data.tfds_builders import authors_digits

    sets = {}
    for variant in AUTHORS_FOLDERS:
        read = list(authors_digits(path, variant))
        sets[variant] = (np.stack([image for _, image, _ in read]), np.asarray([digit for _, _, digit in read]))
    return sets


def accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    logits = model.predict(images.astype(np.float32)[..., None] / 127.5 - 1.0, batch_size=500, verbose=0)
    return round(float(np.mean(logits.argmax(axis=1) == labels)), 4)


def train_digits(out: str) -> Dict:
    from lsgan_tf.data.digits_render import render_dataset
    from lsgan_tf.evaluation import classifiers

    parts = [render_dataset(variant, per_class=1000, seed=123) for variant in ("shift", "shift_rotate")]
    images = np.concatenate([p["images"] for p in parts])
    labels = np.concatenate([p["labels"] for p in parts])
    model = classifiers.train_classifier(classifiers.digit_classifier, images.astype(np.float32)[..., None] / 127.5 - 1.0,
                                         labels, epochs=2, seed=0)
    path = classifiers.write_weights(model, os.path.join(out, "digit_classifier.npz"))
    model = classifiers.read_weights(classifiers.digit_classifier(), path)  # scored as shipped: float16 weights
    scores = {}
    for variant in ("shift", "shift_rotate"):
        fresh = render_dataset(variant, per_class=200, seed=321)
        scores[f"rendered_{variant}"] = accuracy(model, fresh["images"], fresh["labels"])
    if FLAGS.official_digits:
        for variant, (images, labels) in official_digits(FLAGS.official_digits).items():
            scores[f"authors_{variant}"] = accuracy(model, images, labels)
    return {"file": path, "sha256": file_sha256(path), "test_accuracy": scores}


def render_writer(job) -> Tuple[np.ndarray, np.ndarray]:
    """All 3,755 level-1 characters by one synthetic writer, as 28x28 training images and labels."""
    writer, seed = job
    from lsgan_tf.data import classes, hwdb, hwdb_render

    fonts = hwdb_render.find_fonts()
    images, labels = [], []
    for label, (code, bitmap) in enumerate(hwdb_render.writer_samples(classes.LEVEL1_CODES, 1, writer, seed, fonts)):
        images.append(hwdb.preprocess(bitmap))
        labels.append(label)
    return np.stack(images), np.asarray(labels, np.int32)


def rendered_characters(writers: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    with ProcessPoolExecutor(FLAGS.workers) as pool:
        parts = list(pool.map(render_writer, [(writer, seed) for writer in range(writers)]))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def train_characters(out: str) -> Dict:
    from lsgan_tf.evaluation import classifiers

    started = time.time()
    images, labels = rendered_characters(FLAGS.writers, seed=1000)
    test_images, test_labels = rendered_characters(FLAGS.test_writers, seed=2000)
    print(f"rendered {len(images):,} + {len(test_images):,} characters in {time.time() - started:.0f} s", flush=True)
    model = classifiers.train_classifier(classifiers.character_classifier, images.astype(np.float32)[..., None] / 127.5 - 1.0,
                                         labels, epochs=FLAGS.character_epochs, seed=0)
    path = classifiers.write_weights(model, os.path.join(out, "character_classifier.npz"))
    model = classifiers.read_weights(classifiers.character_classifier(), path)  # scored as shipped
    return {"file": path, "sha256": file_sha256(path), "seconds": round(time.time() - started),
            "test_accuracy": {"rendered_4_writers": accuracy(model, test_images, test_labels)}}


def main(argv) -> None:
    del argv
    import tensorflow as tf

    from lsgan_tf.evaluation import classifiers

    tf.config.experimental.enable_op_determinism()
    out = FLAGS.out or classifiers.WEIGHTS_FOLDER
    os.makedirs(out, exist_ok=True)
    results = {}
    if "digits" in FLAGS.only:
        results["digit_classifier"] = train_digits(out)
        print(json.dumps(results["digit_classifier"]), flush=True)
    if "characters" in FLAGS.only:
        results["character_classifier"] = train_characters(out)
        print(json.dumps(results["character_classifier"]), flush=True)
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    app.run(main)
