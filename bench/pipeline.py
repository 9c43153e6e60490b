"""Input-pipeline throughput: images/s each reader delivers, next to the images/s the matching
architecture's train_step consumes on this machine.

  .venv/bin/python -m bench.pipeline [--train_steps=20] [--out=bench/results/pipeline.json]

Every reader is timed on files this script writes in the real formats (prepared TFRecords,
raw .gnt, image folders, the in-memory rendered digits) after a warm-up of 20 batches.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time

import numpy as np
import tensorflow as tf
from absl import app, flags
from PIL import Image

from lsgan_tf import presets
from lsgan_tf.config import TrainConfig
from lsgan_tf.data import datasets, hwdb, records
from lsgan_tf.training.build import build_gan

FLAGS = flags.FLAGS
flags.DEFINE_integer("batches", 200, "Batches timed per reader (after 20 warm-up batches).")
flags.DEFINE_integer("train_steps", 10, "train_step calls timed per architecture (after 3 warm-up).")
flags.DEFINE_string("out", "bench/results/pipeline.json", "Where to write the JSON results.")


def images_per_second(dataset: tf.data.Dataset, batch_size: int, batches: int) -> float:
    iterator = iter(dataset)
    for _ in range(20):
        next(iterator)
    started = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - started)


def train_images_per_second(dataset_name: str, batch_size: int, steps: int, data) -> float:
    config = TrainConfig(dataset=dataset_name, batch_size=batch_size, data_dir=data).resolve()
    model = build_gan(config, 3740 if config.conditional else None)
    batch = next(iter(datasets.make_dataset(config.preset, batch_size=batch_size, data_dir=config.source_dir,
                                            conditional=config.conditional, seed=0)))
    step = tf.function(model.train_step)
    for _ in range(3):
        step(batch)
    started = time.perf_counter()
    for _ in range(steps):
        metrics = step(batch)
    float(metrics["d_loss"])
    return steps * batch_size / (time.perf_counter() - started)


def write_fixtures(root: str) -> dict:
    """Prepared TFRecords (28x28x1 labelled, 112x112x3), a .gnt folder and an image folder."""
    rng = np.random.default_rng(0)
    with records.ShardedWriter(os.path.join(root, "hwdb"), 2000) as writer:
        for i in range(4000):
            writer.write(rng.integers(0, 256, (28, 28), np.uint8), i % 3740)
        writer.commit({"dataset": "hwdb", "num_classes": 3740, "image_shape": [28, 28, 1]})
    with records.ShardedWriter(os.path.join(root, "lsun"), 500) as writer:
        for _ in range(1000):
            writer.write(rng.integers(0, 256, (112, 112, 3), np.uint8))
        writer.commit({"dataset": "lsun", "image_shape": [112, 112, 3]})
    # 3,000 records of the first GB2312 level-1 characters, sizes varying as handwriting does.
    codes = [bytes([0xB0 + i // 94, 0xA1 + i % 94]) for i in range(100)]
    hwdb.write_gnt(os.path.join(root, "gnt", "1.gnt"),
                   ((codes[i % len(codes)], rng.integers(0, 256, (40 + i % 9, 36 + i % 7), np.uint8)) for i in range(3000)))
    folder = os.path.join(root, "folder")
    for digit in range(10):
        os.makedirs(os.path.join(folder, str(digit)))
        for i in range(200):
            Image.fromarray(rng.integers(0, 256, (28, 28), np.uint8)).save(os.path.join(folder, str(digit), f"{i}.png"))
    return {"hwdb": os.path.join(root, "hwdb"), "lsun": os.path.join(root, "lsun"),
            "gnt": os.path.join(root, "gnt"), "folder": folder}


def main(argv) -> None:
    del argv
    rows = []
    with tempfile.TemporaryDirectory() as root:
        paths = write_fixtures(root)
        readers = [
            ("rendered digits (in memory)", "digits", None, False),
            ("image folder PNG 28x28", "digits_rotate", paths["folder"], False),
            ("prepared TFRecords 28x28 + labels (hwdb)", "hwdb", paths["hwdb"], True),
            ("raw .gnt files (hwdb)", "hwdb", paths["gnt"], True),
            ("prepared TFRecords 112x112x3 (lsun)", "lsun", paths["lsun"], False),
            ("Gaussian mixture sampler", "mixture", None, False),
        ]
        consumed = {}
        for name, dataset_name, data_dir, conditional in readers:
            preset = presets.get(dataset_name)
            batch = preset.batch_size
            dataset = datasets.make_dataset(preset, batch_size=batch, data_dir=data_dir, conditional=conditional, seed=0)
            delivered = images_per_second(dataset, batch, FLAGS.batches)
            arch = preset.arch
            if arch not in consumed:
                consumed[arch] = train_images_per_second(dataset_name, batch, FLAGS.train_steps, data_dir)
            rows.append({"reader": name, "dataset": dataset_name, "arch": arch, "batch": batch,
                         "delivered_img_s": round(delivered, 1), "train_step_img_s": round(consumed[arch], 1),
                         "ratio": round(delivered / consumed[arch], 1)})
            print(f"{name:45s} {delivered:10.0f} img/s   {arch} train_step {consumed[arch]:8.0f} img/s   "
                  f"ratio {delivered / consumed[arch]:6.1f}", flush=True)
    result = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "tensorflow": tf.__version__},
              "command": " ".join(sys.argv), "rows": rows}
    os.makedirs(os.path.dirname(FLAGS.out), exist_ok=True)
    with open(FLAGS.out, "w") as handle:
        json.dump(result, handle, indent=2)


if __name__ == "__main__":
    app.run(main)
