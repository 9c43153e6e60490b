"""The fast kernels, in one place behind one switch (`--kernels=fast|keras`).

Three layers compute exactly what Keras' own compute, faster on the papers' networks:

- `conv.FastConv2D`, `conv.FastConv2DTranspose`: transposed convolutions (G's forward pass, D's
  input gradient) by the method measured fastest for the shape on the machine at hand;
- `batch_norm.BatchNorm`: the training pass by TensorFlow's fused kernel;
- `adam.FusedAdam`: each variable's Adam update by one TensorFlow kernel.

`kernels="keras"` builds Keras' Conv2D, Conv2DTranspose, BatchNormalization and Adam instead (the
same variables, so a checkpoint restores under either). The fused batch norm and Adam read
Keras internals (`FAST_PATH_NEEDS`); when a Keras release drops one, `fast_path_available()` is
False, those layers take Keras' own path (the run trains on, at Keras' speed), and
tests/kernels/test_switch.py::test_the_keras_internals_the_fast_kernels_read_are_there fails,
naming the attribute.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Iterator, Type

import keras

from lsgan_tf.kernels.internals import FAST_PATH_NEEDS, fast_path_available, missing_internals

__all__ = ["KERNELS", "FAST_PATH_NEEDS", "selected", "missing_internals", "fast_path_available", "conv2d",
           "conv2d_transpose", "batch_normalization", "adam_optimizer"]

KERNELS = ("fast", "keras")
_SELECTED = contextvars.ContextVar("lsgan_tf_kernels", default="fast")


@contextlib.contextmanager
def selected(name: str) -> Iterator[None]:
    """Within this block, the layers and optimizers below are built with kernels `name`."""
    if name not in KERNELS:
        raise ValueError(f"Unknown kernels {name!r}; expected one of {KERNELS}.")
    token = _SELECTED.set(name)
    try:
        yield
    finally:
        _SELECTED.reset(token)


def _fast() -> bool:
    return _SELECTED.get() == "fast"


def conv2d() -> Type[keras.layers.Conv2D]:
    """The Conv2D layer class of the selected kernels."""
    from lsgan_tf.kernels.conv import FastConv2D

    return FastConv2D if _fast() else keras.layers.Conv2D


def conv2d_transpose() -> Type[keras.layers.Conv2DTranspose]:
    """The Conv2DTranspose layer class of the selected kernels."""
    from lsgan_tf.kernels.conv import FastConv2DTranspose

    return FastConv2DTranspose if _fast() else keras.layers.Conv2DTranspose


def batch_normalization() -> Type[keras.layers.BatchNormalization]:
    """The BatchNormalization layer class of the selected kernels."""
    from lsgan_tf.kernels.batch_norm import BatchNorm

    return BatchNorm if _fast() else keras.layers.BatchNormalization


def adam_optimizer() -> Type[keras.optimizers.Adam]:
    """The Adam optimizer class of the selected kernels."""
    from lsgan_tf.kernels.adam import FusedAdam

    return FusedAdam if _fast() else keras.optimizers.Adam
