"""Image folders: `<root>/<class>/*.png|jpg` (labelled by sorted class-folder name) or any
tree of images (unlabelled). Covers the authors' digit files, MNIST-style exports and user data."""

from __future__ import annotations

import os
from typing import List, Optional, Tuple

import tensorflow as tf

from lsgan_tf.data.images_io import IMAGE_EXTENSIONS, list_images

TF_DECODABLE = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


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


def resize_uint8(image, height: int, width: int):
    """Antialiased resize of a uint8 image, rounded back to uint8."""
    resized = tf.image.resize(image, (height, width), antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)


def folder_dataset(
    root: str,
    image_shape: Tuple[int, int, int],
    labelled: bool = False,
    seed: Optional[int] = None,
) -> tf.data.Dataset:
    """(uint8 image,) or (uint8 image, label) elements resized to `image_shape`, in a seeded
    shuffled file order, decoded in parallel by tf.io (PNG, JPEG, BMP, GIF)."""
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

    def load(path):
        image = tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
        same_size = tf.logical_and(tf.shape(image)[0] == height, tf.shape(image)[1] == width)
        image = tf.cond(same_size, lambda: image, lambda: resize_uint8(image, height, width))
        image.set_shape([height, width, channels])
        return image

    files = tf.data.Dataset.from_tensor_slices(paths if labels is None else (paths, labels))
    files = files.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
    if labels is None:
        return files.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=seed is not None)
    return files.map(lambda path, label: (load(path), label), num_parallel_calls=tf.data.AUTOTUNE,
                     deterministic=seed is not None)
