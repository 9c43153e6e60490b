"""The noise distributions of z, and the one host-side (numpy) sampler of z.

z ~ N(0, I) as in the papers, or U(-1, 1) as in the authors' digits code. The sample grids,
evaluation, `lsgan-sample` on a .tflite model, the mixture study and the interpolation
experiment all draw z here; training draws in-graph with the model's SeedGenerator
(`GAN.sample_noise`) and serving statelessly from a request's seed (`serving.py`), from the
same two distributions. numpy only: the .tflite sampling path imports no TensorFlow.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

NOISE_DISTRIBUTIONS = ("normal", "uniform")
# How an export's metadata.json names each distribution.
DISTRIBUTION_NAMES = {"normal": "N(0, 1)", "uniform": "U(-1, 1)"}


def draw_z(rng: np.random.Generator, shape: Sequence[int], noise: str = "normal") -> np.ndarray:
    """float32 z of `shape` from `noise` ("normal": N(0, I); "uniform": U(-1, 1))."""
    if noise == "uniform":
        return rng.uniform(-1.0, 1.0, shape).astype(np.float32)
    if noise == "normal":
        return rng.standard_normal(shape).astype(np.float32)
    raise ValueError(f"Unknown noise {noise!r}; expected one of {NOISE_DISTRIBUTIONS}.")
