"""Forward and forward+backward time of one transposed conv: TensorFlow's Conv2DTranspose
(Conv2DBackpropInput) against lsgan_tf's MatmulConv2DTranspose, at the Table 5 generator's
stride-2 shapes and a Table 1 stride-1 shape, batch 64.

  .venv/bin/python bench/transposed_conv.py --repeats=15     # prints a table, writes JSON
"""

from __future__ import annotations

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app, flags  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_integer("repeats", 15, "Timed calls per row (after one warm-up call).")
flags.DEFINE_string("out", "bench/results/transposed_conv.json", "Where to write the JSON results.")

# (input size, C_in, C_out, kernel, stride, output_padding): the digits generator's two big
# layers and the scene112 generator's 14x14 stride-1 layer.
SHAPES = [(4, 512, 256, 3, 2, 0), (7, 256, 128, 3, 2, None), (14, 256, 256, 3, 1, None)]


def milliseconds(function, repeats: int) -> float:
    function()
    started = time.perf_counter()
    for _ in range(repeats):
        result = function()
    result.numpy()
    return 1000 * (time.perf_counter() - started) / repeats


def main(argv) -> None:
    del argv
    import keras
    import tensorflow as tf

    from lsgan_tf.architectures.transposed_conv import MatmulConv2DTranspose

    rows = []
    for size, c_in, c_out, kernel, stride, output_padding in SHAPES:
        x = tf.random.normal((64, size, size, c_in))
        row = {"shape": f"{size}x{size}x{c_in} -> {c_out}, K{kernel} S{stride}"}
        for name, layer_class in (("keras", keras.layers.Conv2DTranspose), ("matmul", MatmulConv2DTranspose)):
            layer = layer_class(c_out, kernel, strides=stride, padding="same", output_padding=output_padding)
            layer.build(x.shape)
            forward = tf.function(lambda: layer(x))

            @tf.function
            def forward_backward():
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    loss = tf.reduce_sum(tf.square(layer(x)))
                return tf.add_n([tf.reduce_sum(g) for g in tape.gradient(loss, [x, layer.kernel])])

            row[f"{name}_forward_ms"] = milliseconds(forward, FLAGS.repeats)
            row[f"{name}_forward_backward_ms"] = milliseconds(forward_backward, FLAGS.repeats)
        rows.append(row)
        print(f"{row['shape']:28s} forward keras {row['keras_forward_ms']:7.1f} ms  matmul {row['matmul_forward_ms']:7.1f} ms   "
              f"forward+backward keras {row['keras_forward_backward_ms']:7.1f} ms  matmul {row['matmul_forward_backward_ms']:7.1f} ms")
    os.makedirs(os.path.dirname(FLAGS.out), exist_ok=True)
    with open(FLAGS.out, "w") as handle:
        json.dump({"command": " ".join(sys.argv), "repeats": FLAGS.repeats, "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    app.run(main)
