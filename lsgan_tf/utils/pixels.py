"""The one mapping between uint8 pixels [0, 255] and the generator's range [lo, hi]: (-1, 1) for
the tanh generators, (0, 1) for the sigmoid HWDB generator (docs/PAPERS.md §3).

Plain arithmetic, so the same two functions serve numpy arrays (sample grids, `lsgan-sample`)
and TensorFlow tensors (the input pipeline, the serving signatures); rounding, clipping and
the cast stay with the caller's backend.
"""

from __future__ import annotations

from typing import Tuple

PixelRange = Tuple[float, float]


def from_uint8(pixels, pixel_range: PixelRange):
    """Float pixel values in [0, 255] -> the generator's range [lo, hi]."""
    lo, hi = pixel_range
    return pixels * ((hi - lo) / 255.0) + lo


def to_uint8_scale(images, pixel_range: PixelRange):
    """Images in [lo, hi] -> float values on the [0, 255] scale (not yet rounded or clipped)."""
    lo, hi = pixel_range
    return (images - lo) * (255.0 / (hi - lo))
