"""Generic DCGAN-style networks, built from a layer table.

Generator: z -> FC -> reshape -> transposed convs -> image. Discriminator: strided convs ->
flatten -> optional FC layers -> FC(1) raw score. Every image architecture of the papers
(Tables 1, 2, 5 and the DCGAN nets) is one table passed to these two functions.
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence, Tuple

import keras
from keras import layers

from lsgan_tf.architectures.blocks import activation, batch_norm, conv_block, deconv_block, dense_block

FC_NORMS = ("spatial", "flat")


@dataclasses.dataclass(frozen=True)
class Deconv:
    """One TCONV(K, S, O) layer of a generator table."""

    filters: int
    kernel: int
    stride: int
    output_padding: Optional[int] = None


@dataclasses.dataclass(frozen=True)
class Conv:
    """One CONV(K, S, O) layer of a discriminator table; `norm=False` drops its BN."""

    filters: int
    kernel: int
    stride: int
    norm: bool = True


def conv_generator(
    *,
    z_dim: int,
    base_shape: Tuple[int, int, int],
    hidden: Sequence[Deconv],
    output: Deconv,
    output_activation: str = "tanh",
    batchnorm: bool = True,
    fc_norm: str = "spatial",
    name: str = "generator",
) -> keras.Model:
    """z -> FC(h*w*c) [BN] ReLU -> reshape (h, w, c) -> hidden TCONVs [BN] ReLU -> TCONV -> activation.

    fc_norm="spatial" normalises the reshaped map per channel (the paper's reading);
    fc_norm="flat" normalises the flat FC output before the reshape (the authors' cat code).
    """
    if fc_norm not in FC_NORMS:
        raise ValueError(f"Unknown fc_norm {fc_norm!r}; expected one of {FC_NORMS}.")
    z = keras.Input(shape=(z_dim,), name="z")
    height, width, channels = base_shape
    x = dense_block(z, height * width * channels, norm=False, act=None, name="g_fc")
    if batchnorm and fc_norm == "flat":
        x = batch_norm(name="g_fc_bn")(x)
    x = layers.Reshape(base_shape, name="g_reshape")(x)
    if batchnorm and fc_norm == "spatial":
        x = batch_norm(name="g_fc_bn")(x)
    x = activation("relu", name="g_fc_relu")(x)
    for index, layer in enumerate(hidden, start=1):
        x = deconv_block(
            x, layer.filters, layer.kernel, layer.stride,
            norm=batchnorm, act="relu", name=f"g_tconv{index}", output_padding=layer.output_padding,
        )
    x = deconv_block(
        x, output.filters, output.kernel, output.stride,
        norm=False, act=output_activation, name="g_out", output_padding=output.output_padding,
    )
    return keras.Model(z, x, name=name)


def conv_discriminator(
    *,
    image_shape: Tuple[int, int, int],
    convs: Sequence[Conv],
    dense_units: Sequence[int] = (),
    batchnorm: bool = True,
    dense_norm: bool = True,
    name: str = "discriminator",
) -> keras.Model:
    """image -> CONVs [BN] LReLU -> flatten -> FC [BN] LReLU ... -> FC(1) raw score (no sigmoid).

    `batchnorm=False` removes every BN (the BN_GD stability variant); a layer's own `norm`
    flag removes it there only (DCGAN's first conv); `dense_norm=False` removes it from the
    hidden FC layers only.
    """
    image = keras.Input(shape=image_shape, name="images")
    x = image
    for index, layer in enumerate(convs, start=1):
        x = conv_block(
            x, layer.filters, layer.kernel, layer.stride,
            norm=batchnorm and layer.norm, act="lrelu", name=f"d_conv{index}",
        )
    x = layers.Flatten(name="d_flatten")(x)
    for index, units in enumerate(dense_units, start=1):
        x = dense_block(x, units, norm=batchnorm and dense_norm, act="lrelu", name=f"d_fc{index}")
    score = dense_block(x, 1, norm=False, act=None, name="d_out")
    return keras.Model(image, score, name=name)
