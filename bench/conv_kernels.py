"""TensorFlow's three CPU Conv2D kernels (forward, backprop-input, backprop-filter) against
PyTorch's forward and forward+backward, at the dcgan64 discriminator's 5x5 stride-2 convs,
batch 64: where lsgan_tf's remaining gap to PyTorch on the conv-heavy nets sits.

  .venv/bin/python -m pip install -r requirements-bench.txt     # torch==2.13.0 (CPU build)
  .venv/bin/python -m bench.conv_kernels                        # one line per layer (ms per call)
"""

from __future__ import annotations

import tensorflow as tf
import torch

from bench.common import milliseconds

BATCH = 64
REPEATS = 5
LAYERS = [(64, 3, 64), (32, 64, 128), (16, 128, 256), (8, 256, 512)]  # (input size, C_in, C_out)


def main() -> None:
    for size, c_in, c_out in LAYERS:
        x = tf.random.normal((BATCH, size, size, c_in))
        kernel = tf.random.normal((5, 5, c_in, c_out)) * 0.02
        upstream = tf.random.normal((BATCH, size // 2, size // 2, c_out))
        strides = [1, 2, 2, 1]
        forward = tf.function(lambda: tf.nn.conv2d(x, kernel, 2, "SAME"))
        input_grad = tf.function(lambda: tf.raw_ops.Conv2DBackpropInput(
            input_sizes=x.shape, filter=kernel, out_backprop=upstream, strides=strides, padding="SAME"))
        filter_grad = tf.function(lambda: tf.raw_ops.Conv2DBackpropFilter(
            input=x, filter_sizes=kernel.shape, out_backprop=upstream, strides=strides, padding="SAME"))
        conv = torch.nn.Conv2d(c_in, c_out, 5, 2, 2)
        x_torch = torch.randn(BATCH, c_in, size, size, requires_grad=True)

        def torch_forward():
            with torch.no_grad():
                return conv(x_torch)

        def torch_forward_backward():
            y = conv(x_torch)
            y.backward(torch.ones_like(y))
            return y

        print(f"{size}x{size}x{c_in} -> {c_out}: TF forward {milliseconds(forward, REPEATS):.1f}  backprop-input "
              f"{milliseconds(input_grad, REPEATS):.1f}  backprop-filter {milliseconds(filter_grad, REPEATS):.1f} ms | PyTorch forward "
              f"{milliseconds(torch_forward, REPEATS):.1f}  forward+both gradients {milliseconds(torch_forward_backward, REPEATS):.1f} ms")


if __name__ == "__main__":
    main()
