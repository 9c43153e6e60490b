"""The cat dataset (Zhang et al.): face alignment from the `.cat` landmark files.

Each `X.jpg` has `X.jpg.cat`: `9 x0 y0 ... x8 y8` = left eye, right eye, mouth, left ear
(3 points), right ear (3 points). The crop follows the preprocessing the TPAMI paper used
(AlexiaJM/Deep-learning-with-cats, after Joseph Howse): rotate about the eye centre so the
eyes are level (grey fill), face width = horizontal distance between the first left-ear point
and the last right-ear point, a square whose eye centre sits at (0.5, 0.4), clamped to the
image; keep crops at least `min_size` on both sides.
"""

from __future__ import annotations

import dataclasses
import math
import os
from typing import Iterator, List, Optional, Tuple

import numpy as np
from PIL import Image

from lsgan_tf.data.images_io import ImageDecodeError, decode_image, list_images, read_bytes

NUM_POINTS = 9
FILL_GREY = (128, 128, 128)


class CatAnnotationError(ValueError):
    """A missing or malformed `.cat` file; the message names it and says what to do."""


def parse_cat_file(path: str) -> np.ndarray:
    """The 9 (x, y) landmarks of a `.cat` file as a (9, 2) float array."""
    if not os.path.exists(path):
        raise CatAnnotationError(f"{path}: landmark file not found (every X.jpg needs X.jpg.cat beside it).")
    with open(path) as handle:
        fields = handle.read().split()
    try:
        values = [float(field) for field in fields]
    except ValueError:
        raise CatAnnotationError(f"{path}: landmark file holds non-numbers.") from None
    if not values or int(values[0]) != NUM_POINTS or len(values) != 1 + 2 * NUM_POINTS:
        raise CatAnnotationError(
            f"{path}: expected '9' followed by 18 coordinates, found {len(values)} numbers "
            f"starting with {fields[:1]}."
        )
    return np.asarray(values[1:], np.float64).reshape(NUM_POINTS, 2)


@dataclasses.dataclass(frozen=True)
class FaceAlignment:
    """The rotation (degrees, counter-clockwise on screen) about `center`, and the crop box
    (left, top, right, bottom) in the rotated image, already clamped to it."""

    angle_degrees: float
    center: Tuple[float, float]
    box: Tuple[int, int, int, int]


def rotate_points(points: np.ndarray, center: np.ndarray, angle_radians: float) -> np.ndarray:
    """Where points land when the image turns by `angle` counter-clockwise (y axis down)."""
    cos, sin = math.cos(angle_radians), math.sin(angle_radians)
    rotation = np.array([[cos, sin], [-sin, cos]])
    return (points - center) @ rotation.T + center


def align(points: np.ndarray, image_size: Tuple[int, int]) -> FaceAlignment:
    """The level-eyes rotation and face crop of one annotated image of (width, height)."""
    left_eye, right_eye, mouth = points[0].copy(), points[1].copy(), points[2]
    if left_eye[0] > right_eye[0] and left_eye[1] < right_eye[1] and mouth[0] > right_eye[0]:
        left_eye, right_eye = right_eye, left_eye  # upside-down labelling, as the original script fixes
    center = (left_eye + right_eye) / 2.0
    delta = right_eye - left_eye
    angle = math.atan2(delta[1], delta[0])
    rotated = rotate_points(points, center, angle)
    width = abs(rotated[8][0] - rotated[3][0])
    height = width
    min_x = center[0] - width / 2.0
    if min_x < 0:
        width += min_x
        min_x = 0.0
    min_y = center[1] - height * 2.0 / 5.0
    if min_y < 0:
        height += min_y
        min_y = 0.0
    image_width, image_height = image_size
    box = (
        int(min_x), int(min_y),
        min(int(min_x + width), image_width), min(int(min_y + height), image_height),
    )
    return FaceAlignment(math.degrees(angle), (float(center[0]), float(center[1])), box)


def crop_face(image: Image.Image, points: np.ndarray, size: int = 128, min_size: int = 128) -> Optional[np.ndarray]:
    """The aligned face resized to size x size uint8 RGB, or None when the crop is too small."""
    alignment = align(points, image.size)
    straight = image.rotate(
        alignment.angle_degrees, resample=Image.Resampling.BICUBIC, center=alignment.center, fillcolor=FILL_GREY
    )
    left, top, right, bottom = alignment.box
    if right - left < min_size or bottom - top < min_size:
        return None
    face = straight.crop(alignment.box)
    return np.asarray(face.resize((size, size), Image.Resampling.BICUBIC), np.uint8)


def iter_faces(
    source: str,
    size: int = 128,
    min_size: int = 128,
    skip_corrupt: bool = False,
    errors: Optional[List[str]] = None,
) -> Iterator[Tuple[str, Optional[np.ndarray]]]:
    """(image path, face or None if too small) for every .jpg under `source` (CAT_00..CAT_06)."""
    images = [path for path in list_images(source) if path.lower().endswith((".jpg", ".jpeg"))]
    if not images:
        raise FileNotFoundError(
            f"No .jpg images under {source}. Unpack the cat dataset (CAT_00 ... CAT_06 folders) there."
        )
    for path in images:
        try:
            points = parse_cat_file(path + ".cat")
            image = decode_image(read_bytes(path), path)
        except (CatAnnotationError, ImageDecodeError) as error:
            if not skip_corrupt:
                raise type(error)(f"{error} Pass --skip_corrupt to skip such images.") from None
            if errors is not None:
                errors.append(str(error))
            continue
        yield path, crop_face(image, points, size, min_size)
