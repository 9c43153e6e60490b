"""The prepared-dataset format every converter writes: sharded TFRecords + dataset_info.json.

Each record is a tf.train.Example with `image` (PNG bytes, lossless), `label` (int64, -1 when
unlabelled), `height`, `width`, `channels`. A converter writes everything into a temporary
folder beside the target and renames it into place only after `dataset_info.json` (written
last) is complete, so an interrupted conversion never leaves a dataset that looks finished.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import tensorflow as tf
from PIL import Image

from lsgan_tf.data.corrupt import CorruptRecords
from lsgan_tf.utils.atomic import temporary_name
from lsgan_tf.utils.tf_errors import op_error_text

INFO_FILE = "dataset_info.json"
SHARD_PATTERN = "data-{index:05d}.tfrecord"
FEATURES = {
    "image": tf.io.FixedLenFeature([], tf.string),
    "label": tf.io.FixedLenFeature([], tf.int64, default_value=-1),
    "height": tf.io.FixedLenFeature([], tf.int64),
    "width": tf.io.FixedLenFeature([], tf.int64),
    "channels": tf.io.FixedLenFeature([], tf.int64),
}


class PreparedDatasetError(ValueError):
    """A prepared dataset folder is missing, incomplete or of another format."""


def encode_png(image: np.ndarray) -> bytes:
    """uint8 (H, W) or (H, W, C) -> PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def make_example(image: np.ndarray, label: int = -1) -> bytes:
    """A serialized tf.train.Example for one uint8 image and its integer label."""
    image = np.asarray(image, dtype=np.uint8)
    height, width = image.shape[:2]
    channels = 1 if image.ndim == 2 else image.shape[2]
    feature = {
        "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[encode_png(image)])),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)])),
        "height": tf.train.Feature(int64_list=tf.train.Int64List(value=[height])),
        "width": tf.train.Feature(int64_list=tf.train.Int64List(value=[width])),
        "channels": tf.train.Feature(int64_list=tf.train.Int64List(value=[channels])),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


class ShardedWriter:
    """Writes examples into consecutive shards of `records_per_shard` records each,
    inside a temporary folder that `commit` renames to `out_dir`.

    Use as a context manager: leaving the block with an exception removes the temporary
    folder, and `out_dir` is never touched.
    """

    def __init__(self, out_dir: str, records_per_shard: int = 10_000, overwrite: bool = False):
        self.out_dir = os.path.abspath(out_dir)
        if os.path.exists(self.out_dir) and not overwrite:
            raise FileExistsError(
                f"{self.out_dir} already exists; pass --overwrite to replace it or choose another --out."
            )
        self.overwrite = overwrite
        self.temporary_dir = temporary_name(self.out_dir)
        self.records_per_shard = records_per_shard
        self.count = 0
        self._writer: Optional[tf.io.TFRecordWriter] = None
        self._shards: List[str] = []

    def __enter__(self) -> "ShardedWriter":
        shutil.rmtree(self.temporary_dir, ignore_errors=True)
        os.makedirs(self.temporary_dir)
        return self

    def write(self, image: np.ndarray, label: int = -1) -> None:
        """Appends one image (uint8) with its label."""
        if self.count % self.records_per_shard == 0:
            self._close_shard()
            name = SHARD_PATTERN.format(index=len(self._shards))
            self._shards.append(name)
            self._writer = tf.io.TFRecordWriter(os.path.join(self.temporary_dir, name))
        self._writer.write(make_example(image, label))
        self.count += 1

    def _close_shard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def commit(self, info: Dict[str, Any], extra_files: Optional[Dict[str, str]] = None) -> str:
        """Writes extra text files and dataset_info.json, then renames the folder into place."""
        self._close_shard()
        for name, text in (extra_files or {}).items():
            with open(os.path.join(self.temporary_dir, name), "w", encoding="utf-8") as handle:
                handle.write(text)
        record = {**info, "num_records": self.count, "shards": self._shards, "format": "lsgan_tf.tfrecord.v1"}
        with open(os.path.join(self.temporary_dir, INFO_FILE), "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=2, ensure_ascii=False)
        if self.overwrite and os.path.exists(self.out_dir):
            shutil.rmtree(self.out_dir)
        os.replace(self.temporary_dir, self.out_dir)
        return self.out_dir

    def __exit__(self, exc_type, exc, traceback) -> None:
        self._close_shard()
        if os.path.exists(self.temporary_dir):
            shutil.rmtree(self.temporary_dir, ignore_errors=True)


def read_info(data_dir: str) -> Dict[str, Any]:
    """The dataset_info.json of a prepared folder; a clear error when there is none."""
    path = os.path.join(data_dir, INFO_FILE)
    if not os.path.exists(path):
        raise PreparedDatasetError(
            f"{data_dir} is not a prepared dataset (no {INFO_FILE}); run the matching "
            f"data_prep/ converter first, or point --data_dir at its --out folder."
        )
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def is_prepared(data_dir: str) -> bool:
    """Whether a folder holds a complete prepared dataset."""
    return os.path.exists(os.path.join(data_dir, INFO_FILE))


def parse_example(serialized):
    """A serialized example -> (uint8 image (H, W, C), int64 label)."""
    features = tf.io.parse_single_example(serialized, FEATURES)
    image = tf.io.decode_png(features["image"])
    return image, features["label"]


def first_unreadable(shard: str) -> Optional[Tuple[int, str]]:
    """(index, '<shard>: record <index>: ...') of the first record of a shard that fails its
    checksum, is cut short or does not decode; None when every record reads."""
    index = 0
    try:
        for serialized in tf.data.TFRecordDataset(shard):
            parse_example(serialized)
            index += 1
    except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as error:
        return index, f"{shard}: record {index}: {op_error_text(error)}"
    return None


def record_dataset(data_dir: str, seed: Optional[int] = None,
                   corrupt: Optional[CorruptRecords] = None) -> tf.data.Dataset:
    """(uint8 image, label) pairs of a prepared folder, shards in a seeded random order and
    interleaved, decoded in parallel.

    `corrupt` says what to do with an unreadable record (a shard cut short by a partial copy, a
    failed checksum): with `skip`, each shard is read only up to its first unreadable record (the
    rest cannot be re-synchronised), found before training and counted in `corrupt.skipped`;
    otherwise `corrupt.locate` finds the shard and record behind a read failure."""
    info = read_info(data_dir)
    files = [os.path.join(data_dir, name) for name in info["shards"]]
    readable = [-1] * len(files)  # -1: the whole shard
    if corrupt is not None and corrupt.skip:
        for i, shard in enumerate(files):
            found = first_unreadable(shard)
            if found:
                readable[i] = found[0]
                corrupt.skipped.append(f"{found[1]} (the rest of the shard is left out)")
    elif corrupt is not None:
        corrupt.locate = lambda: next((found[1] for found in map(first_unreadable, files) if found), None)
    dataset = tf.data.Dataset.from_tensor_slices((files, np.asarray(readable, np.int64)))
    if len(files) > 1:
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.interleave(
        lambda shard, count: tf.data.TFRecordDataset(shard).take(count),
        cycle_length=min(len(files), 8),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=seed is not None,
    )
    shape = info.get("image_shape")

    def parse_with_shape(serialized):
        image, label = parse_example(serialized)
        return (tf.ensure_shape(image, shape) if shape else image), label

    return dataset.map(parse_with_shape, num_parallel_calls=tf.data.AUTOTUNE, deterministic=seed is not None)
