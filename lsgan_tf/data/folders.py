"""Image folders: `<root>/<class>/*.png|jpg` (labelled by sorted class-folder name) or any
tree of images (unlabelled). Covers the authors' digit files, MNIST-style exports and user data."""

from __future__ import annotations

import os
from typing import Iterator, List, Optional, Tuple

import tensorflow as tf
from PIL import Image

from lsgan_tf.data.corrupt import CorruptRecords
from lsgan_tf.data.images_io import IMAGE_EXTENSIONS, list_images
from lsgan_tf.utils.tf_errors import op_error_text

TF_DECODABLE = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_SIZE_END = 24  # signature (8), IHDR length and type (8), width and height (2 x 4, big-endian)


def class_folders(root: str) -> List[str]:
    """The sorted names of the sub-folders of `root` that hold images."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f"{root} is not a folder of images.")
    return sorted(
        name for name in os.listdir(root)
        if os.path.isdir(os.path.join(root, name)) and list_images(os.path.join(root, name))
    )


def is_class_root(root: str) -> bool:
    """Whether `root` is a `<class>/<image>` root: class folders with their images directly inside,
    not a folder of such roots (like the authors' data/ with times.shift and times.shift.rotate)."""
    if not os.path.isdir(root):
        return False
    classes = class_folders(root)
    return bool(classes) and all(
        any(name.lower().endswith(IMAGE_EXTENSIONS) for name in os.listdir(os.path.join(root, label)))
        for label in classes
    )


def list_labelled(root: str) -> Tuple[List[str], List[int], List[str]]:
    """(paths, labels, class names) of `<root>/<class>/*` with labels = sorted class index."""
    classes = class_folders(root)
    paths: List[str] = []
    labels: List[int] = []
    for label, name in enumerate(classes):
        files = list_images(os.path.join(root, name))
        paths += files
        labels += [label] * len(files)
    return paths, labels, classes


def resize_uint8(image, height: int, width: int, crop: bool = True):
    """A uint8 image fitted to height x width: centre-cropped to a square first when `crop` (the
    policy for photographs everywhere: data_prep/lsun.py and cats crop too; crop=False stretches,
    as the authors' LSUN code), then resized with antialiasing and rounded back to uint8."""
    if crop:
        side = tf.minimum(tf.shape(image)[0], tf.shape(image)[1])
        image = tf.image.resize_with_crop_or_pad(image, side, side)
    resized = tf.image.resize(image, (height, width), antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)


def declared_pixels(data) -> tf.Tensor:
    """width x height as a PNG or JPEG header declares it (int64; 0 for other formats), read
    without decoding the image."""
    def png_pixels():
        size = tf.cast(tf.io.decode_raw(tf.strings.substr(data, 16, 8), tf.uint8), tf.int64)
        place = tf.constant([1 << 24, 1 << 16, 1 << 8, 1], tf.int64)
        return tf.reduce_sum(size[:4] * place) * tf.reduce_sum(size[4:] * place)

    def jpeg_pixels():
        shape = tf.cast(tf.image.extract_jpeg_shape(data), tf.int64)
        return shape[0] * shape[1]

    is_png = tf.logical_and(tf.strings.length(data) >= PNG_SIZE_END,
                            tf.equal(tf.strings.substr(data, 0, len(PNG_SIGNATURE)), PNG_SIGNATURE))
    return tf.case([(is_png, png_pixels), (tf.io.is_jpeg(data), jpeg_pixels)],
                   default=lambda: tf.constant(0, tf.int64))


def decode_checked(data, channels: int, source) -> tf.Tensor:
    """tf.io.decode_image of one file's bytes, refusing a decompression bomb first: a header that
    declares more pixels than Pillow's bound (PIL.Image.MAX_IMAGE_PIXELS) fails, naming `source`,
    before anything is allocated."""
    pixels = declared_pixels(data)
    check = tf.debugging.Assert(
        pixels <= Image.MAX_IMAGE_PIXELS,
        [source, "declares", pixels, f"pixels, over the decompression-bomb bound of {Image.MAX_IMAGE_PIXELS}"],
    )
    with tf.control_dependencies([check]):
        return tf.io.decode_image(data, channels=channels, expand_animations=False)


def undecodable_files(paths: List[str], channels: int) -> Iterator[Tuple[str, str]]:
    """(path, '<path>: cannot decode image (...)') for each file the training decoder rejects, in order."""
    decode = tf.function(lambda data, path: tf.shape(decode_checked(data, channels, path)),
                         input_signature=[tf.TensorSpec([], tf.string)] * 2)
    for path in paths:
        try:
            decode(tf.io.read_file(path), path)
        except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError) as error:
            yield path, f"{path}: cannot decode image ({op_error_text(error)})"


def folder_dataset(
    root: str,
    image_shape: Tuple[int, int, int],
    labelled: bool = False,
    seed: Optional[int] = None,
    corrupt: Optional[CorruptRecords] = None,
    crop: bool = True,
) -> tf.data.Dataset:
    """(uint8 image,) or (uint8 image, label) elements fitted to `image_shape` (`resize_uint8`:
    centre-cropped unless crop=False), in a seeded shuffled file order, decoded in parallel by
    tf.io (PNG, JPEG, BMP, GIF).

    `corrupt` says what to do with files the decoder rejects: with `skip`, they are found before
    training and left out (and listed in `corrupt.skipped`); otherwise `corrupt.locate` finds the
    file behind a decode failure."""
    if labelled:
        paths, labels, _ = list_labelled(root)
    else:
        paths, labels = list_images(root), None
    undecodable = [path for path in paths if not path.lower().endswith(TF_DECODABLE)]
    if undecodable:
        raise ValueError(
            f"{undecodable[0]}: tf.io cannot decode this format; convert the folder with "
            f"data_prep/lsun.py (Pillow reads WebP) first."
        )
    if not paths:
        raise FileNotFoundError(f"No images under {root}.")
    height, width, channels = image_shape
    if corrupt is not None and corrupt.skip:
        found = dict(undecodable_files(paths, channels))
        corrupt.skipped += found.values()
        keep = [i for i, path in enumerate(paths) if path not in found]
        paths, labels = [paths[i] for i in keep], labels and [labels[i] for i in keep]
        if not paths:
            raise FileNotFoundError(f"No decodable images under {root}.")
    elif corrupt is not None:
        corrupt.locate = lambda: next((problem for _, problem in undecodable_files(paths, channels)), None)

    def load(path):
        image = decode_checked(tf.io.read_file(path), channels, path)
        same_size = tf.logical_and(tf.shape(image)[0] == height, tf.shape(image)[1] == width)
        image = tf.cond(same_size, lambda: image, lambda: resize_uint8(image, height, width, crop))
        image.set_shape([height, width, channels])
        return image

    files = tf.data.Dataset.from_tensor_slices(paths if labels is None else (paths, labels))
    files = files.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
    if labels is None:
        return files.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=seed is not None)
    return files.map(lambda path, label: (load(path), label), num_parallel_calls=tf.data.AUTOTUNE,
                     deterministic=seed is not None)
