"""`make_dataset`: the training input of a preset, from whatever real source `--data_dir` holds.

| dataset | --data_dir |
|---|---|
| digits, digits_rotate | none (rendered on the fly), or a folder `<digit>/<i>.png` (the authors' files / data_prep/digits.py) |
| mnist, cifar10 | none (downloaded by TFDS), or a folder of images (`<digit>/*.png` for mnist) |
| hwdb | a prepared folder (data_prep/hwdb.py) or a folder of raw .gnt files |
| lsun, lsun64, cats | a prepared folder (data_prep/lsun.py, data_prep/cats.py), an image folder, or (lsun) an LMDB |
| tfds:NAME | a TFDS data directory (default: TFDS's own); NAME is downloaded into it when TFDS can |
| mixture | none (sampled in-graph) |

For a TFDS source `data_dir` is the TFDS data directory (None: TFDS's default, ~/tensorflow_datasets).
"""

from __future__ import annotations

import os
from typing import Optional

import numpy as np
import tensorflow as tf

from lsgan_tf.data import digits_render, folders, hwdb, lsun, pipeline, records
from lsgan_tf.data.corrupt import CorruptRecords
from lsgan_tf.data.images_io import ImageDecodeError
from lsgan_tf.data.mixture import mixture_dataset
from lsgan_tf.errors import DataError
from lsgan_tf.presets import TFDS_PRESETS, Preset, tfds_base_name

RENDERED_DIGIT_VARIANTS = {"digits": "shift", "digits_rotate": "shift_rotate"}
AUTHORS_DIGIT_FOLDERS = {"digits": "times.shift", "digits_rotate": "times.shift.rotate"}
SHUFFLE_BUFFER = 20_000
WHERE_TO_GET = {
    "hwdb": ("Download HWDB1.0 (.gnt files) from CASIA and pass their folder, or convert them with data_prep/hwdb.py; "
             "without HWDB, render a stand-in with data_prep/hwdb_synthetic.py --out=data/hwdb_synth."),
    "lsun": "Download a category LMDB (e.g. bedroom_train_lmdb) from LSUN and convert it with data_prep/lsun.py --size=112.",
    "lsun64": "Download a category LMDB from LSUN and convert it with data_prep/lsun.py --size=64.",
    "cats": "Download the cat dataset (CAT_00..CAT_06) and convert it with data_prep/cats.py.",
}
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
    if preset.dataset in ("mixture",) + tuple(RENDERED_DIGIT_VARIANTS) and data_dir is None:
        return
    if data_dir is None:
        raise DataError(f"--data_dir is required for --dataset={preset.dataset}. {WHERE_TO_GET.get(preset.dataset, '')}")
    if not os.path.isdir(data_dir):
        raise DataError(f"--data_dir={data_dir} does not exist or is not a folder.")
    if records.is_prepared(data_dir):
        stored = tuple(records.read_info(data_dir).get("image_shape", ()))
        if stored != tuple(preset.image_shape):
            raise DataError(
                f"{data_dir} holds {list(stored)} images but --dataset={preset.dataset} trains on "
                f"{list(preset.image_shape)}; re-run the converter with the matching --size."
            )


def _digit_folder(preset: Preset, data_dir: str) -> str:
    """The class-folder root inside a digits --data_dir: the preset's own set in the authors'
    layout (data/times.shift or data/times.shift.rotate) or the converter's (shift, shift_rotate)
    when present, else data_dir itself."""
    for candidate in (
        os.path.join(data_dir, AUTHORS_DIGIT_FOLDERS.get(preset.dataset, "")),
        os.path.join(data_dir, "data", AUTHORS_DIGIT_FOLDERS.get(preset.dataset, "")),
        os.path.join(data_dir, RENDERED_DIGIT_VARIANTS.get(preset.dataset, "")),
        data_dir,
    ):
        if folders.is_class_root(candidate):
            return candidate
    raise DataError(
        f"--data_dir={data_dir} holds no <class>/<image> folders for --dataset={preset.dataset} "
        f"(expected {AUTHORS_DIGIT_FOLDERS.get(preset.dataset, '<class>')}/<digit>/*.png inside it, or class folders)."
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
    table = hwdb.ClassTable.from_counts(hwdb.count_classes(files, corrupt.skip, corrupt.skipped))
    order = np.random.default_rng(seed).permutation(len(files)).tolist()

    def generate():
        yield from hwdb.iter_samples([files[i] for i in order], table, skip_corrupt=corrupt.skip)

    signature = (tf.TensorSpec((28, 28), tf.uint8), tf.TensorSpec((), tf.int32))
    dataset = _python_reader(generate, signature, corrupt)
    return dataset.map(lambda image, label: (image[..., None], label))


def fetch_tfds(name: str, data_dir: Optional[str]):
    """The TFDS builder of `name` in `data_dir` (None: TFDS's default directory), downloaded and
    prepared first when it is not there yet (TFDS's progress bar and checksums apply). A failed
    download raises a one-line DataError saying how to pass a local copy."""
    import tensorflow_datasets as tfds

    from lsgan_tf.data import tfds_builders  # noqa: F401  (registers hwdb1, small_variability_digits)

    where = data_dir or "TFDS's default data directory"
    try:
        builder = tfds.builder(name, data_dir=data_dir)
        builder.download_and_prepare()
    except Exception as error:  # TFDS and requests raise many types for a missing name or no network
        reason = (str(error).strip().splitlines() or [""])[0][:300]
        raise DataError(
            f"could not download and prepare TFDS dataset {name!r} into {where} ({type(error).__name__}: {reason}). "
            f"Without internet, prepare it where there is some with tfds.builder({name!r}, data_dir=DIR)"
            f".download_and_prepare(), copy DIR here and pass --tfds_data_dir=DIR (or a folder of images as --data_dir)."
        ) from None
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


def _source(preset: Preset, data_dir: str, labelled: bool, seed: Optional[int], tfds_name: Optional[str],
            corrupt: CorruptRecords, crop: bool):
    """The uint8 element dataset ((image,) or (image, label)) of a real source, and its size
    for the shuffle buffer (None when unknown)."""
    if tfds_name:
        return _tfds_dataset(tfds_name, data_dir, preset.image_shape, labelled, crop), None
    if records.is_prepared(data_dir):
        info = records.read_info(data_dir)
        dataset = records.record_dataset(data_dir, seed, corrupt)
        if labelled:
            return dataset.map(lambda image, label: (image, tf.cast(label, tf.int32))), info["num_records"]
        return dataset.map(lambda image, label: image), info["num_records"]
    if preset.dataset == "hwdb":
        return _gnt_dataset(data_dir, seed, corrupt), None
    if preset.dataset in ("lsun", "lsun64") and os.path.exists(os.path.join(data_dir, "data.mdb")):
        size = preset.image_shape[0]
        signature = tf.TensorSpec((size, size, 3), tf.uint8)
        generate = lambda: lsun.iter_images(data_dir, size, crop, skip_corrupt=corrupt.skip, errors=corrupt.skipped)  # noqa: E731
        return _python_reader(generate, signature, corrupt), None
    root = _digit_folder(preset, data_dir) if preset.image_shape[-1] == 1 else data_dir
    return folders.folder_dataset(root, preset.image_shape, labelled=labelled, seed=seed, corrupt=corrupt, crop=crop), None


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
    if preset.dataset == "mixture":
        return mixture_dataset(batch_size, seed=seed)
    if preset.dataset in RENDERED_DIGIT_VARIANTS and data_dir is None and not tfds_name:
        rendered = digits_render.render_dataset(
            RENDERED_DIGIT_VARIANTS[preset.dataset], per_class=1000, seed=0 if seed is None else seed
        )
        return pipeline.from_arrays(
            rendered["images"], rendered["labels"] if conditional else None, batch_size=batch_size,
            pixel_range=preset.pixel_range, seed=seed, input_context=input_context,
        )
    try:
        dataset, size = _source(preset, data_dir, conditional, seed, tfds_name,
                                corrupt if corrupt is not None else CorruptRecords(), crop)
    except (FileNotFoundError, records.PreparedDatasetError, ValueError) as error:
        if isinstance(error, DataError):
            raise
        raise DataError(str(error)) from None
    return pipeline.finalize(
        dataset, batch_size, shuffle_buffer=min(size or SHUFFLE_BUFFER, SHUFFLE_BUFFER), seed=seed,
        input_context=input_context, pixel_range=preset.pixel_range,
    )


def class_table(preset: Preset, data_dir: Optional[str], tfds_name: Optional[str] = None,
                skip_corrupt: bool = False) -> Optional[hwdb.ClassTable]:
    """The HWDB class table of a labelled HWDB source, whatever the route (a prepared folder's
    classes.tsv, a header scan of raw .gnt files, or a TFDS builder's class names); None for
    other data. `skip_corrupt` counts past faulty .gnt files as training will read them."""
    if tfds_name:
        if TFDS_PRESETS.get(tfds_base_name(tfds_name)) != "hwdb":
            return None
        return hwdb.ClassTable.from_characters(fetch_tfds(tfds_name, data_dir).info.features["label"].names)
    if preset.dataset != "hwdb" or data_dir is None:
        return None
    table_path = os.path.join(data_dir, hwdb.CLASSES_FILE)
    if records.is_prepared(data_dir):
        if not os.path.exists(table_path):
            raise DataError(f"{data_dir} has no {hwdb.CLASSES_FILE}; convert the .gnt files again with data_prep/hwdb.py.")
        with open(table_path, encoding="utf-8") as handle:
            return hwdb.ClassTable.from_tsv(handle.read())
    try:
        return hwdb.ClassTable.from_counts(hwdb.count_classes(hwdb.find_gnt_files(data_dir), skip_corrupt))
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
        return 10  # rendered digits
    if records.is_prepared(data_dir):
        info = records.read_info(data_dir)
        if "num_classes" not in info:
            raise DataError(f"{data_dir} holds no labels; a conditional run needs a labelled dataset.")
        return int(info["num_classes"])
    root = _digit_folder(preset, data_dir) if preset.image_shape[-1] == 1 else data_dir
    return len(folders.class_folders(root))
