"""The dataset registry: one `Preset` record per `--dataset`, holding where its data comes from
and how it is read, what scores it, and the papers' training settings for it, so that
`train.py --dataset=X` needs no other flag and no code outside this module asks for a dataset by
its name (tests/test_layers.py checks it). A new dataset is one `register(Preset(...))` call
(docs/DESIGN.md; tests/test_registry.py adds one from a test module and trains, scores and
exports it).

Values come from the papers and the authors' code as docs/PAPERS.md §1-§2 lists them; a loss
family's own settings (the GP families' Adam and D steps) are in `lsgan_tf.objectives`. Where the
papers give no number (the step counts of the LSUN, cat and HWDB runs, the digits' z size),
the preset says so in `notes` and uses the DCGAN convention.

Importing this module loads no TensorFlow: a reader is named here and looked up in
`lsgan_tf.data.datasets.READERS` (or given as a function) when data is read.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, Optional, Tuple, Union

# Where a dataset's data comes from when no --data_dir is given.
MADE_HERE = "made_here"  # rendered or sampled by lsgan_tf itself
DOWNLOADED = "downloaded"  # fetched by TFDS (`tfds_download`)
MANUAL = "manual"  # a --data_dir is needed (`where_to_get` says how to get the data)
SOURCES = (MADE_HERE, DOWNLOADED, MANUAL)
# The labels a dataset's conditional runs use.
CLASS_FOLDERS = "class_folders"  # <class>/<image> folders, sorted
CHARACTERS = "characters"  # HWDB's GB2312 class table (lsgan_tf.data.classes.ClassTable)


@dataclasses.dataclass(frozen=True)
class Preset:
    """One dataset's record: everything a paper-faithful run of it needs, where its data comes
    from (`source`), how it is read (`reader`: a key of lsgan_tf.data.datasets.READERS, or a
    function of a ReadRequest giving its batches; `reader_options` its keywords), which TFDS
    datasets it trains (`tfds_builders`), its labels, and which scorer of
    lsgan_tf.evaluation.scorers scores it (`metric`)."""

    dataset: str
    arch: str
    coding: str
    z_dim: int
    lr: float
    steps: int
    batch_size: int = 64
    optimizer: str = "adam"
    beta_1: float = 0.5
    beta_2: float = 0.999
    epsilon: float = 1e-8
    g_lr: Optional[float] = None  # None: the same as lr (the D learning rate)
    d_steps: int = 1
    simultaneous_updates: bool = False
    conditional: bool = False
    pixel_range: Tuple[float, float] = (-1.0, 1.0)
    image_shape: Tuple[int, int, int] = (28, 28, 1)  # () for the 2-D mixture
    arch_options: Tuple[Tuple[str, object], ...] = ()
    notes: str = ""  # where the settings come from (shown in lsgan-train --help)
    subject: str = ""  # what its images show, in a few words (a model card's "Draws:" line)
    source: str = MANUAL
    reader: Union[str, Callable[[Any], Any]] = "images"
    reader_options: Tuple[Tuple[str, object], ...] = ()
    tfds_download: Optional[str] = None  # the TFDS dataset fetched when no --data_dir is given
    tfds_builders: Tuple[str, ...] = ()  # the TFDS datasets --dataset=tfds:NAME trains with this preset
    where_to_get: str = ""  # how to get the data of a MANUAL source (said when --data_dir is missing)
    labels: str = CLASS_FOLDERS
    classes_made_here: Optional[int] = None  # the classes of data made by lsgan_tf itself
    metric: str = "inception"

    @property
    def generator_lr(self) -> float:
        """G's learning rate (differs from D's only in the Gaussian-mixture setup)."""
        return self.lr if self.g_lr is None else self.g_lr

    @property
    def options(self) -> Dict[str, object]:
        """`reader_options` as keywords."""
        return dict(self.reader_options)


PRESETS: Dict[str, Preset] = {
    preset.dataset: preset
    for preset in (
        Preset(
            dataset="digits", arch="digits", coding="-110", z_dim=100, lr=2e-4, steps=50_001,
            subject="digits 0-9 of small variability (rendered, shifted; TPAMI 4.3.1)",
            notes="TPAMI 4.3.1, Table 5; times.shift set; 50,001 steps and z size 100 from the authors' main.py.",
            source=MADE_HERE, reader="rendered_digits", reader_options=(("variant", "shift"),),
            tfds_builders=("small_variability_digits",), classes_made_here=10, metric="digit_classifier",
        ),
        Preset(
            dataset="digits_rotate", arch="digits", coding="-110", z_dim=100, lr=2e-4, steps=50_001,
            subject="digits 0-9 of small variability (rendered, shifted and rotated; TPAMI 4.3.1)",
            notes="TPAMI 4.3.1, Table 5; times.shift.rotate set.",
            source=MADE_HERE, reader="rendered_digits", reader_options=(("variant", "shift_rotate"),),
            classes_made_here=10, metric="digit_classifier",
        ),
        Preset(
            dataset="mnist", arch="digits", coding="-110", z_dim=100, lr=2e-4, steps=50_001,
            subject="handwritten digits 0-9 (MNIST)",
            notes="Fig. 10's MNIST column: the Table 5 net on 28x28 digits from an image folder or TFDS.",
            source=DOWNLOADED, tfds_download="mnist", tfds_builders=("mnist",), metric="digit_classifier",
        ),
        Preset(
            dataset="hwdb", arch="hwdb", coding="011", z_dim=1024, lr=2e-4, steps=100_000,
            conditional=True, pixel_range=(0.0, 1.0),
            subject="handwritten Chinese characters (GB2312 level 1)",
            notes="ICCV 3.3, mcgan.py; HWDB1.0's 3,740 characters in the 3,755-class label map of GB2312 level 1; "
                  "step count not given in the paper.",
            reader="characters", tfds_builders=("hwdb1",), labels=CHARACTERS, metric="class_accuracy",
            where_to_get="Download HWDB1.0 (.gnt files) from CASIA and pass their folder, or convert them with "
                         "lsgan-prep-hwdb; without HWDB, render a stand-in with lsgan-prep-hwdb-synthetic "
                         "--out=data/hwdb_synth.",
        ),
        Preset(
            dataset="lsun", arch="scene112", coding="011", z_dim=1024, lr=1e-3, steps=100_000,
            image_shape=(112, 112, 3),
            subject="scenes of one LSUN category (bedrooms, churches, ...)",
            notes="ICCV Table 1 (112x112 scenes); lr 1e-3; step count not given in the paper.",
            reader="lmdb_or_images",
            where_to_get="Download a category LMDB (e.g. bedroom_train_lmdb) from LSUN and convert it with "
                         "lsgan-prep-lsun --size=112.",
        ),
        Preset(
            dataset="lsun64", arch="dcgan64", coding="-110", z_dim=100, lr=2e-4, steps=100_000,
            image_shape=(64, 64, 3),
            subject="scenes of one LSUN category (bedrooms, churches, ...)",
            notes="TPAMI Table 3 FID runs on LSUN-64 (DCGAN net).",
            reader="lmdb_or_images", tfds_builders=("lsun",),
            where_to_get="Download a category LMDB from LSUN and convert it with lsgan-prep-lsun --size=64.",
        ),
        Preset(
            dataset="cats", arch="cat128", coding="-110", z_dim=100, lr=2e-4, steps=100_000,
            image_shape=(128, 128, 3),
            subject="aligned cat faces",
            notes="TPAMI Table 2 (cats 128x128); step count not given in the paper.",
            where_to_get="Download the cat dataset (CAT_00..CAT_06) and convert it with lsgan-prep-cats.",
        ),
        Preset(
            dataset="cifar10", arch="dcgan32", coding="-110", z_dim=100, lr=2e-4, steps=100_000,
            image_shape=(32, 32, 3),
            subject="small photos of the 10 CIFAR-10 classes",
            notes="TPAMI Table 3 FID runs on CIFAR-10 (DCGAN net, 32x32).",
            source=DOWNLOADED, tfds_download="cifar10", tfds_builders=("cifar10",),
        ),
        Preset(
            dataset="mixture", arch="mixture", coding="011", z_dim=256, lr=1e-4, g_lr=1e-3,
            batch_size=512, steps=35_000, simultaneous_updates=True, image_shape=(),
            subject="points of a ring of 8 Gaussians in the plane (TPAMI Table 4)",
            notes="TPAMI Table 4, ls.py: D Adam 1e-4, G Adam 1e-3, simultaneous updates, 35,000 steps.",
            source=MADE_HERE, reader="gaussian_ring", metric="modes",
        ),
    )
}


def register(preset: Preset) -> Preset:
    """Adds a dataset to the registry (--dataset=preset.dataset then trains, scores and exports
    it); a ValueError when the name is taken or a field has no meaning here."""
    if preset.dataset in PRESETS:
        raise ValueError(f"Dataset {preset.dataset!r} is already registered.")
    if preset.source not in SOURCES or preset.labels not in (CLASS_FOLDERS, CHARACTERS):
        raise ValueError(f"Dataset {preset.dataset!r}: source must be one of {SOURCES}, labels "
                         f"{CLASS_FOLDERS!r} or {CHARACTERS!r}.")
    if preset.source == DOWNLOADED and not preset.tfds_download:
        raise ValueError(f"Dataset {preset.dataset!r}: a downloaded source names its tfds_download.")
    PRESETS[preset.dataset] = preset
    return preset


def get(dataset: str) -> Preset:
    """The preset of a dataset name, or a ValueError listing the known names."""
    if dataset not in PRESETS:
        raise ValueError(f"Unknown dataset {dataset!r}; expected one of {sorted(PRESETS)}.")
    return PRESETS[dataset]


def tfds_base_name(name: str) -> str:
    """The builder name of a TFDS dataset name, without config or version (lsun/bedroom:3.1.0 -> lsun)."""
    return name.split("/")[0].split(":")[0]


def preset_for_tfds(name: str) -> str:
    """The preset that trains a TFDS dataset name (tfds:mnist -> mnist, tfds:lsun/bedroom -> lsun64)."""
    base = tfds_base_name(name)
    trained = {builder: preset.dataset for preset in PRESETS.values() for builder in preset.tfds_builders}
    if base not in trained:
        raise ValueError(f"No preset for TFDS dataset {name!r}; supported: {sorted(trained)}.")
    return trained[base]


def tfds_download(dataset: str) -> Optional[str]:
    """The TFDS dataset that `dataset` downloads when no --data_dir is given (None: it does not)."""
    preset = PRESETS.get(dataset)
    return preset.tfds_download if preset is not None and preset.source == DOWNLOADED else None
