"""TensorFlow Datasets builders for the two datasets TFDS does not ship, following its
convention for data that needs a manual download (`manual_dir`). Importing this module
registers `hwdb1` and `small_variability_digits`; nothing is downloaded:

    import tensorflow_datasets as tfds
    import lsgan_tf.data.tfds_builders  # noqa: F401
    dataset = tfds.load("hwdb1", split="train", data_dir=DATA_DIR,
                        download_and_prepare_kwargs={"download_config":
                            tfds.download.DownloadConfig(manual_dir=DIR_WITH_GNT_FILES)})
"""

from __future__ import annotations

import io
import os
import tarfile
from typing import Iterator, Tuple

import numpy as np
import tensorflow_datasets as tfds
from PIL import Image

from lsgan_tf.data import classes, digits_render, hwdb


class Hwdb1(tfds.core.GeneratorBasedBuilder):
    """CASIA HWDB1.0 isolated handwritten Chinese characters, 28x28, GB2312 level-1 classes."""

    VERSION = tfds.core.Version("1.0.0")
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
        "Download HWDB1.0trn_gnt.zip and HWDB1.0tst_gnt.zip from the CASIA online/offline Chinese "
        "handwriting databases, unzip them into manual_dir (folders whose names contain 'trn' "
        "and 'tst'; any other .gnt files go to the train split)."
    )

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(28, 28, 1)),
                "label": tfds.features.ClassLabel(names=classes.ClassTable.from_counts({}).characters),
            }),
            supervised_keys=("image", "label"),
            description="HWDB1.0 level-1 hanzi, bright ink on black, aspect kept by padding to 28x28.",
        )

    def _split_generators(self, dl_manager):
        files = hwdb.find_gnt_files(str(dl_manager.manual_dir))
        test = [path for path in files if "tst" in os.path.relpath(path, str(dl_manager.manual_dir)).lower()]
        train = [path for path in files if path not in test]
        splits = {"train": self._generate_examples(train)}
        if test:
            splits["test"] = self._generate_examples(test)
        return splits

    def _generate_examples(self, files):
        index = classes.ClassTable.from_counts({}).index()
        for path in files:
            for record in hwdb.iter_gnt(path):
                if record.code in index:
                    key = f"{os.path.basename(path)}:{record.offset}"
                    image = hwdb.preprocess(record.bitmap)[..., None]
                    yield key, {"image": image, "label": index[record.code]}


def authors_digits(path: str, variant: str) -> Iterator[Tuple[str, np.ndarray, int]]:
    """(member name, 28x28 uint8 image, digit) of every image of one variant in the authors'
    archive (small_variability_digits_official.tar.gz: data/times.shift/<digit>/<i>.png)."""
    folder = digits_render.AUTHORS_FOLDERS[variant]
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            parts = member.name.split("/")
            if member.isfile() and len(parts) >= 3 and parts[-3] == folder and parts[-1].endswith(".png"):
                data = archive.extractfile(member).read()
                yield member.name, np.asarray(Image.open(io.BytesIO(data)).convert("L")), int(parts[-2])


class SmallVariabilityDigits(tfds.core.GeneratorBasedBuilder):
    """The TPAMI 4.3.1 synthetic digits (the authors' published files), 28x28 grey."""

    VERSION = tfds.core.Version("1.0.0")
    BUILDER_CONFIGS = [
        tfds.core.BuilderConfig(name="shift", description="times.shift: random horizontal shift."),
        tfds.core.BuilderConfig(name="shift_rotate", description="times.shift.rotate: shift and 0-10 degree rotation."),
    ]
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
        "Put small_variability_digits_official.tar.gz (the authors' data/ folder from "
        "xudonmao/improved_LSGAN, tarred) into manual_dir."
    )
    TARBALL = "small_variability_digits_official.tar.gz"

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(28, 28, 1)),
                "label": tfds.features.ClassLabel(num_classes=10),
            }),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager):
        path = os.path.join(str(dl_manager.manual_dir), self.TARBALL)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path} not found. {self.MANUAL_DOWNLOAD_INSTRUCTIONS}")
        return {"train": self._generate_examples(path)}

    def _generate_examples(self, path):
        for name, image, digit in authors_digits(path, self.builder_config.name):
            yield name, {"image": image[..., None], "label": digit}
