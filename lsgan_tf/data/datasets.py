"""`make_dataset`: the training input of a preset, by the reader its registry record names
(`READERS`, or a function of its own), from whatever real source `--data_dir` holds.

- rendered_digits (digits, digits_rotate): none, rendered on the fly; or a folder
  `<digit>/<i>.png` (the authors' files, data_prep/digits.py).
- images (mnist, cifar10, cats): a prepared folder (data_prep/cats.py) or a folder of images
  (`<class>/*.png` for labels); mnist and cifar10 without one are downloaded by TFDS.
- characters (hwdb): a prepared folder (data_prep/hwdb.py) or a folder of raw .gnt files.
- lmdb_or_images (lsun, lsun64): a prepared folder (data_prep/lsun.py), an image folder or an LMDB.
- gaussian_ring (mixture): none, sampled in-graph.
- any reader, with --dataset=tfds:NAME: a TFDS data directory (default: TFDS's own,
  ~/tensorflow_datasets); NAME is downloaded into it when TFDS can.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
from typing import Callable, Dict, Iterator, Optional

import numpy as np
import tensorflow as tf

from lsgan_tf.data import classes, digits_render, folders, hwdb, lsun, pipeline, records
from lsgan_tf.data.corrupt import CorruptRecords
from lsgan_tf.data.images_io import ImageDecodeError
from lsgan_tf.data.mixture import mixture_dataset
from lsgan_tf.errors import DataError
from lsgan_tf.presets import CHARACTERS, MADE_HERE, Preset, get, preset_for_tfds, tfds_base_name
from lsgan_tf.utils.network import unreachable_reason

SHUFFLE_BUFFER = 20_000
# TFDS builders that TFDS cannot download (their files need a manual download into manual_dir).
MANUAL_TFDS = {
    "hwdb1": "put the HWDB1.0 .gnt files into a manual_dir, or train --dataset=hwdb --data_dir=DIR_OF_GNT_FILES",
    "small_variability_digits": ("put small_variability_digits_official.tar.gz into a manual_dir, or train "
                                 "--dataset=digits with the authors' folder as --data_dir (data_prep/digits.py)"),
}


def check_data(preset: Preset, data_dir: Optional[str], tfds_name: Optional[str] = None) -> None:
    """Fails fast, before any work, when a dataset needs a --data_dir that is missing (for a TFDS
    source: when TFDS cannot download it and no data directory is given)."""
    if tfds_name:
        base = tfds_base_name(tfds_name)
        if base in MANUAL_TFDS and (data_dir is None or not os.path.isdir(data_dir)):
            raise DataError(
                f"TFDS cannot download {tfds_name}: {MANUAL_TFDS[base]}, then prepare it with "
                f"tfds.builder({tfds_name!r}, data_dir=DIR).download_and_prepare(download_config="
                f"tfds.download.DownloadConfig(manual_dir=...)) and pass --data_dir=DIR."
            )
        return
    if preset.source == MADE_HERE and data_dir is None:
        return
    if data_dir is None:
        raise DataError(f"--data_dir is required for --dataset={preset.dataset}. {preset.where_to_get}".rstrip())
    if not os.path.isdir(data_dir):
        raise DataError(f"--data_dir={data_dir} does not exist or is not a folder.")
    if records.is_prepared(data_dir):
        stored = tuple(records.read_info(data_dir).get("image_shape", ()))
        if stored != tuple(preset.image_shape):
            raise DataError(
                f"{data_dir} holds {list(stored)} images but --dataset={preset.dataset} trains on "
                f"{list(preset.image_shape)}; re-run the converter with the matching --size."
            )


def _class_root(preset: Preset, data_dir: str) -> str:
    """The class-folder root inside a 1-channel --data_dir: the preset's own set in the authors'
    layout (data/times.shift, data/times.shift.rotate: its reader's `variant`) or the converter's
    (shift, shift_rotate) when present, else data_dir itself."""
    variant = preset.options.get("variant")
    authors = digits_render.AUTHORS_FOLDERS.get(variant, "")
    for candidate in (os.path.join(data_dir, authors), os.path.join(data_dir, "data", authors),
                      os.path.join(data_dir, variant or ""), data_dir):
        if folders.is_class_root(candidate):
            return candidate
    raise DataError(
        f"--data_dir={data_dir} holds no <class>/<image> folders for --dataset={preset.dataset} "
        f"(expected {authors or '<class>'}/<digit>/*.png inside it, or class folders)."
    )


def _python_reader(generate, signature, corrupt: CorruptRecords) -> tf.data.Dataset:
    """A dataset of a Python reader's elements; the reader's own message for an unreadable record
    (naming file and offset or key) is kept in `corrupt.fatal`, since tf.data passes on only an
    op error."""
    def guarded():
        try:
            yield from generate()
        except (hwdb.GntFormatError, ImageDecodeError) as error:
            corrupt.fatal = str(error)
            raise

    return tf.data.Dataset.from_generator(guarded, output_signature=signature)


def _gnt_dataset(data_dir: str, seed: Optional[int], corrupt: CorruptRecords) -> tf.data.Dataset:
    """Raw .gnt files read directly (a header scan builds the class table, then a streaming pass).
    The header scan finds every structural fault before training; with `corrupt.skip` the rest of a
    faulty file is left out."""
    files = hwdb.find_gnt_files(data_dir)
    table = classes.ClassTable.from_counts(hwdb.count_classes(files, corrupt.skip, corrupt.skipped))
    order = np.random.default_rng(seed).permutation(len(files)).tolist()

    def generate():
        yield from hwdb.iter_samples([files[i] for i in order], table, skip_corrupt=corrupt.skip)

    signature = (tf.TensorSpec((28, 28), tf.uint8), tf.TensorSpec((), tf.int32))
    dataset = _python_reader(generate, signature, corrupt)
    return dataset.map(lambda image, label: (image[..., None], label))


TFDS_DOWNLOAD_HOST = "https://storage.googleapis.com"  # TFDS's mirror of its datasets, which it asks first


def _tfds_root(data_dir: Optional[str]) -> str:
    return data_dir or os.path.expanduser(os.environ.get("TFDS_DATA_DIR", os.path.join("~", "tensorflow_datasets")))


def _entries(root: str, name: str) -> set:
    """The paths TFDS adds while it downloads `name` into `root`: the root's entries and those of
    its downloads/ and <name>/ folders."""
    found = set()
    for folder in (root, os.path.join(root, "downloads"), os.path.join(root, name.split("/")[0].split(":")[0])):
        if os.path.isdir(folder):
            found.update(os.path.join(folder, entry) for entry in os.listdir(folder))
    return found


def _remove_new(before: set, after: set) -> None:
    for path in sorted(after - before, key=len, reverse=True):
        shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else os.remove(path)


@contextlib.contextmanager
def _absl_warnings_off() -> Iterator[None]:
    """Runs the block with the Python absl logger (TFDS's) at ERROR."""
    logger = logging.getLogger("absl")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def fetch_tfds(name: str, data_dir: Optional[str]):
    """The TFDS builder of `name` in `data_dir` (None: TFDS's default directory), downloaded and
    prepared first when it is not there yet (TFDS's progress bar and checksums apply). Before a
    download the download host is asked for (lsgan_tf/utils/network.py): without a network the
    DataError comes in seconds. A failed download raises a one-line DataError naming the host and
    how to pass a local copy, and removes what TFDS had written of it."""
    import tensorflow_datasets as tfds

    from lsgan_tf.data import tfds_builders  # noqa: F401  (registers hwdb1, small_variability_digits)

    where = data_dir or "TFDS's default data directory"
    manual = (f"Without a network, prepare it where there is one with tfds.builder({name!r}, data_dir=DIR)"
              f".download_and_prepare(), copy DIR here and pass --tfds_data_dir=DIR (or a folder of images as "
              f"--data_dir).")
    root = _tfds_root(data_dir)
    before = _entries(root, name)
    try:
        with _absl_warnings_off():  # "Variant folder ... has no dataset_info.json" before every first download
            builder = tfds.builder(name, data_dir=data_dir)
            prepared = builder.is_prepared()
        if not prepared:
            reason = unreachable_reason(TFDS_DOWNLOAD_HOST)
            if reason is not None:
                raise DataError(f"cannot download TFDS dataset {name!r} into {where}: {reason}. {manual}")
            builder.download_and_prepare()
    except DataError:
        _remove_new(before, _entries(root, name))
        raise
    except Exception as error:  # TFDS and requests raise many types for a missing name or no network
        _remove_new(before, _entries(root, name))
        reason = (str(error).strip().splitlines() or [""])[0][:300]
        raise DataError(f"could not download and prepare TFDS dataset {name!r} into {where} "
                        f"({type(error).__name__}: {reason}). {manual}") from None
    return builder


def _tfds_dataset(name: str, data_dir: Optional[str], image_shape, labelled: bool, crop: bool) -> tf.data.Dataset:
    dataset = fetch_tfds(name, data_dir).as_dataset(split="train", shuffle_files=True)
    height, width, channels = image_shape

    def convert(example):
        image = example["image"]
        if image.shape[-1] != channels:
            image = tf.image.rgb_to_grayscale(image) if channels == 1 else tf.image.grayscale_to_rgb(image)
        image = folders.resize_uint8(image, height, width, crop)
        return (image, tf.cast(example["label"], tf.int32)) if labelled else image

    return dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)


@dataclasses.dataclass(frozen=True)
class ReadRequest:
    """What a reader is asked for: infinite batches of `preset`'s data in its pixel range (with
    labels when `labelled`), from `data_dir` (None: the data the preset makes itself)."""

    preset: Preset
    data_dir: Optional[str]
    batch_size: int
    labelled: bool
    seed: Optional[int]
    input_context: Optional[tf.distribute.InputContext]
    corrupt: CorruptRecords
    crop: bool

    def finalize(self, dataset: tf.data.Dataset, size: Optional[int]) -> tf.data.Dataset:
        """A uint8 element dataset of `size` elements (None: unknown) shuffled, batched and scaled."""
        return pipeline.finalize(dataset, self.batch_size, shuffle_buffer=min(size or SHUFFLE_BUFFER, SHUFFLE_BUFFER),
                                 seed=self.seed, input_context=self.input_context, pixel_range=self.preset.pixel_range)


def _prepared(request: ReadRequest) -> tf.data.Dataset:
    """A folder of TFRecord shards written by a data_prep converter."""
    info = records.read_info(request.data_dir)
    dataset = records.record_dataset(request.data_dir, request.seed, request.corrupt)
    if request.labelled:
        dataset = dataset.map(lambda image, label: (image, tf.cast(label, tf.int32)))
    else:
        dataset = dataset.map(lambda image, label: image)
    return request.finalize(dataset, info["num_records"])


def read_images(request: ReadRequest) -> tf.data.Dataset:
    """A prepared folder, or a folder of image files (`<class>/<image>` for labels)."""
    if records.is_prepared(request.data_dir):
        return _prepared(request)
    preset = request.preset
    root = _class_root(preset, request.data_dir) if preset.image_shape[-1] == 1 else request.data_dir
    dataset = folders.folder_dataset(root, preset.image_shape, labelled=request.labelled, seed=request.seed,
                                     corrupt=request.corrupt, crop=request.crop)
    return request.finalize(dataset, None)


def read_rendered_digits(request: ReadRequest) -> tf.data.Dataset:
    """The small-variability digits of the reader's `variant`, rendered (1,000 per class, seeded),
    or the authors' files when a --data_dir is given."""
    if request.data_dir is not None:
        return read_images(request)
    rendered = digits_render.render_dataset(request.preset.options["variant"], per_class=1000,
                                            seed=0 if request.seed is None else request.seed)
    return pipeline.from_arrays(
        rendered["images"], rendered["labels"] if request.labelled else None, batch_size=request.batch_size,
        pixel_range=request.preset.pixel_range, seed=request.seed, input_context=request.input_context,
    )


def read_characters(request: ReadRequest) -> tf.data.Dataset:
    """HWDB: a prepared folder, or raw .gnt files read directly."""
    if records.is_prepared(request.data_dir):
        return _prepared(request)
    dataset = _gnt_dataset(request.data_dir, request.seed, request.corrupt)
    return request.finalize(dataset if request.labelled else dataset.map(lambda image, label: image), None)


def read_lmdb_or_images(request: ReadRequest) -> tf.data.Dataset:
    """LSUN: a prepared folder, a category's LMDB (data.mdb), or an image folder."""
    if not os.path.exists(os.path.join(request.data_dir, "data.mdb")):
        return read_images(request)
    size, corrupt = request.preset.image_shape[0], request.corrupt
    signature = tf.TensorSpec((size, size, 3), tf.uint8)
    generate = lambda: lsun.iter_images(request.data_dir, size, request.crop, skip_corrupt=corrupt.skip,
                                        errors=corrupt.skipped)
    return request.finalize(_python_reader(generate, signature, corrupt), None)


def read_gaussian_ring(request: ReadRequest) -> tf.data.Dataset:
    """The 8-Gaussian ring of TPAMI Table 4, sampled in-graph."""
    return mixture_dataset(request.batch_size, seed=request.seed)


READERS: Dict[str, Callable[[ReadRequest], tf.data.Dataset]] = {
    "images": read_images, "rendered_digits": read_rendered_digits, "characters": read_characters,
    "lmdb_or_images": read_lmdb_or_images, "gaussian_ring": read_gaussian_ring,
}


def make_dataset(
    preset: Preset,
    *,
    batch_size: int,
    data_dir: Optional[str] = None,
    conditional: bool = False,
    seed: Optional[int] = None,
    tfds_name: Optional[str] = None,
    input_context: Optional[tf.distribute.InputContext] = None,
    corrupt: Optional[CorruptRecords] = None,
    crop: bool = True,
) -> tf.data.Dataset:
    """Infinite batches for `preset`: images (or (images, labels) when conditional) in the
    generator's pixel range, or 2-D points for the Gaussian mixture.

    `corrupt` (default: stop at the first) says what to do with unreadable records of a real
    source, and collects what they were (lsgan_tf.data.corrupt). Non-square photographs of an
    image folder, an LMDB or TFDS are centre-cropped before resizing unless crop=False."""
    check_data(preset, data_dir, tfds_name)
    request = ReadRequest(preset, data_dir, batch_size, conditional, seed, input_context,
                          corrupt if corrupt is not None else CorruptRecords(), crop)
    reader = READERS[preset.reader] if isinstance(preset.reader, str) else preset.reader
    try:
        if tfds_name:
            return request.finalize(_tfds_dataset(tfds_name, data_dir, preset.image_shape, conditional, crop), None)
        return reader(request)
    except (FileNotFoundError, records.PreparedDatasetError, ValueError) as error:
        if isinstance(error, DataError):
            raise
        raise DataError(str(error)) from None


def class_table(preset: Preset, data_dir: Optional[str], tfds_name: Optional[str] = None,
                skip_corrupt: bool = False) -> Optional[classes.ClassTable]:
    """The HWDB class table of a labelled HWDB source, whatever the route (a prepared folder's
    classes.tsv, a header scan of raw .gnt files, or a TFDS builder's class names); None for
    other data. `skip_corrupt` counts past faulty .gnt files as training will read them."""
    if tfds_name:
        if get(preset_for_tfds(tfds_name)).labels != CHARACTERS:
            return None
        return classes.ClassTable.from_characters(fetch_tfds(tfds_name, data_dir).info.features["label"].names)
    if preset.labels != CHARACTERS or data_dir is None:
        return None
    table_path = os.path.join(data_dir, classes.CLASSES_FILE)
    if records.is_prepared(data_dir):
        if not os.path.exists(table_path):
            raise DataError(f"{data_dir} has no {classes.CLASSES_FILE}; convert the .gnt files again with "
                            f"data_prep/hwdb.py.")
        with open(table_path, encoding="utf-8") as handle:
            return classes.ClassTable.from_tsv(handle.read())
    try:
        return classes.ClassTable.from_counts(hwdb.count_classes(hwdb.find_gnt_files(data_dir), skip_corrupt))
    except (FileNotFoundError, hwdb.GntFormatError) as error:
        raise DataError(str(error)) from None


def num_classes(preset: Preset, data_dir: Optional[str], tfds_name: Optional[str] = None,
                skip_corrupt: bool = False) -> int:
    """How many classes the labelled source holds (the size of the conditional label map)."""
    check_data(preset, data_dir, tfds_name)
    table = class_table(preset, data_dir, tfds_name, skip_corrupt)
    if table is not None:
        return len(table)
    if tfds_name:
        return fetch_tfds(tfds_name, data_dir).info.features["label"].num_classes
    if data_dir is None:
        return preset.classes_made_here
    if records.is_prepared(data_dir):
        info = records.read_info(data_dir)
        if "num_classes" not in info:
            raise DataError(f"{data_dir} holds no labels; a conditional run needs a labelled dataset.")
        return int(info["num_classes"])
    root = _class_root(preset, data_dir) if preset.image_shape[-1] == 1 else data_dir
    return len(folders.class_folders(root))
