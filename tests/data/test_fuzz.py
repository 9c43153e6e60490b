"""Hostile input for the readers: the .gnt parser (random bytes, a header claiming 65535 x 65535,
a file cut at every byte offset), the image decoder behind the LSUN LMDB and cat readers, and the
image-folder reader (random bytes, cut and bit-flipped PNG/JPEG/WebP, decompression bombs).

Every input either reads or ends in the reader's own error naming the file and the byte offset or
record key; none raises anything else, and none allocates more than its file holds. The counts of
inputs tried are in docs/RELIABILITY.md."""

import tracemalloc

import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf.data import folders, hwdb, lsun
from lsgan_tf.data.corrupt import CorruptRecords
from lsgan_tf.data.images_io import ImageDecodeError, decode_image
from tests.fixtures import LEVEL1, character_bitmap, encode, gnt_record, write_lmdb
from tests.png_bomb import bomb_png

RANDOM_GNT_FILES = 300
RANDOM_IMAGES = 300
MUTATED_IMAGES = 300
FOLDER_FILES = 120


def parse_all(path):
    """(records read, the GntFormatError or None)."""
    count = 0
    try:
        for _ in hwdb.iter_gnt(path):
            count += 1
    except hwdb.GntFormatError as error:
        return count, error
    return count, None


def test_gnt_random_bytes(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(RANDOM_GNT_FILES):
        path = str(tmp_path / f"{i}.gnt")
        data = rng.integers(0, 256, int(rng.integers(0, 3000)), np.uint8).tobytes()
        open(path, "wb").write(data)
        count, error = parse_all(path)
        if data:  # random bytes never chain into whole records; an empty file is zero records
            assert error.path == path and 0 <= error.offset < len(data) and path in str(error)
        else:
            assert (count, error) == (0, None)


@pytest.mark.parametrize("width,height", [(65535, 65535), (65535, 1), (1, 65535)])
def test_gnt_header_claiming_a_huge_bitmap_allocates_nothing(tmp_path, width, height):
    """The size field agrees with the claimed width x height (10 + 65535^2 fits in uint32), so
    only the check against the file's size stops it."""
    path = str(tmp_path / "huge.gnt")
    header = hwdb.HEADER.pack(10 + width * height, LEVEL1["中"], width, height)
    open(path, "wb").write(header + bytes(100))
    tracemalloc.start()
    count, error = parse_all(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 0 and error.offset == 0 and "runs past the end of the file" in str(error)
    assert peak < 1 << 20


def test_gnt_cut_at_every_byte_offset(tmp_path):
    records = [gnt_record(code, character_bitmap(i, 20 + i, 15 + 2 * i)) for i, code in enumerate(LEVEL1.values())]
    data = b"".join(records)
    starts = np.cumsum([0] + [len(record) for record in records])
    path = str(tmp_path / "cut.gnt")
    for cut in range(len(data) + 1):
        open(path, "wb").write(data[:cut])
        count, error = parse_all(path)
        whole = int(np.searchsorted(starts, cut, side="right")) - 1  # records wholly inside the cut
        assert count == whole
        if cut == starts[whole]:
            assert error is None
        else:
            assert error.offset == starts[whole] and error.path == path, (cut, str(error))
    assert len(data) + 1 == 1599  # the number of files tried, for RELIABILITY.md


def valid_encodings():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (40, 48, 3), np.uint8)
    return [encode(image, fmt) for fmt in ("PNG", "JPEG", "WEBP")]


def mutations(rng, count):
    """Cut and bit-flipped copies of valid PNG, JPEG and WebP files."""
    sources = valid_encodings()
    for i in range(count):
        data = bytearray(sources[i % len(sources)])
        if i % 2:
            del data[int(rng.integers(1, len(data))):]
        else:
            for position in rng.integers(0, len(data), int(rng.integers(1, 8))):
                data[position] ^= 1 << int(rng.integers(0, 8))
        yield bytes(data)


def decode_or_named_error(data, source):
    try:
        return np.asarray(decode_image(data, source))
    except ImageDecodeError as error:
        assert str(error).startswith(f"{source}: cannot decode image")
        return None


def test_image_decoder_random_and_mutated_bytes():
    rng = np.random.default_rng(2)
    random_inputs = (rng.integers(0, 256, int(rng.integers(0, 2000)), np.uint8).tobytes() for _ in range(RANDOM_IMAGES))
    refused = sum(decode_or_named_error(data, f"key{i}") is None for i, data in enumerate(random_inputs))
    assert refused == RANDOM_IMAGES
    decoded = [decode_or_named_error(data, f"key{i}") for i, data in enumerate(mutations(rng, MUTATED_IMAGES))]
    assert all(image is None or image.shape == (40, 48, 3) for image in decoded)
    assert 0 < sum(image is None for image in decoded) < MUTATED_IMAGES


@pytest.mark.parametrize("side", [9_500, 14_000])  # 90.3 M pixels (Pillow warns only), 196 M (Pillow refuses)
def test_image_decoder_refuses_decompression_bombs(side):
    with pytest.raises(ImageDecodeError, match=r"key: cannot decode image \(.*decompression.bomb"):
        decode_image(bomb_png(side, side), "key")


def test_lmdb_reader_names_the_key_of_a_bomb_and_skips_it(tmp_path):
    good = encode(np.zeros((64, 64, 3), np.uint8), "WEBP")
    write_lmdb(str(tmp_path / "db"), [("a" * 40, good), ("b" * 40, bomb_png(10_000, 10_000)), ("c" * 40, good)])
    with pytest.raises(ImageDecodeError, match=f"record key {'b' * 40}: cannot decode image"):
        list(lsun.iter_images(str(tmp_path / "db"), 32))
    skipped = []
    assert len(list(lsun.iter_images(str(tmp_path / "db"), 32, skip_corrupt=True, errors=skipped))) == 2
    assert len(skipped) == 1 and "b" * 40 in skipped[0]


@pytest.mark.slow
def test_image_folder_reader_on_hostile_files(tmp_path):
    """The training decoder (in-graph) either reads each file or the scan names it; after the
    named files are left out, tf.data reads every remaining one."""
    rng = np.random.default_rng(3)
    root = tmp_path / "folder" / "0"
    root.mkdir(parents=True)
    inputs = [rng.integers(0, 256, int(rng.integers(0, 500)), np.uint8).tobytes() for _ in range(FOLDER_FILES // 3)]
    inputs += list(mutations(rng, FOLDER_FILES - len(inputs) - 2))
    inputs += [bomb_png(10_000, 10_000), bomb_png(30_000, 4_000)]
    suffix = {b"\x89P": ".png", b"\xff\xd8": ".jpg"}
    paths = []
    for i, data in enumerate(inputs):
        paths.append(str(root / f"{i:03d}{suffix.get(data[:2], '.png')}"))
        open(paths[-1], "wb").write(data)
    named = dict(folders.undecodable_files(paths, 3))
    assert all(message.startswith(f"{path}: cannot decode image") for path, message in named.items())
    assert paths[-2] in named and paths[-1] in named and "decompression-bomb" in named[paths[-1]]
    readable = [path for path in paths if path not in named]
    assert len(readable) > 0 and len(named) > FOLDER_FILES // 3
    corrupt = CorruptRecords(skip=True)
    dataset = folders.folder_dataset(str(tmp_path / "folder"), (28, 28, 3), seed=0, corrupt=corrupt)
    assert sum(1 for _ in dataset) == len(readable) and sorted(corrupt.skipped) == sorted(named.values())
    located = CorruptRecords()
    failing = folders.folder_dataset(str(tmp_path / "folder"), (28, 28, 3), seed=0, corrupt=located)
    with pytest.raises(tf.errors.InvalidArgumentError):
        for _ in failing:
            pass
    assert located.explain().startswith(named[min(named)])
