"""LSUN scene categories: one LMDB per category/split, keys are 40-hex ids, values WebP bytes."""

from __future__ import annotations

import os
from typing import Iterator, List, Optional, Tuple

import lmdb
import numpy as np

from lsgan_tf.data.images_io import ImageDecodeError, decode_image, list_images, read_bytes, square_resize


def open_lmdb(path: str) -> lmdb.Environment:
    """Opens an LSUN LMDB read-only (no lock file written beside the data)."""
    if not os.path.exists(os.path.join(path, "data.mdb")):
        raise FileNotFoundError(
            f"{path} is not an LSUN LMDB folder (no data.mdb). Download a category, e.g. "
            f"bedroom_train_lmdb.zip, from the LSUN site and unzip it."
        )
    return lmdb.open(path, readonly=True, lock=False, readahead=False, max_readers=64)


def count_entries(path: str) -> int:
    """Number of records in an LSUN LMDB."""
    with open_lmdb(path) as env:
        return env.stat()["entries"]


def iter_lmdb(path: str) -> Iterator[Tuple[str, bytes]]:
    """(key, encoded image bytes) in key order."""
    with open_lmdb(path) as env, env.begin(write=False) as transaction:
        for key, value in transaction.cursor():
            yield key.decode("ascii", errors="replace"), bytes(value)


def iter_images(
    source: str,
    size: int,
    crop: bool = True,
    skip_corrupt: bool = False,
    errors: Optional[List[str]] = None,
) -> Iterator[np.ndarray]:
    """size x size x 3 uint8 images from an LSUN LMDB or a folder of exported images."""
    if os.path.isdir(source) and not os.path.exists(os.path.join(source, "data.mdb")):
        items = ((path, read_bytes(path)) for path in list_images(source))
        describe = lambda name: name
    else:
        items = iter_lmdb(source)
        describe = lambda key: f"{source}: record key {key}"
    for name, data in items:
        try:
            image = decode_image(data, describe(name))
        except ImageDecodeError as error:
            if not skip_corrupt:
                raise ImageDecodeError(f"{error}. Pass --skip_corrupt to skip such records.") from None
            if errors is not None:
                errors.append(str(error))
            continue
        yield square_resize(image, size, crop)


def count_source(source: str) -> int:
    """How many records an LMDB or image folder holds (for the progress bar)."""
    if os.path.isdir(source) and not os.path.exists(os.path.join(source, "data.mdb")):
        return len(list_images(source))
    return count_entries(source)
