"""Building blocks shared by every architecture, with the authors' initialisers and BN settings.

docs/PAPERS.md §2, from the authors' code: conv kernels TruncatedNormal(0.02), transposed-conv and dense
kernels RandomNormal(0.02), zero biases, batch norm with decay 0.9 and epsilon 1e-5,
LeakyReLU slope 0.2.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Iterator, Optional

import keras
from keras import layers, ops

from lsgan_tf import kernels

LEAKY_RELU_SLOPE = 0.2
BN_MOMENTUM = 0.9
BN_EPSILON = 1e-5
INIT_STDDEV = 0.02


_SYNCHRONIZED = contextvars.ContextVar("synchronized_batch_norm", default=False)


@contextlib.contextmanager
def synchronized_batch_norm(enabled: bool = True) -> Iterator[None]:
    """Within this block, `batch_norm` layers compute their batch statistics over all replicas
    of a tf.distribute strategy (Keras' synchronized=True) instead of each replica's sub-batch."""
    token = _SYNCHRONIZED.set(enabled)
    try:
        yield
    finally:
        _SYNCHRONIZED.reset(token)


def batch_norm(name: Optional[str] = None) -> layers.BatchNormalization:
    """Batch normalisation with the authors' decay (0.9) and epsilon (1e-5), by the selected
    kernels (lsgan_tf/kernels)."""
    return kernels.batch_normalization()(
        momentum=BN_MOMENTUM, epsilon=BN_EPSILON, synchronized=_SYNCHRONIZED.get(), name=name
    )


def activation(kind: Optional[str], name: Optional[str] = None):
    """The layer for an activation name: relu, lrelu (slope 0.2), tanh, sigmoid, or None."""
    if kind is None:
        return None
    if kind == "lrelu":
        return layers.LeakyReLU(negative_slope=LEAKY_RELU_SLOPE, name=name)
    if kind in ("relu", "tanh", "sigmoid"):
        return layers.Activation(kind, name=name)
    raise ValueError(f"Unknown activation {kind!r}; expected relu, lrelu, tanh, sigmoid or None.")


def _finish(x, norm: bool, act: Optional[str], name: str):
    """Applies optional batch norm, then the optional activation."""
    if norm:
        x = batch_norm(name=f"{name}_bn")(x)
    layer = activation(act, name=f"{name}_{act}" if act else None)
    return layer(x) if layer is not None else x


def dense_block(x, units: int, *, norm: bool, act: Optional[str], name: str, initializer=None):
    """FC(units) [-> BN] [-> activation], RandomNormal(0.02) kernel unless told otherwise."""
    x = layers.Dense(
        units,
        kernel_initializer=initializer or keras.initializers.RandomNormal(stddev=INIT_STDDEV),
        bias_initializer="zeros",
        name=name,
    )(x)
    return _finish(x, norm, act, name)


def conv_block(x, filters: int, kernel: int, stride: int, *, norm: bool, act: Optional[str], name: str):
    """CONV(K, S, O) with same padding [-> BN] [-> activation], TruncatedNormal(0.02) kernel.

    The layer is Keras' Conv2D, with a faster input gradient by the fast kernels (lsgan_tf/kernels).
    """
    x = kernels.conv2d()(
        filters,
        kernel,
        strides=stride,
        padding="same",
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=INIT_STDDEV),
        bias_initializer="zeros",
        name=name,
    )(x)
    return _finish(x, norm, act, name)


def deconv_block(
    x,
    filters: int,
    kernel: int,
    stride: int,
    *,
    norm: bool,
    act: Optional[str],
    name: str,
    output_padding: Optional[int] = None,
):
    """TCONV(K, S, O) with same padding [-> BN] [-> activation], RandomNormal(0.02) kernel.

    `output_padding=0` with stride 2 and kernel 3 maps 4x4 to 7x7 (Table 5's generator). The
    layer is Keras' Conv2DTranspose, with a faster forward pass by the fast kernels (lsgan_tf/kernels).
    """
    x = kernels.conv2d_transpose()(
        filters,
        kernel,
        strides=stride,
        padding="same",
        output_padding=output_padding,
        kernel_initializer=keras.initializers.RandomNormal(stddev=INIT_STDDEV),
        bias_initializer="zeros",
        name=name,
    )(x)
    return _finish(x, norm, act, name)


@keras.saving.register_keras_serializable(package="lsgan_tf")
class LabelProjection(layers.Layer):
    """A learned linear map of a one-hot class label: onehot(y) @ W + b, as a row lookup.

    This is the authors' `linear(one_hot, 256)` without ever building the dense one-hot:
    integer labels index the rows of W. Labels outside [0, num_classes) are an error
    in eager mode (tf.gather checks bounds on the CPU).
    """

    def __init__(self, num_classes: int, units: int, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.units = units
        self.kernel_initializer = keras.initializers.RandomNormal(stddev=INIT_STDDEV)  # the authors' linear()
        self.bias_initializer = keras.initializers.Zeros()

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(self.num_classes, self.units), initializer=self.kernel_initializer, name="kernel"
        )
        self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer, name="bias")

    def call(self, labels):
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        return ops.take(self.kernel, labels, axis=0) + self.bias

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "units": self.units}


@keras.saving.register_keras_serializable(package="lsgan_tf")
class ConcatLabelMap(layers.Layer):
    """Concatenates a per-sample label vector to every position of a feature map (or vector)."""

    def call(self, inputs):
        features, label_vector = inputs
        if len(features.shape) == 2:
            return ops.concatenate([features, label_vector], axis=-1)
        shape = ops.shape(features)
        tiled = ops.tile(label_vector[:, None, None, :], (1, shape[1], shape[2], 1))
        return ops.concatenate([features, tiled], axis=-1)

    def compute_output_shape(self, input_shapes):
        features, label_vector = input_shapes
        return tuple(features[:-1]) + (features[-1] + label_vector[-1],)
