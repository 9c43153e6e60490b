"""Conv2D and Conv2DTranspose layers that route around slow CPU kernels (fast kernels:
lsgan_tf/kernels/__init__.py).

Both layers compute exactly what Keras' layers compute (same weights, config and gradients).
What differs is how a transposed convolution is evaluated: TensorFlow runs it (the forward
pass of Conv2DTranspose, and the input gradient of Conv2D) with `Conv2DBackpropInput`, whose
CPU kernel measured 1.3-4x slower than its forward `Conv2D` on the papers' middle and deep
layers on some machines and as fast or faster on others (bench/transposed_conv.py,
docs/PERFORMANCE.md). `transposed_conv` evaluates it by one of

- "phases": one stride-1 VALID `Conv2D` per stride phase of the output (the output rows
  s*m + r of phase r receive only the kernel taps t with (t - pad) % s == r), interleaved
  into the output by a reshape. No FLOP is spent on the zeros of a dilated input;
- "flipped_conv": at stride 1 with an odd kernel, a SAME `Conv2D` with the kernel flipped;
- "native": TensorFlow's own kernel (always with a GPU: cuDNN).

On a CPU the method of each shape is measured: the first time a shape is met on a machine,
every applicable method runs a few times at batch 64 and the fastest is kept in
<cache>/transposed_conv_methods.json (lsgan_tf/utils/cache.py), keyed by the CPU and the TensorFlow
version, so that every later process (a resumed run included) takes the same one.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import statistics
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import keras
import tensorflow as tf
from keras import layers

from lsgan_tf.utils.atomic import write_json
from lsgan_tf.utils.cache import cache_directory

METHODS = ("phases", "flipped_conv", "native")
METHODS_FILE = "transposed_conv_methods.json"
TIMING_BATCH = 64
TIMING_CALLS = 5


def _kernel_taps(kernel: int, stride: int, size: int, output_size: int) -> Tuple[List[Tuple[int, int]], int]:
    """For one spatial axis: (phase, input offset) of every kernel tap, and the phase length.

    Tap t of input position i lands on output position stride*i + t - pad (TensorFlow's SAME
    padding of the matching forward conv), i.e. on phase (t - pad) % stride at row
    i + (t - pad) // stride of that phase.
    """
    pad = max((size - 1) * stride + kernel - output_size, 0) // 2
    return [((t - pad) % stride, (t - pad) // stride) for t in range(kernel)], -(-output_size // stride)


def _phase_taps(taps: List[Tuple[int, int]], phase: int) -> Tuple[List[int], int]:
    """The taps of one phase in the order a VALID conv reads them (ascending input offset,
    i.e. descending tap index), and the input offset of the first of them."""
    indices = [t for t, (r, _) in enumerate(taps) if r == phase][::-1]
    return indices, (-taps[indices[0]][1] if indices else 0)


def transposed_conv_by_phases(x, kernel, strides: Sequence[int], output_size: Sequence[int]):
    """Conv2DTranspose(padding="same") of NHWC `x` with a (K_h, K_w, C_out, C_in) kernel, no bias,
    as one stride-1 conv per output stride phase (equal to tf.nn.conv2d_transpose)."""
    k_h, k_w, c_out, _ = kernel.shape
    height, width = x.shape[1], x.shape[2]
    (s_h, s_w), (out_h, out_w) = strides, output_size
    taps_h, phase_h = _kernel_taps(k_h, s_h, height, out_h)
    taps_w, phase_w = _kernel_taps(k_w, s_w, width, out_w)
    # Pad once so that every phase's input window is a plain slice.
    top, left = max(0, max(d for _, d in taps_h)), max(0, max(d for _, d in taps_w))
    bottom = max(0, phase_h - min(d for _, d in taps_h) - height)
    right = max(0, phase_w - min(d for _, d in taps_w) - width)
    padded = tf.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    phases = {}
    for r_h in range(s_h):
        rows, first_h = _phase_taps(taps_h, r_h)
        for r_w in range(s_w):
            columns, first_w = _phase_taps(taps_w, r_w)
            if not rows or not columns:
                continue  # a phase no tap reaches (kernel < stride)
            sub_kernel = tf.gather(tf.gather(kernel, rows, axis=0), columns, axis=1)
            window = padded[:, top + first_h: top + first_h + phase_h + len(rows) - 1,
                            left + first_w: left + first_w + phase_w + len(columns) - 1, :]
            phases[r_h, r_w] = tf.nn.conv2d(window, tf.transpose(sub_kernel, (0, 1, 3, 2)), 1, "VALID")
    empty = tf.zeros_like(next(iter(phases.values())))
    rows = [
        tf.reshape(tf.stack([phases.get((r_h, r_w), empty) for r_w in range(s_w)], axis=3),
                   (-1, phase_h, phase_w * s_w, c_out))
        for r_h in range(s_h)
    ]
    output = tf.reshape(tf.stack(rows, axis=2), (-1, phase_h * s_h, phase_w * s_w, c_out))
    return output[:, :out_h, :out_w, :]


def flipped_conv_applies(x_shape: Sequence[int], kernel_shape: Sequence[int], strides: Sequence[int],
                         output_size: Sequence[int]) -> bool:
    """Whether the "flipped_conv" method computes this transposed conv: stride 1, an odd
    kernel, and a SAME output as large as the input."""
    k_h, k_w = kernel_shape[:2]
    return tuple(strides) == (1, 1) and bool(k_h % 2 and k_w % 2) and tuple(output_size) == tuple(x_shape[1:3])


@functools.lru_cache(maxsize=None)
def _machine() -> str:
    """The CPU model and TensorFlow version: what a measured choice is valid for (read once)."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), model)
    except OSError:
        pass
    return f"{model} | {os.cpu_count()} cpus | tensorflow {tf.__version__}"


def _read_choices(path: str) -> Dict[str, str]:
    try:
        with open(path) as handle:
            choices = json.load(handle)
        return choices if isinstance(choices, dict) else {}
    except (OSError, ValueError):  # absent, or unreadable: measure again
        return {}


def _median_seconds(methods: Sequence[str], x_shape, kernel_shape, strides, output_size) -> Dict[str, float]:
    """Median seconds of one call of `transposed_conv` by each method at batch TIMING_BATCH,
    the methods' calls taken in turn (so that a slow spell of the machine hits all alike)."""
    with tf.init_scope():  # measured eagerly, also when asked while a graph is traced
        x = tf.random.normal((TIMING_BATCH,) + tuple(x_shape[1:]))
        kernel = tf.random.normal(tuple(kernel_shape))
        calls = {method: tf.function(lambda method=method: transposed_conv(x, kernel, strides, output_size, method))
                 for method in methods}
        times: Dict[str, List[float]] = {method: [] for method in methods}
        for round_index in range(TIMING_CALLS + 1):
            for method, call in calls.items():
                started = time.perf_counter()
                call().numpy()
                if round_index:  # the first round traces and warms up
                    times[method].append(time.perf_counter() - started)
    return {method: statistics.median(values) for method, values in times.items()}


_ANNOUNCED: List[str] = []


def _announce_timing(path: str) -> None:
    """One line per process before the first shape is timed (a network's first build on a machine
    takes up to a minute of it), to stderr."""
    if not _ANNOUNCED:
        _ANNOUNCED.append(path)
        print(f"timing the transposed convolutions of this network on this CPU, once per shape (kept in {path}; "
              f"--kernels=keras skips it)", file=sys.stderr, flush=True)


def fastest_method(x_shape: Sequence[int], kernel_shape: Sequence[int], strides: Sequence[int],
                   output_size: Sequence[int]) -> str:
    """The method `transposed_conv` uses for a shape: "native" with a GPU; on a CPU the
    fastest applicable method measured on this machine (module doc)."""
    if tf.config.list_logical_devices("GPU"):
        return "native"
    strides, output_size = tuple(int(s) for s in strides), tuple(int(s) for s in output_size)
    key = f"{_machine()} | x {tuple(x_shape[1:])} kernel {tuple(kernel_shape)} strides {strides} out {output_size}"
    path = os.path.join(cache_directory(), METHODS_FILE)
    choice = _read_choices(path).get(key)
    if choice in METHODS:
        return choice
    flipped = flipped_conv_applies(x_shape, kernel_shape, strides, output_size)
    candidates = ["phases", "native"] + (["flipped_conv"] if flipped else [])
    _announce_timing(path)
    seconds = _median_seconds(candidates, x_shape, kernel_shape, strides, output_size)
    choice = min(candidates, key=seconds.get)
    choices = _read_choices(path)  # another process may have stored one meanwhile: the first stays
    choice = choices.setdefault(key, choice)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_json(path, choices, indent=1)
    except OSError:  # a read-only cache: measured again by the next process
        pass
    return choice


def transposed_conv(x, kernel, strides: Sequence[int], output_size: Sequence[int], method: Optional[str] = None):
    """Conv2DTranspose(padding="same") of NHWC `x` with a (K_h, K_w, C_out, C_in) kernel, no bias
    (equal to tf.nn.conv2d_transpose), by `method` (default: `fastest_method` for the shape)."""
    method = method or fastest_method(x.shape, kernel.shape, strides, output_size)
    strides, output_size = tuple(strides), tuple(output_size)
    if method == "phases":
        return transposed_conv_by_phases(x, kernel, strides, output_size)
    if method == "flipped_conv":
        if not flipped_conv_applies(x.shape, kernel.shape, strides, output_size):
            raise ValueError("flipped_conv needs stride 1, an odd kernel and output size = input size.")
        flipped = tf.transpose(tf.reverse(kernel, axis=[0, 1]), (0, 1, 3, 2))
        return tf.nn.conv2d(x, flipped, 1, "SAME")
    if method == "native":
        output_shape = tf.stack([tf.shape(x)[0], output_size[0], output_size[1], kernel.shape[2]])
        return tf.nn.conv2d_transpose(x, kernel, output_shape, strides, "SAME")
    raise ValueError(f"Unknown method {method!r}; expected one of {METHODS}.")


def _conv_filter_gradient(x, upstream, kernel_shape, strides: Tuple[int, int]):
    """d(loss)/d(kernel) of a SAME conv2d(x, kernel, strides) given d(loss)/d(output)."""
    return tf.raw_ops.Conv2DBackpropFilter(
        input=x, filter_sizes=kernel_shape, out_backprop=upstream, strides=(1,) + strides + (1,), padding="SAME"
    )


def _check_supported(layer: layers.Layer) -> None:
    if layer.padding != "same" or layer.data_format != "channels_last" or tuple(layer.dilation_rate) != (1, 1):
        raise ValueError(f"{type(layer).__name__} supports padding='same', channels_last and no dilation only.")


def _finish(layer: layers.Layer, outputs):
    if layer.use_bias:
        outputs = outputs + layer.bias
    return layer.activation(outputs) if layer.activation is not None else outputs


@keras.saving.register_keras_serializable(package="lsgan_tf")
class FastConv2DTranspose(layers.Conv2DTranspose):
    """Keras' Conv2DTranspose with its forward pass by `transposed_conv`.

    Its gradients are TensorFlow's fast ones: a strided Conv2D for the input, and
    Conv2DBackpropFilter for the kernel. Supports what the papers' generators use:
    channels_last, padding="same", no dilation.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _check_supported(self)

    def call(self, inputs):
        output_size = self.compute_output_shape(inputs.shape)[1:3]
        strides = tuple(self.strides)

        @tf.custom_gradient
        def forward(x, kernel):
            def gradient(upstream):
                dx = tf.nn.conv2d(upstream, kernel, strides, "SAME")
                return dx, _conv_filter_gradient(upstream, x, tf.shape(kernel), strides)

            return transposed_conv(x, kernel, strides, output_size), gradient

        return _finish(self, forward(inputs, tf.identity(self.kernel)))  # a read, not the variable


@keras.saving.register_keras_serializable(package="lsgan_tf")
class FastConv2D(layers.Conv2D):
    """Keras' Conv2D whose input gradient (a transposed conv of the upstream gradient) is
    computed by `transposed_conv` instead of TensorFlow's Conv2DBackpropInput.

    The gradient is built from differentiable ops, so second derivatives (the gradient
    penalties differentiate D's input gradient) are exact too. Supports channels_last,
    padding="same", no dilation.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _check_supported(self)

    def call(self, inputs):
        strides = tuple(self.strides)

        @tf.custom_gradient
        def forward(x, kernel):
            def gradient(upstream):
                dx = transposed_conv(upstream, kernel, strides, x.shape[1:3])
                return dx, _conv_filter_gradient(x, upstream, tf.shape(kernel), strides)

            return tf.nn.conv2d(x, kernel, strides, "SAME"), gradient

        return _finish(self, forward(inputs, tf.identity(self.kernel)))
