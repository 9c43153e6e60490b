"""Image grids and atomic PNG writing (Pillow)."""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lsgan_tf.utils.atomic import atomic_path
from lsgan_tf.utils.pixels import to_uint8_scale


def to_uint8(images, pixel_range: Tuple[float, float] = (-1.0, 1.0)) -> np.ndarray:
    """Maps images in [lo, hi] to uint8 [0, 255], clipping anything outside the range."""
    scaled = to_uint8_scale(np.asarray(images, dtype=np.float32), pixel_range)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def make_grid(images: np.ndarray, columns: Optional[int] = None, padding: int = 2) -> np.ndarray:
    """Tiles uint8 images (N, H, W[, C]) row-major into one (rows, columns) grid with black padding."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    count, height, width, channels = images.shape
    columns = columns or int(math.ceil(math.sqrt(count)))
    rows = int(math.ceil(count / columns))
    grid = np.zeros(
        (rows * (height + padding) + padding, columns * (width + padding) + padding, channels), np.uint8
    )
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = padding + row * (height + padding), padding + column * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid[..., 0] if channels == 1 else grid


def add_captions(grid: np.ndarray, captions: Sequence[str], cell_width: int, padding: int = 2,
                 font_path: Optional[str] = None) -> np.ndarray:
    """The grid (grey or RGB uint8) with a strip below it holding captions[j], centred under
    column j, in white on black (`font_path`: a TrueType font that has the captions' glyphs;
    default: Pillow's own font, ASCII only)."""
    height = 2 * cell_width // 3 + padding
    strip_shape = (height, grid.shape[1]) + grid.shape[2:]
    strip = Image.fromarray(np.zeros(strip_shape, np.uint8))
    font = ImageFont.truetype(font_path, height - 2 * padding) if font_path else ImageFont.load_default()
    draw = ImageDraw.Draw(strip)
    fill = 255 if strip.mode == "L" else (255,) * len(strip.mode)
    for column, caption in enumerate(captions):
        centre = padding + column * (cell_width + padding) + cell_width / 2
        draw.text((centre, height / 2), caption, fill=fill, font=font, anchor="mm")
    return np.concatenate([grid, np.asarray(strip)], axis=0)


def save_png(array: np.ndarray, path: str) -> str:
    """Writes a uint8 array as a PNG under a temporary name, then renames it into place."""
    with atomic_path(path) as temporary:
        Image.fromarray(np.asarray(array, dtype=np.uint8)).save(temporary, format="PNG")
    return path
