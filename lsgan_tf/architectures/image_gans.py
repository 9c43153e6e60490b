"""The papers' unconditional image architectures as layer tables (TPAMI Tables 1, 2, 3 and 5; docs/PAPERS.md §2).

- `digits`: TPAMI Table 5, 28x28x1 small-variability digits.
- `scene112`: Table 1, 112x112x3 LSUN scenes.
- `cat128`: Table 2, 128x128x3 cats.
- `dcgan64`, `dcgan32`: the DCGAN nets of the TPAMI FID runs, with the stability variants
  `BN_G` (no BN in G) and `BN_GD` (no BN in G or D) of Fig. 9.
"""

from __future__ import annotations

import math
from typing import Tuple

import keras

from lsgan_tf.architectures.convnets import Conv, Deconv, conv_discriminator, conv_generator

VARIANTS = {
    "standard": (True, True),  # (BN in G, BN in D)
    "BN_G": (False, True),
    "BN_GD": (False, False),
}

Pair = Tuple[keras.Model, keras.Model]  # (generator, discriminator)


def _variant_batchnorm(variant: str) -> Tuple[bool, bool]:
    """(BN in G, BN in D) for a stability variant name."""
    if variant not in VARIANTS:
        raise ValueError(f"Unknown stability variant {variant!r}; expected one of {sorted(VARIANTS)}.")
    return VARIANTS[variant]


def _dcgan_discriminator(image_shape, filters, kernel: int, batchnorm: bool, name: str) -> keras.Model:
    """Strided K x K convs (BN on all but the first) -> FC(1): the D of Tables 1, 2 and DCGAN."""
    convs = [Conv(f, kernel, 2, norm=index > 0) for index, f in enumerate(filters)]
    return conv_discriminator(image_shape=image_shape, convs=convs, batchnorm=batchnorm, name=name)


def digits(
    z_dim: int = 100,
    variant: str = "standard",
    kernel_size: int = 3,
    fc_norm: str = "spatial",
    d_fc_norm: bool = True,
) -> Pair:
    """TPAMI Table 5: G FC(8192) -> TCONV(K3,S2) 256 [7], 128 [14], 1 [28] tanh; LeNet-like D.

    The authors' code (small_variance_datasets/arch.py) uses kernel_size=5 and fc_norm="flat".
    `d_fc_norm=False` drops the BN of D's FC(500) layer (not in the paper): over a fake batch
    whose images are nearly identical, that BN divides by a near-zero variance, so a collapsed
    G gets no useful gradient; without it the net draws digits within 1,000 steps (the demo
    run, docs/RESULTS.md).
    """
    g_bn, d_bn = _variant_batchnorm(variant)
    generator = conv_generator(
        z_dim=z_dim,
        base_shape=(4, 4, 512),
        hidden=[Deconv(256, kernel_size, 2, output_padding=0), Deconv(128, kernel_size, 2)],
        output=Deconv(1, kernel_size, 2),
        batchnorm=g_bn,
        fc_norm=fc_norm,
        name="digits_generator",
    )
    discriminator = conv_discriminator(
        image_shape=(28, 28, 1),
        convs=[Conv(20, 5, 2, norm=False), Conv(50, 5, 2)],
        dense_units=[500],
        batchnorm=d_bn,
        dense_norm=d_fc_norm,
        name="digits_discriminator",
    )
    return generator, discriminator


def scene112(z_dim: int = 1024, variant: str = "standard", fc_norm: str = "spatial") -> Pair:
    """ICCV Table 1 (LSUN 112x112): seven 3x3 TCONVs from 7x7x256; D of four 5x5 strided convs."""
    g_bn, d_bn = _variant_batchnorm(variant)
    generator = conv_generator(
        z_dim=z_dim,
        base_shape=(7, 7, 256),
        hidden=[
            Deconv(256, 3, 2),
            Deconv(256, 3, 1),
            Deconv(256, 3, 2),
            Deconv(256, 3, 1),
            Deconv(128, 3, 2),
            Deconv(64, 3, 2),
        ],
        output=Deconv(3, 3, 1),
        batchnorm=g_bn,
        fc_norm=fc_norm,
        name="scene112_generator",
    )
    discriminator = _dcgan_discriminator(
        (112, 112, 3), (64, 128, 256, 512), 5, d_bn, name="scene112_discriminator"
    )
    return generator, discriminator


def cat128(
    z_dim: int = 100, variant: str = "standard", kernel_size: int = 3, fc_norm: str = "spatial"
) -> Pair:
    """TPAMI Table 2 (cats 128x128). The authors' code uses kernel_size=5 and fc_norm="flat"."""
    g_bn, d_bn = _variant_batchnorm(variant)
    generator = conv_generator(
        z_dim=z_dim,
        base_shape=(8, 8, 512),
        hidden=[Deconv(f, kernel_size, 2) for f in (256, 128, 64)],
        output=Deconv(3, kernel_size, 2),
        batchnorm=g_bn,
        fc_norm=fc_norm,
        name="cat128_generator",
    )
    discriminator = _dcgan_discriminator(
        (128, 128, 3), (64, 128, 256, 512), 5, d_bn, name="cat128_discriminator"
    )
    return generator, discriminator


def dcgan(resolution: int, z_dim: int = 100, variant: str = "standard", channels: int = 3,
          fc_norm: str = "spatial") -> Pair:
    """DCGAN for a power-of-two resolution >= 16: FC(4x4x512) then 5x5 stride-2 TCONVs halving
    the filters (512 -> 256 -> ...) up to `resolution`; D mirrors it with 5x5 stride-2 convs.
    fc_norm="flat" normalises the flat FC output, as the TPAMI code's generator_dcgan does."""
    upsamplings = int(round(math.log2(resolution / 4)))
    if resolution < 16 or 4 * 2**upsamplings != resolution:
        raise ValueError(f"DCGAN resolution must be a power of two >= 16, got {resolution}.")
    g_bn, d_bn = _variant_batchnorm(variant)
    hidden_filters = [512 // 2**i for i in range(1, upsamplings)]
    generator = conv_generator(
        z_dim=z_dim,
        base_shape=(4, 4, 512),
        hidden=[Deconv(f, 5, 2) for f in hidden_filters],
        output=Deconv(channels, 5, 2),
        batchnorm=g_bn,
        fc_norm=fc_norm,
        name=f"dcgan{resolution}_generator",
    )
    d_filters = [64 * 2**i for i in range(upsamplings)]
    discriminator = _dcgan_discriminator(
        (resolution, resolution, channels), d_filters, 5, d_bn, name=f"dcgan{resolution}_discriminator"
    )
    return generator, discriminator


def dcgan64(z_dim: int = 100, variant: str = "standard", fc_norm: str = "spatial") -> Pair:
    """DCGAN 64x64 (TPAMI FID runs on LSUN-64 and ImageNet-64)."""
    return dcgan(64, z_dim=z_dim, variant=variant, fc_norm=fc_norm)


def dcgan32(z_dim: int = 100, variant: str = "standard", fc_norm: str = "spatial") -> Pair:
    """DCGAN 32x32 (TPAMI FID runs on CIFAR-10)."""
    return dcgan(32, z_dim=z_dim, variant=variant, fc_norm=fc_norm)
