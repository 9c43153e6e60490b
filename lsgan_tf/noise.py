"""The noise distributions of z, and the one host-side (numpy) sampler of z.

z ~ N(0, I) as in the papers, or U(-1, 1) as in the authors' digits code. The sample grids,
evaluation, `lsgan-sample` (on a checkpoint, a SavedModel or a .tflite file alike), the mixture
study and the interpolation experiment all draw z here, so that one seed gives one z, whatever
the format: the `num` rows of `np.random.default_rng(seed)`'s draw (`seeded_z`, or in blocks
`seeded_z_blocks`). Training draws
in-graph with the model's SeedGenerator (`GAN.sample_noise`); a SavedModel's `sample` signature,
for TF Serving clients without noise of their own, draws statelessly in-graph from a request's
seed (`serving.py`), another stream of the same distribution. numpy only: the .tflite sampling
path imports no TensorFlow.
"""

from __future__ import annotations

from typing import Iterator, Sequence

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


def seeded_z(seed: int, num: int, z_dim: int, noise: str = "normal") -> np.ndarray:
    """The z of `seed`: float32 (num, z_dim) from `np.random.default_rng(seed)` (the one definition
    of "seed -> z" that every format is fed with)."""
    return draw_z(np.random.default_rng(seed), (num, z_dim), noise)


def seeded_z_blocks(seed: int, num: int, z_dim: int, noise: str = "normal", batch: int = 1024) -> Iterator[np.ndarray]:
    """`seeded_z(seed, num, z_dim, noise)` in consecutive blocks of at most `batch` rows, drawn as
    they are needed (numpy's generators fill arrays in order, so the blocks concatenate to
    exactly that array, and any number of samples streams in bounded memory)."""
    rng = np.random.default_rng(seed)
    for start in range(0, num, batch):
        yield draw_z(rng, (min(batch, num - start), z_dim), noise)
