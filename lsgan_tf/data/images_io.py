"""Decoding and square-resizing of photographs (Pillow: WebP, JPEG, PNG) shared by the LSUN,
cat and image-folder readers."""

from __future__ import annotations

import glob
import io
import os
from typing import List

import numpy as np
from PIL import Image, UnidentifiedImageError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


class ImageDecodeError(ValueError):
    """Bytes that Pillow cannot decode; the message says where they came from."""


def decode_image(data: bytes, source: str, mode: str = "RGB") -> Image.Image:
    """Decodes image bytes (any format Pillow reads, WebP included) and converts to `mode`.
    A header that declares more than Pillow's decompression-bomb bound (PIL.Image.MAX_IMAGE_PIXELS)
    is refused before the pixels are decoded."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > Image.MAX_IMAGE_PIXELS:
            raise ValueError(f"declares {image.width} x {image.height} pixels, over the decompression-bomb "
                             f"bound of {Image.MAX_IMAGE_PIXELS}")
        image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise ImageDecodeError(f"{source}: cannot decode image ({error})") from None
    return image.convert(mode)


def square_resize(image: Image.Image, size: int, crop: bool = True) -> np.ndarray:
    """Centre-crops to a square (or, crop=False, stretches as the authors' code) and resizes."""
    if crop:
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        image = image.crop((left, top, left + side, top + side))
    if image.size != (size, size):
        image = image.resize((size, size), Image.Resampling.BICUBIC if crop else Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.uint8)


def list_images(folder: str) -> List[str]:
    """Image files under a folder, recursively, sorted."""
    return sorted(
        path for path in glob.glob(os.path.join(folder, "**", "*"), recursive=True)
        if path.lower().endswith(IMAGE_EXTENSIONS)
    )


def read_bytes(path: str) -> bytes:
    """The whole content of a file."""
    with open(path, "rb") as handle:
        return handle.read()
