"""Every architecture of the papers, by name: `build(name, **overrides) -> (generator, discriminator)`."""

from __future__ import annotations

from typing import Callable, Dict, Tuple

import keras

from lsgan_tf.architectures.hwdb import HWDB_CLASSES, hwdb
from lsgan_tf.architectures.image_gans import VARIANTS, cat128, dcgan32, dcgan64, digits, scene112
from lsgan_tf.architectures.mixture import mixture

ARCHITECTURES: Dict[str, Callable[..., Tuple[keras.Model, keras.Model]]] = {
    "digits": digits,
    "scene112": scene112,
    "cat128": cat128,
    "dcgan64": dcgan64,
    "dcgan32": dcgan32,
    "hwdb": hwdb,
    "mixture": mixture,
}

CONDITIONAL_ARCHITECTURES = frozenset({"hwdb"})


def build(name: str, **overrides) -> Tuple[keras.Model, keras.Model]:
    """Builds the (generator, discriminator) pair of a named architecture.

    `overrides` are the keyword options of the architecture's function (z_dim, variant,
    kernel_size, fc_norm, num_classes, ...); an unknown option raises a TypeError naming it.
    """
    if name not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {name!r}; expected one of {sorted(ARCHITECTURES)}.")
    return ARCHITECTURES[name](**overrides)


__all__ = ["ARCHITECTURES", "CONDITIONAL_ARCHITECTURES", "HWDB_CLASSES", "VARIANTS", "build"]
