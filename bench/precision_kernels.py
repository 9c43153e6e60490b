"""Where 16-bit training time goes on this machine: the single kernels of a conv net's iteration
(forward conv, both conv gradients, matmul, batch norm, LeakyReLU, a float32 round trip) timed
in float32, bfloat16 and float16, in one process.

  .venv/bin/python -m bench.precision_kernels      # prints and writes bench/results/precision_kernels.json

Shapes: a 3x3 SAME conv on a batch of 64 14x14x256 maps (the size of a digits/DCGAN middle
layer), a 512x4096 @ 4096x4096 matmul.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time

import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAPS, KERNEL = (64, 14, 14, 256), (3, 3, 256, 256)


def milliseconds(function, *args, repeats: int = 5) -> float:
    """Mean time of a call after one warm-up call (the result fetched)."""
    function(*args)
    started = time.perf_counter()
    for _ in range(repeats):
        result = function(*args)
    _ = result.numpy()
    return 1000 * (time.perf_counter() - started) / repeats


def kernels(dtype: tf.DType) -> dict:
    """ms per kernel with inputs of `dtype`."""
    maps, kernel = tf.cast(tf.random.normal(MAPS), dtype), tf.cast(tf.random.normal(KERNEL), dtype)
    gradient = tf.cast(tf.random.normal(MAPS), dtype)
    left, right = tf.cast(tf.random.normal((512, 4096)), dtype), tf.cast(tf.random.normal((4096, 4096)), dtype)
    strides = [1, 1, 1, 1]
    ops = {
        "conv_forward": (lambda x, k: tf.nn.conv2d(x, k, 1, "SAME"), maps, kernel),
        "conv_backprop_filter": (lambda x, g: tf.raw_ops.Conv2DBackpropFilter(
            input=x, filter_sizes=list(KERNEL), out_backprop=g, strides=strides, padding="SAME"), maps, gradient),
        "conv_backprop_input": (lambda k, g: tf.raw_ops.Conv2DBackpropInput(
            input_sizes=list(MAPS), filter=k, out_backprop=g, strides=strides, padding="SAME"), kernel, gradient),
        "matmul": (lambda a, b: a @ b, left, right),
        "batch_norm": (lambda y: tf.nn.batch_normalization(y, *tf.nn.moments(y, [0, 1, 2]), None, None, 1e-5), maps),
        "leaky_relu": (lambda y: tf.nn.leaky_relu(y, 0.2), maps),
        "float32_round_trip": (lambda y: tf.cast(tf.cast(y, tf.float32), dtype), maps),
    }
    return {name: milliseconds(tf.function(function), *args) for name, (function, *args) in ops.items()}


def main() -> None:
    results = {dtype.name: kernels(dtype) for dtype in (tf.float32, tf.bfloat16, tf.float16)}
    for name in results["float32"]:
        print(f"{name:22s} " + "  ".join(f"{dtype} {results[dtype][name]:8.1f} ms" for dtype in results))
    flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    with open(os.path.join(ROOT, "bench", "results", "precision_kernels.json"), "w") as handle:
        json.dump({"command": " ".join(sys.argv), "machine": platform.processor() or platform.machine(),
                   "avx512_bf16": "avx512_bf16" in flags, "amx_bf16": "amx_bf16" in flags, "ms": results}, handle,
                  indent=2)


if __name__ == "__main__":
    main()
