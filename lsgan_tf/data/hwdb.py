"""HWDB1.0 (CASIA) handwritten characters: a streaming `.gnt` parser and the 28x28 preprocessing
(the class table of the GB2312 characters: lsgan_tf/data/classes.py).

A `.gnt` file holds one writer's samples as consecutive records: uint32 LE total record size
(= 10 + W*H), 2-byte GB tag code (first byte first), uint16 LE width, uint16 LE height, then
W*H uint8 pixels row-major on a white (255) background.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import struct
from collections import Counter
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from lsgan_tf.data.classes import ClassTable, decode_tag
from lsgan_tf.utils.atomic import atomic_path

HEADER = struct.Struct("<I2sHH")
IMAGE_SIZE = 28


class GntFormatError(ValueError):
    """A record that cannot be read; the message names the file and the byte offset."""

    def __init__(self, path: str, offset: int, problem: str):
        super().__init__(
            f"{path}: byte offset {offset}: {problem}. The file is truncated or not a HWDB .gnt file; "
            f"re-copy it, or pass --skip_corrupt to skip the rest of this file and continue."
        )
        self.path, self.offset = path, offset


@dataclasses.dataclass(frozen=True)
class GntRecord:
    """One sample: its GB tag code (2 bytes), the character, and the (H, W) uint8 bitmap."""

    code: bytes
    character: str
    bitmap: np.ndarray
    path: str
    offset: int


def iter_gnt(path: str, read_pixels: bool = True) -> Iterator[GntRecord]:
    """Streams the records of one `.gnt` file, never holding more than one sample.

    With read_pixels=False the bitmaps are skipped with a seek (a fast header scan); the
    `bitmap` field is then empty. Raises GntFormatError on a truncated or inconsistent record.
    """
    file_size = os.path.getsize(path)
    with open(path, "rb") as handle:
        offset = 0
        while offset < file_size:
            header = handle.read(HEADER.size)
            if len(header) < HEADER.size:
                raise GntFormatError(path, offset, f"truncated header ({len(header)} of {HEADER.size} bytes)")
            size, code, width, height = HEADER.unpack(header)
            if size != HEADER.size + width * height or width == 0 or height == 0:
                raise GntFormatError(
                    path, offset, f"record size {size} does not match 10 + width {width} x height {height}"
                )
            if offset + size > file_size:
                raise GntFormatError(path, offset, f"record of {size} bytes runs past the end of the file ({file_size} "
                                                   f"bytes)")
            try:
                character = decode_tag(code)
            except UnicodeDecodeError:
                raise GntFormatError(path, offset, f"tag code {code.hex()} is not GB2312/GBK") from None
            if read_pixels:
                bitmap = np.frombuffer(handle.read(width * height), np.uint8).reshape(height, width)
            else:
                handle.seek(width * height, os.SEEK_CUR)
                bitmap = np.zeros((0, 0), np.uint8)
            yield GntRecord(code, character, bitmap, path, offset)
            offset += size


def encode_record(code: bytes, bitmap: np.ndarray) -> bytes:
    """One `.gnt` record: size, 2-byte GB tag code, width, height, then the (H, W) uint8 pixels."""
    height, width = bitmap.shape
    return HEADER.pack(HEADER.size + width * height, code, width, height) + np.asarray(bitmap, np.uint8).tobytes()


def write_gnt(path: str, samples: Iterable[Tuple[bytes, np.ndarray]]) -> str:
    """Writes (GB code, bitmap on white) samples as one writer's `.gnt` file, streaming, under a
    temporary name renamed into place when complete."""
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        for code, bitmap in samples:
            handle.write(encode_record(code, bitmap))
    return path


def find_gnt_files(source: str) -> List[str]:
    """Every `.gnt` file under a folder (recursively), sorted; an error when there is none."""
    if not os.path.isdir(source):
        raise FileNotFoundError(f"{source} is not a folder of HWDB1.0 .gnt files.")
    files = sorted(glob.glob(os.path.join(source, "**", "*.gnt"), recursive=True))
    if not files:
        raise FileNotFoundError(
            f"No .gnt files under {source}. Download HWDB1.0 (HWDB1.0trn_gnt.zip, HWDB1.0tst_gnt.zip) "
            f"from the CASIA handwriting databases and unzip them there."
        )
    return files


_HEADER_SCANS: Dict[Tuple[str, int, int], Tuple[Counter, Optional[GntFormatError]]] = {}


def _scan_headers(path: str) -> Tuple[Counter, Optional[GntFormatError]]:
    """(samples per tag code, the first fault or None) of one file, from its record headers;
    kept per process for the file's (path, size, modification time), so that the class table
    and the reader's fault check of one start read a file's headers once."""
    status = os.stat(path)
    key = (os.path.abspath(path), status.st_size, status.st_mtime_ns)
    if key not in _HEADER_SCANS:
        counts: Counter = Counter()
        try:
            for record in iter_gnt(path, read_pixels=False):
                counts[record.code] += 1
            _HEADER_SCANS[key] = (counts, None)
        except GntFormatError as error:
            _HEADER_SCANS[key] = (counts, error)
    return _HEADER_SCANS[key]


def count_classes(files: Sequence[str], skip_corrupt: bool = False,
                  errors: Optional[List[str]] = None) -> Dict[bytes, int]:
    """Samples per tag code over all files (a header-only scan; with `skip_corrupt`, a file's
    records up to its first fault, which is appended to `errors`)."""
    counts: Counter = Counter()
    for path in files:
        file_counts, error = _scan_headers(path)
        if error is not None and not skip_corrupt:
            raise error
        counts.update(file_counts)
        if error is not None and errors is not None:
            errors.append(str(error))
    return dict(counts)


def preprocess(bitmap: np.ndarray, size: int = IMAGE_SIZE, keep_aspect: bool = True, invert: bool = True) -> np.ndarray:
    """A (H, W) bitmap on white -> (size, size) uint8.

    invert=True makes ink bright on a dark background (the training default); keep_aspect=True
    scales the longer side to `size` and pads the other centred with background, instead of
    the authors' stretch to size x size.
    """
    image = 255 - bitmap if invert else bitmap
    background = 0 if invert else 255
    if not keep_aspect:
        return np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.BILINEAR))
    height, width = image.shape
    scale = size / max(height, width)
    new_height, new_width = max(1, round(height * scale)), max(1, round(width * scale))
    resized = Image.fromarray(image).resize((new_width, new_height), Image.Resampling.BILINEAR)
    canvas = Image.new("L", (size, size), background)
    canvas.paste(resized, ((size - new_width) // 2, (size - new_height) // 2))
    return np.asarray(canvas)


def iter_samples(
    files: Iterable[str],
    table: ClassTable,
    *,
    keep_aspect: bool = True,
    invert: bool = True,
    skip_corrupt: bool = False,
    errors: Optional[List[str]] = None,
) -> Iterator[Tuple[np.ndarray, int]]:
    """(28x28 uint8 image, class index) for every sample whose class is in the table."""
    index = table.index()
    for path in files:
        try:
            for record in iter_gnt(path):
                label = index.get(record.code)
                if label is not None:
                    yield preprocess(record.bitmap, keep_aspect=keep_aspect, invert=invert), label
        except GntFormatError as error:
            if not skip_corrupt:
                raise
            if errors is not None:
                errors.append(str(error))
