"""Writers of small files in the real on-disk formats: HWDB .gnt, LSUN LMDB (WebP/JPEG values),
cat images with .cat landmark files."""

import io
import os
from typing import Iterable, Iterator, Tuple

import numpy as np
from PIL import Image

from lsgan_tf.data import hwdb, records

# GB2312 codes used by the fixtures.
LEVEL1 = {"啊": b"\xb0\xa1", "国": b"\xb9\xfa", "中": b"\xd6\xd0", "座": b"\xd7\xf9"}
SYMBOL = ("！", b"\xa3\xa1")  # full-width exclamation mark, a GB2312 symbol
LEVEL2 = ("亍", b"\xd8\xa1")  # a GB2312 level-2 hanzi


gnt_record = hwdb.encode_record


def write_gnt(path: str, samples: Iterable[Tuple[bytes, np.ndarray]], truncate_last: int = 0) -> None:
    """Writes records; truncate_last > 0 then cuts that many bytes off the end of the file."""
    hwdb.write_gnt(path, samples)
    if truncate_last:
        os.truncate(path, os.path.getsize(path) - truncate_last)


def character_bitmap(seed: int, height: int, width: int) -> np.ndarray:
    """A white (255) background with dark strokes, deterministic per seed."""
    rng = np.random.default_rng(seed)
    bitmap = np.full((height, width), 255, np.uint8)
    rows = rng.integers(0, height, size=max(1, height * width // 6))
    cols = rng.integers(0, width, size=rows.size)
    bitmap[rows, cols] = rng.integers(0, 120, size=rows.size)
    return bitmap


def encode(image: np.ndarray, fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    return buffer.getvalue()


def write_lmdb(path: str, items: Iterable[Tuple[str, bytes]]) -> None:
    import lmdb

    with lmdb.open(path, map_size=1 << 26) as env, env.begin(write=True) as transaction:
        for key, value in items:
            transaction.put(key.encode("ascii"), value)


def write_cat(folder: str, name: str, image: np.ndarray, points=None, raw_annotation: str = None) -> str:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    Image.fromarray(image).save(path, format="JPEG", quality=95)
    if raw_annotation is not None or points is not None:
        text = raw_annotation if raw_annotation is not None else "9 " + " ".join(f"{int(v)}" for v in np.asarray(points).ravel())
        with open(path + ".cat", "w") as handle:
            handle.write(text + " ")
    return path


def prepared_records(data_dir: str) -> Iterator[tuple]:
    """Every (image, label) of a prepared folder (lsgan-prep-*) as numpy, in file order."""
    import tensorflow as tf

    for name in records.read_info(data_dir)["shards"]:
        for serialized in tf.data.TFRecordDataset(os.path.join(data_dir, name)):
            image, label = records.parse_example(serialized)
            yield image.numpy(), int(label.numpy())


def psnr(reference: np.ndarray, test: np.ndarray, data_range: float) -> float:
    """Peak signal-to-noise ratio in dB between two arrays over a value range."""
    mse = float(np.mean((np.asarray(reference, np.float64) - np.asarray(test, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(data_range**2 / mse)


def standin_inception_graph(features: int = 16, classes: int = 10) -> bytes:
    """A small GraphDef with the 2015-12-05 Inception graph's tensor names and shapes: float
    images in [0, 255] at `ExpandDims:0` are resized to 299x299 and scaled to [-1, 1] in the graph,
    `pool_3:0` is [N, 1, 1, features] and `softmax/logits/MatMul` multiplies pool_3 (reshaped to a
    batch of one, as in the real graph) by the [features, classes] softmax weights."""
    import tensorflow as tf

    graph = tf.Graph()
    with graph.as_default():
        images = tf.compat.v1.placeholder(tf.float32, (1, None, None, 3), name="ExpandDims")
        resized = tf.compat.v1.image.resize_bilinear(images, (299, 299), name="ResizeBilinear")
        scaled = (resized - 128.0) / 128.0
        kernel = tf.constant(np.random.default_rng(1).normal(0, 0.2, (4, 4, 3, features)).astype(np.float32))
        activations = tf.nn.relu(tf.nn.conv2d(scaled, kernel, 4, "VALID"))
        pool = tf.identity(tf.reduce_mean(activations, axis=(1, 2), keepdims=True), name="pool_3")
        flat = tf.reshape(pool, (1, features), name="pool_3/_reshape")
        weights = tf.constant(np.random.default_rng(2).normal(0, 1, (features, classes)).astype(np.float32),
                              name="softmax/weights")
        logits = tf.nn.bias_add(tf.matmul(flat, weights, name="softmax/logits/MatMul"), tf.zeros((classes,)),
                                name="softmax/logits")
        tf.nn.softmax(logits, name="softmax")
    return graph.as_graph_def().SerializeToString()


def tgz_of(files: dict) -> bytes:
    """A .tar.gz archive (bytes) of {member name: bytes}."""
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
