"""What the benchmarks share: FLOPs counted from layer shapes and the machine's matmul rate."""

from __future__ import annotations

import time

# The paper preset that trains each benchmarked architecture (its batch size, z size, coding).
PRESET_OF = {"digits": "digits", "dcgan64": "lsun64", "cat128": "cats", "scene112": "lsun", "hwdb": "hwdb", "mixture": "mixture"}


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
