"""Handwriting-like GB2312-80 level-1 characters, rendered from CJK fonts and written as real
HWDB `.gnt` files: a stand-in for HWDB1.0 where the real data cannot be had.

Each synthetic writer is one `.gnt` file (`001-f.gnt`, ... as HWDB names them) holding its share
of every class. A writer has a style of its own (a font, a slant, a stroke weight, an ink tone);
each sample adds a random affine map (rotation, shear, anisotropic scale), a smooth elastic
displacement field and a stroke-width change, then is cropped to its ink with a margin, so
sizes vary as in HWDB. Records are white (255) backgrounds with dark ink. Everything is drawn
from `numpy.random.default_rng([seed, writer])`: a writer's file depends only on the seed, the
class list, its sample count and its index, never on how many processes render.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import os
import subprocess
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from scipy import ndimage

from lsgan_tf.data import hwdb
from lsgan_tf.data.classes import LEVEL1_CODES, decode_tag

GLYPH_SIZE = 64  # font size in pixels of the drawn glyph, before distortion (HWDB samples are ~50-100 px)
_CANVAS = 96
_FIELD = 12  # the elastic field is drawn on a 12x12 grid (smoothed) and upsampled 8x: ~8 px sigma
_CENTRED_GRID = np.mgrid[0:_CANVAS, 0:_CANVAS].astype(np.float32) - (_CANVAS - 1) / 2.0  # (row, col) from the centre
_PROBE_CHARACTERS = ("啊", "中")  # two level-1 hanzi: a font that draws them apart has CJK glyphs
FONT_HELP = (
    "`make setup` installs a CJK font with requirements.txt (the mplfonts package ships "
    "Noto Sans/Serif CJK SC and SimHei); otherwise `pip install mplfonts`, `apt-get install "
    "fonts-noto-cjk`, or pass --font=PATH to a .ttf/.otf/.ttc font that covers GB2312."
)


class FontError(ValueError):
    """No usable CJK font; the message says how to get one."""


@functools.lru_cache(maxsize=None)
def _draws_hanzi(path: str) -> bool:
    """True when the font at `path` loads and draws two different level-1 hanzi differently
    (a font without them draws the same .notdef box for both)."""
    try:
        font = ImageFont.truetype(path, 32)
        masks = [bytes(font.getmask(character)) for character in _PROBE_CHARACTERS]
    except OSError:
        return False
    return masks[0] != masks[1] and all(any(mask) for mask in masks)


@functools.lru_cache(maxsize=None)
def _bundled_fonts() -> List[str]:
    """The CJK fonts of the mplfonts package (found without importing it), distinct designs only."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = os.path.join(list(spec.submodule_search_locations)[0], "fonts")
    names = ("NotoSansCJKsc-Regular.otf", "NotoSerifCJKsc-Regular.otf", "SimHei.ttf")
    return [os.path.join(folder, name) for name in names if os.path.exists(os.path.join(folder, name))]


@functools.lru_cache(maxsize=None)
def _system_fonts() -> List[str]:
    """Fonts fontconfig lists for Chinese (`fc-list :lang=zh`), if fontconfig is installed."""
    try:
        listing = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(":")[0].strip() for line in listing.splitlines() if line.strip()})


def find_fonts(paths: Sequence[str] = ()) -> List[str]:
    """The CJK fonts to render with: `paths` when given (each checked), else the bundled fonts
    and the system's Chinese fonts. Raises FontError naming what to install when none draws hanzi."""
    if paths:
        bad = [path for path in paths if not os.path.exists(path) or not _draws_hanzi(path)]
        if bad:
            raise FontError(f"--font {', '.join(bad)}: not found, or has no GB2312 hanzi. {FONT_HELP}")
        return list(paths)
    fonts = [path for path in _bundled_fonts() + _system_fonts() if _draws_hanzi(path)]
    if not fonts:
        raise FontError(f"No CJK font found. {FONT_HELP}")
    return fonts


def level1_codes(classes: Optional[int] = None) -> Tuple[bytes, ...]:
    """The first `classes` GB2312-80 level-1 codes in code order (all 3,755 when None)."""
    if classes is not None and not 1 <= classes <= len(LEVEL1_CODES):
        raise ValueError(f"--classes must be in [1, {len(LEVEL1_CODES)}] or 'all', got {classes}.")
    return LEVEL1_CODES[:classes]


@dataclasses.dataclass(frozen=True)
class WriterStyle:
    """What stays the same across one synthetic writer's samples."""

    font: str
    slant: float  # shear, added to every sample's
    weight: int  # stroke width offset in pixels at GLYPH_SIZE
    ink: int  # darkest ink grey level (0 = black)

    @classmethod
    def draw(cls, rng: np.random.Generator, fonts: Sequence[str]) -> "WriterStyle":
        return cls(font=fonts[int(rng.integers(len(fonts)))], slant=float(rng.uniform(-0.15, 0.15)),
                   weight=int(rng.integers(0, 2)), ink=int(rng.integers(0, 60)))


@functools.lru_cache(maxsize=16)
def _font(path: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, GLYPH_SIZE)


def _glyph(character: str, font_path: str, stroke: int) -> np.ndarray:
    """The character drawn in ink 1.0 on 0.0, centred on a _CANVAS x _CANVAS float canvas."""
    canvas = Image.new("L", (_CANVAS, _CANVAS), 0)
    offset = (_CANVAS - GLYPH_SIZE) // 2
    ImageDraw.Draw(canvas).text((offset, offset), character, fill=255, font=_font(font_path),
                                stroke_width=max(0, stroke), stroke_fill=255)
    if stroke < 0:
        canvas = canvas.filter(ImageFilter.MinFilter(3))
    return np.asarray(canvas, np.float32) / 255.0


def _warp(image: np.ndarray, rng: np.random.Generator, slant: float) -> np.ndarray:
    """A random affine map (rotation +-8 deg, shear, scale 0.8-1.15 per axis) composed with an
    elastic displacement field (smooth noise, up to 1-3 px), sampled bilinearly."""
    angle = np.deg2rad(rng.uniform(-8.0, 8.0))
    shear = slant + rng.uniform(-0.12, 0.12)
    scale_x, scale_y = rng.uniform(0.8, 1.15, size=2)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    forward = rotation @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([scale_x, scale_y])
    inverse = np.linalg.inv(forward)
    centre = (_CANVAS - 1) / 2.0
    y, x = _CENTRED_GRID
    source_x = inverse[0, 0] * x + inverse[0, 1] * y + centre
    source_y = inverse[1, 0] * x + inverse[1, 1] * y + centre
    strength = rng.uniform(1.0, 3.0)
    for coordinate in (source_x, source_y):
        coarse = ndimage.gaussian_filter(rng.standard_normal((_FIELD, _FIELD)).astype(np.float32), 1.0)
        field = np.asarray(Image.fromarray(coarse, "F").resize((_CANVAS, _CANVAS), Image.Resampling.BILINEAR))
        coordinate += field / (np.abs(field).max() + 1e-6) * strength
    return ndimage.map_coordinates(image, [source_y, source_x], order=1, mode="constant", cval=0.0)


def render_character(character: str, style: WriterStyle, rng: np.random.Generator) -> np.ndarray:
    """One handwriting-like sample of `character` as a HWDB bitmap: (H, W) uint8, white (255)
    background, dark ink, cropped to the ink with a 1-4 px margin (so H and W vary)."""
    stroke = style.weight + int(rng.integers(-1, 2))
    ink = _warp(_glyph(character, style.font, stroke), rng, style.slant)
    rows, cols = np.nonzero(ink > 0.05)
    if rows.size == 0:
        raise FontError(f"{style.font} draws nothing for {character!r}. {FONT_HELP}")
    margin = int(rng.integers(1, 5))
    top, bottom = max(0, rows.min() - margin), min(_CANVAS, rows.max() + 1 + margin)
    left, right = max(0, cols.min() - margin), min(_CANVAS, cols.max() + 1 + margin)
    ink = np.clip(ink[top:bottom, left:right], 0.0, 1.0)
    return np.round(255.0 - ink * (255.0 - style.ink)).astype(np.uint8)


def writer_file_name(writer: int) -> str:
    """HWDB's naming of one writer's file: 001-f.gnt, 002-f.gnt, ..."""
    return f"{writer + 1:03d}-f.gnt"


def samples_per_writer(per_class: int, writers: int, writer: int) -> int:
    """How many samples of each class writer `writer` holds: per_class split as evenly as possible."""
    return per_class // writers + (1 if writer < per_class % writers else 0)


def writer_samples(codes: Sequence[bytes], repeats: int, writer: int, seed: int,
                   fonts: Sequence[str]) -> Iterator[Tuple[bytes, np.ndarray]]:
    """(GB code, bitmap) for `repeats` samples of every code, in code order, by one writer."""
    rng = np.random.default_rng([seed, writer])
    style = WriterStyle.draw(rng, fonts)
    for code in codes:
        character = decode_tag(code)
        for _ in range(repeats):
            yield code, render_character(character, style, rng)


def write_writer(out: str, writer: int, *, codes: Sequence[bytes], per_class: int, writers: int, seed: int,
                 fonts: Sequence[str]) -> Tuple[str, int, int]:
    """Renders one writer's `.gnt` file under `out` (temporary name, then rename): (path, records, bytes)."""
    repeats = samples_per_writer(per_class, writers, writer)
    path = hwdb.write_gnt(os.path.join(out, writer_file_name(writer)),
                          writer_samples(codes, repeats, writer, seed, fonts))
    return path, repeats * len(codes), os.path.getsize(path)
