"""The 2-D Gaussian-mixture MLPs of TPAMI Table 4 (the authors' ls.py)."""

from __future__ import annotations

from typing import Tuple

import keras

from lsgan_tf.architectures.blocks import dense_block

ORTHOGONAL_GAIN = 1.4


def _mlp(inputs, hidden: int, depth: int, outputs: int, prefix: str):
    """depth x FC(hidden, tanh) -> FC(outputs), orthogonal init with gain 1.4, zero biases."""
    x = inputs
    for index in range(1, depth + 1):
        x = dense_block(
            x, hidden, norm=False, act="tanh", name=f"{prefix}_fc{index}",
            initializer=keras.initializers.Orthogonal(gain=ORTHOGONAL_GAIN),
        )
    return dense_block(
        x, outputs, norm=False, act=None, name=f"{prefix}_out",
        initializer=keras.initializers.Orthogonal(gain=ORTHOGONAL_GAIN),
    )


def mixture(z_dim: int = 256, hidden: int = 128, depth: int = 2) -> Tuple[keras.Model, keras.Model]:
    """TPAMI Table 4: G: z -> 2 x FC(128, tanh) -> FC(2); D: x -> 2 x FC(128, tanh) -> FC(1)."""
    z = keras.Input(shape=(z_dim,), name="z")
    generator = keras.Model(z, _mlp(z, hidden, depth, 2, "g"), name="mixture_generator")
    points = keras.Input(shape=(2,), name="points")
    discriminator = keras.Model(points, _mlp(points, hidden, depth, 1, "d"), name="mixture_discriminator")
    return generator, discriminator
