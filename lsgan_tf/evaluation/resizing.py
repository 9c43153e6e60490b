"""How images reach the 299x299 input of the Inception network, in the two modes clean-fid
names (Parmar et al. 2022, "On Aliased Resizing and Surprising Subtleties in GAN Evaluation"):

- `legacy_tensorflow` (the default): TensorFlow 1's `resize_bilinear` with align_corners=False and
  half_pixel_centers=False, the resize inside the 2015-12-05 Inception graph with which TTUR,
  pytorch-fid and the published FIDs were computed. TensorFlow 2's `tf.image.resize` samples at
  half-pixel centres and gives other values.
- `clean`: Pillow's bicubic resize of each channel as float values, with its antialiasing
  (clean-fid's default mode); its FIDs are comparable with clean-fid's "clean" ones only.

Pixel values stay floats on [0, 255]: nothing is rounded after the resize.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf
from PIL import Image

RESIZE_MODES = ("legacy_tensorflow", "clean")
INCEPTION_SIZE = 299


def legacy_tensorflow_resize(images, size: Sequence[int] = (INCEPTION_SIZE, INCEPTION_SIZE)) -> tf.Tensor:
    """Images (N, H, W, C) -> (N, size[0], size[1], C) float32 by TensorFlow 1's bilinear resize:
    output pixel i samples input row i * H / size[0] (no half-pixel offset)."""
    return tf.compat.v1.image.resize_bilinear(tf.convert_to_tensor(images, tf.float32), size,
                                              align_corners=False, half_pixel_centers=False)


def _clean_resize(image: np.ndarray, size: int) -> np.ndarray:
    channels = [np.asarray(Image.fromarray(image[..., c].astype(np.float32), mode="F").resize(
        (size, size), resample=Image.Resampling.BICUBIC)) for c in range(image.shape[-1])]
    return np.clip(np.stack(channels, axis=-1), 0.0, 255.0)


def resize_for_inception(pixels: np.ndarray, mode: str = "legacy_tensorflow") -> np.ndarray:
    """RGB images (N, H, W, 3) with values on [0, 255] -> float32 (N, 299, 299, 3) by `mode`."""
    if mode not in RESIZE_MODES:
        raise ValueError(f"Unknown resize mode {mode!r}; expected one of {RESIZE_MODES}.")
    if mode == "legacy_tensorflow":
        return legacy_tensorflow_resize(pixels).numpy()
    resized = [_clean_resize(np.asarray(image, np.float32), INCEPTION_SIZE) for image in pixels]
    return np.stack(resized).astype(np.float32)
