"""Renders the small-variability digit datasets of TPAMI 4.3.1 (Fig. 10).

28x28 8-bit grey digits in a Times-style serif, white glyph on black, the glyph scaled to
span all 28 rows. `shift`: a random whole-pixel horizontal position across the free width.
`shift_rotate`: the glyph is first rotated clockwise by a random angle in [0, 10] degrees
(on a 0.1-degree grid), then scaled and shifted the same way. The authors' published files
(`times.shift`, `times.shift.rotate`) have the same layout and statistics.
"""

from __future__ import annotations

import functools
import os
from typing import Dict, Optional

import numpy as np
from PIL import Image, ImageDraw, ImageFont

IMAGE_SIZE = 28
VARIANTS = ("shift", "shift_rotate")
AUTHORS_FOLDERS = {"shift": "times.shift", "shift_rotate": "times.shift.rotate"}  # their published files' names
MAX_ROTATION_DEGREES = 10.0
ANGLE_STEP_DEGREES = 0.1
_RENDER_SIZE = 256  # font size of the high-resolution glyph before downscaling

LIBERATION_SERIF_PATHS = (
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
)


def default_font_path() -> str:
    """Liberation Serif (metric-compatible with Times New Roman) if installed, else matplotlib's STIX."""
    for path in LIBERATION_SERIF_PATHS:
        if os.path.exists(path):
            return path
    import matplotlib  # only for its bundled fonts

    return os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf", "STIXGeneral.ttf")


@functools.lru_cache(maxsize=64)
def _high_resolution_glyph(digit: int, font_path: str) -> Image.Image:
    """The digit drawn large, white on black, cropped to its ink."""
    font = ImageFont.truetype(font_path, _RENDER_SIZE)
    canvas = Image.new("L", (_RENDER_SIZE * 2, _RENDER_SIZE * 2), 0)
    ImageDraw.Draw(canvas).text((_RENDER_SIZE // 2, _RENDER_SIZE // 4), str(digit), fill=255, font=font)
    return canvas.crop(canvas.getbbox())


@functools.lru_cache(maxsize=4096)
def _fitted_glyph(digit: int, font_path: str, angle: float) -> Image.Image:
    """The glyph rotated clockwise by `angle` degrees, cropped to its ink, IMAGE_SIZE rows tall."""
    glyph = _high_resolution_glyph(digit, font_path)
    if angle:
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=0)
        glyph = glyph.crop(glyph.getbbox())
    width = max(1, min(IMAGE_SIZE, round(glyph.width * IMAGE_SIZE / glyph.height)))
    return glyph.resize((width, IMAGE_SIZE), Image.Resampling.LANCZOS)


def render_digit(
    digit: int,
    rng: np.random.Generator,
    variant: str = "shift",
    font_path: Optional[str] = None,
) -> np.ndarray:
    """One 28x28 uint8 image of `digit` with a random shift (and rotation for shift_rotate)."""
    if variant not in VARIANTS:
        raise ValueError(f"Unknown digit variant {variant!r}; expected one of {VARIANTS}.")
    angle = 0.0
    if variant == "shift_rotate":
        steps = int(round(MAX_ROTATION_DEGREES / ANGLE_STEP_DEGREES))
        angle = round(float(rng.integers(0, steps + 1)) * ANGLE_STEP_DEGREES, 6)
    glyph = _fitted_glyph(int(digit), font_path or default_font_path(), angle)
    image = Image.new("L", (IMAGE_SIZE, IMAGE_SIZE), 0)
    image.paste(glyph, (int(rng.integers(0, IMAGE_SIZE - glyph.width + 1)), 0))
    return np.asarray(image, dtype=np.uint8)


def render_dataset(
    variant: str = "shift", per_class: int = 1000, seed: int = 0, font_path: Optional[str] = None
) -> Dict[str, np.ndarray]:
    """All ten classes: {"images": (10 * per_class, 28, 28) uint8, "labels": int32}, class-major."""
    rng = np.random.default_rng(seed)
    images = np.stack(
        [render_digit(d, rng, variant, font_path) for d in range(10) for _ in range(per_class)]
    )
    labels = np.repeat(np.arange(10, dtype=np.int32), per_class)
    return {"images": images, "labels": labels}
