"""What the benchmarks share: the paper config and a synthetic batch of each architecture,
FLOPs counted from layer shapes, the machine's matmul rate, and a call timer."""

from __future__ import annotations

import tempfile
import time

from lsgan_tf.architectures import HWDB_CLASSES

# The paper preset that trains each benchmarked architecture (its batch size, z size, coding).
PRESET_OF = {"digits": "digits", "dcgan64": "lsun64", "cat128": "cats", "scene112": "lsun", "hwdb": "hwdb", "mixture": "mixture"}


def bench_config(arch: str, **flags):
    """The resolved TrainConfig of an architecture's paper preset (plus `flags`). Benchmarks
    feed synthetic batches, so any existing folder satisfies presets that need a --data_dir."""
    from lsgan_tf.config import TrainConfig

    data_dir = None if arch in ("digits", "mixture") else tempfile.gettempdir()
    return TrainConfig(dataset=PRESET_OF[arch], data_dir=data_dir, **flags).resolve()


def synthetic_batch(config):
    """One training batch of the config's shape: mixture samples, or uniform images in [-1, 1]
    (with random labels for a conditional net)."""
    import tensorflow as tf

    from lsgan_tf.data.datasets import make_dataset

    if config.arch == "mixture":
        return next(iter(make_dataset(config.preset, batch_size=config.batch_size, seed=0)))
    images = tf.random.uniform((config.batch_size,) + tuple(config.preset.image_shape), -1, 1)
    if config.conditional:
        return images, tf.random.uniform((config.batch_size,), 0, HWDB_CLASSES, dtype=tf.int32)
    return images


def milliseconds(function, repeats: int, warmup: int = 1) -> float:
    """Mean wall time of one call, after `warmup` calls; TensorFlow results are fetched so
    that asynchronous work is inside the timing."""
    for _ in range(warmup):
        function()
    started = time.perf_counter()
    for _ in range(repeats):
        result = function()
    for value in result if isinstance(result, (list, tuple)) else [result]:
        if hasattr(value, "numpy") and not hasattr(value, "detach"):  # a TF tensor, not a torch one
            value.numpy()
    return 1000 * (time.perf_counter() - started) / repeats


def layer_flops(model) -> float:
    """Forward FLOPs per example of the Dense / Conv2D / Conv2DTranspose layers of a model."""
    import keras
    import numpy as np

    flops = 0.0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            flops += 2.0 * np.prod(layer.kernel.shape)
        elif isinstance(layer, keras.layers.Conv2DTranspose):  # every input pixel scatters a full kernel
            flops += 2.0 * np.prod(layer.input.shape[1:3]) * np.prod(layer.kernel.shape)
        elif isinstance(layer, keras.layers.Conv2D):
            flops += 2.0 * np.prod(layer.output.shape[1:3]) * np.prod(layer.kernel.shape)
    return float(flops)


def matmul_rate(size: int = 1024, repeats: int = 20) -> float:
    """Measured fp32 matmul FLOP/s of this machine (TensorFlow, all cores)."""
    import tensorflow as tf

    a, b = tf.random.normal((size, size)), tf.random.normal((size, size))
    (a @ b).numpy()
    started = time.perf_counter()
    for _ in range(repeats):
        c = a @ b
    c.numpy()
    return 2.0 * size**3 * repeats / (time.perf_counter() - started)
