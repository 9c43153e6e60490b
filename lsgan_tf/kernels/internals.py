"""The private Keras attributes the fast kernels read, and whether this Keras has them."""

from __future__ import annotations

import functools
import sys
from typing import Tuple

import keras

# The private Keras attributes the fast paths read: (owner, attribute).
FAST_PATH_NEEDS: Tuple[Tuple[str, str], ...] = (
    ("keras.optimizers.Adam", "_get_variable_index"),
    ("keras.optimizers.Adam", "_momentums"),
    ("keras.optimizers.Adam", "_velocities"),
    ("keras.layers.BatchNormalization", "_reduction_axes"),
)


def missing_internals() -> Tuple[str, ...]:
    """The Keras internals of FAST_PATH_NEEDS that this Keras lacks ("owner.attribute")."""
    adam = keras.optimizers.Adam(1e-3)
    adam.build([keras.Variable(0.0)])
    norm = keras.layers.BatchNormalization()
    norm.build((1, 2))
    owners = {"keras.optimizers.Adam": adam, "keras.layers.BatchNormalization": norm}
    return tuple(f"{owner}.{attribute}" for owner, attribute in FAST_PATH_NEEDS
                 if not hasattr(owners[owner], attribute))


@functools.lru_cache(maxsize=None)
def fast_path_available() -> bool:
    """Whether this Keras has every internal the fused batch norm and Adam read (asked once a
    process); when it lacks one, says so in one line on stderr: those layers then compute
    Keras' own path, with the same results at Keras' speed."""
    missing = missing_internals()
    if missing:
        print(f"lsgan_tf: Keras {keras.__version__} lacks {', '.join(missing)}: the fused batch norm and Adam "
              f"take Keras' own path (the same results, at Keras' speed)", file=sys.stderr, flush=True)
    return not missing
