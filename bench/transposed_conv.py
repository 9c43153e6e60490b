"""Time every `transposed_conv` method (TensorFlow's native Conv2DBackpropInput, stride phases,
flipped stride-1 conv) on the transposed convs the papers' networks run at batch 64: each
generator's TCONV forward passes and each discriminator conv's input gradient. The
fastest-per-shape rule in lsgan_tf/kernels/conv.py comes from this table.

  .venv/bin/python -m bench.transposed_conv --repeats=5     # prints a table, writes JSON
"""

from __future__ import annotations

import json
import os
import sys

from absl import app, flags

from bench.common import milliseconds

FLAGS = flags.FLAGS
flags.DEFINE_integer("repeats", 5, "Timed calls per method and shape (after one warm-up call).")
flags.DEFINE_integer("batch", 64, "Batch size.")
flags.DEFINE_string("out", "bench/results/transposed_conv.json", "Where to write the JSON results.")

# (where, input size, C_in, C_out, kernel, stride, output size) of a transposed conv; a D conv's
# input gradient is the transposed conv of its upstream gradient back to the conv's input.
SHAPES = [
    ("digits G tconv1", 4, 512, 256, 3, 2, 7),
    ("digits G tconv2", 7, 256, 128, 3, 2, 14),
    ("digits G out", 14, 128, 1, 3, 2, 28),
    ("digits D conv2 dx", 7, 50, 20, 5, 2, 14),
    ("dcgan64 D conv1 dx", 32, 64, 3, 5, 2, 64),
    ("dcgan64 D conv2 dx", 16, 128, 64, 5, 2, 32),
    ("dcgan64 D conv3 dx", 8, 256, 128, 5, 2, 16),
    ("dcgan64 D conv4 dx", 4, 512, 256, 5, 2, 8),
    ("scene112 G stride 1", 14, 256, 256, 3, 1, 14),
    ("scene112 G tconv5", 28, 256, 128, 3, 2, 56),
    ("scene112 D conv2 dx", 28, 128, 64, 5, 2, 56),
    ("scene112 D conv3 dx", 14, 256, 128, 5, 2, 28),
    ("scene112 D conv4 dx", 7, 512, 256, 5, 2, 14),
    ("cat128 G out", 64, 64, 3, 3, 2, 128),
]


def main(argv) -> None:
    del argv
    import tensorflow as tf

    from lsgan_tf.kernels.conv import fastest_method, flipped_conv_applies, transposed_conv

    rows = []
    for where, size, c_in, c_out, kernel, stride, output_size in SHAPES:
        x = tf.random.normal((FLAGS.batch, size, size, c_in))
        weights = tf.random.normal((kernel, kernel, c_out, c_in)) * 0.02
        strides, output = (stride, stride), (output_size, output_size)
        methods = ["native", "phases"] + (["flipped_conv"] if flipped_conv_applies(x.shape, weights.shape, strides, output) else [])
        row = {"where": where, "shape": f"{size}x{size}x{c_in} -> {output_size}x{output_size}x{c_out}, K{kernel} S{stride}",
               "chosen": fastest_method(x.shape, weights.shape, strides, output)}
        for method in methods:
            function = tf.function(lambda method=method: transposed_conv(x, weights, strides, output, method=method))
            row[f"{method}_ms"] = milliseconds(function, FLAGS.repeats)
        rows.append(row)
        timings = "  ".join(f"{method} {row[f'{method}_ms']:7.1f}" for method in methods)
        print(f"{where:22s} {row['shape']:36s} {timings} ms   chosen: {row['chosen']}", flush=True)
    os.makedirs(os.path.dirname(FLAGS.out), exist_ok=True)
    with open(FLAGS.out, "w") as handle:
        json.dump({"command": " ".join(sys.argv), "batch": FLAGS.batch, "repeats": FLAGS.repeats, "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    app.run(main)
