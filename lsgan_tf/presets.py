"""The papers' training settings per dataset, so `train.py --dataset=X` needs no other flag.

Values come from the papers and the authors' code as docs/PAPERS.md §1-§2 lists them; a loss
family's own settings (the GP families' Adam and D steps) are in `lsgan_tf.objectives`. Where the
papers give no number (the step counts of the LSUN, cat and HWDB runs, the digits' z size),
the preset says so in `notes` and uses the DCGAN convention.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, Optional, Tuple


@dataclasses.dataclass(frozen=True)
class Preset:
    """Everything a paper-faithful run of one dataset needs."""

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
    notes: str = ""  # where the settings come from (shown in train.py --help)

    @property
    def generator_lr(self) -> float:
        """G's learning rate (differs from D's only in the Gaussian-mixture setup)."""
        return self.lr if self.g_lr is None else self.g_lr


PRESETS: Dict[str, Preset] = {
    preset.dataset: preset
    for preset in (
        Preset(
            dataset="digits", arch="digits", coding="-110", z_dim=100, lr=2e-4, steps=50_001,
            notes="TPAMI 4.3.1, Table 5; times.shift set; 50,001 steps and z size 100 from the authors' main.py.",
        ),
        Preset(
            dataset="digits_rotate", arch="digits", coding="-110", z_dim=100, lr=2e-4, steps=50_001,
            notes="TPAMI 4.3.1, Table 5; times.shift.rotate set.",
        ),
        Preset(
            dataset="mnist", arch="digits", coding="-110", z_dim=100, lr=2e-4, steps=50_001,
            notes="Fig. 10's MNIST column: the Table 5 net on 28x28 digits from an image folder or TFDS.",
        ),
        Preset(
            dataset="hwdb", arch="hwdb", coding="011", z_dim=1024, lr=2e-4, steps=100_000,
            conditional=True, pixel_range=(0.0, 1.0),
            notes="ICCV 3.3, mcgan.py; 3,740 classes; step count not given in the paper.",
        ),
        Preset(
            dataset="lsun", arch="scene112", coding="011", z_dim=1024, lr=1e-3, steps=100_000,
            image_shape=(112, 112, 3),
            notes="ICCV Table 1 (112x112 scenes); lr 1e-3; step count not given in the paper.",
        ),
        Preset(
            dataset="lsun64", arch="dcgan64", coding="-110", z_dim=100, lr=2e-4, steps=100_000,
            image_shape=(64, 64, 3),
            notes="TPAMI Table 3 FID runs on LSUN-64 (DCGAN net).",
        ),
        Preset(
            dataset="cats", arch="cat128", coding="-110", z_dim=100, lr=2e-4, steps=100_000,
            image_shape=(128, 128, 3),
            notes="TPAMI Table 2 (cats 128x128); step count not given in the paper.",
        ),
        Preset(
            dataset="cifar10", arch="dcgan32", coding="-110", z_dim=100, lr=2e-4, steps=100_000,
            image_shape=(32, 32, 3),
            notes="TPAMI Table 3 FID runs on CIFAR-10 (DCGAN net, 32x32).",
        ),
        Preset(
            dataset="mixture", arch="mixture", coding="011", z_dim=256, lr=1e-4, g_lr=1e-3,
            batch_size=512, steps=35_000, simultaneous_updates=True, image_shape=(),
            notes="TPAMI Table 4, ls.py: D Adam 1e-4, G Adam 1e-3, simultaneous updates, 35,000 steps.",
        ),
    )
}

# The preset that trains each TFDS dataset (--dataset=tfds:NAME).
TFDS_PRESETS = {"mnist": "mnist", "cifar10": "cifar10", "lsun": "lsun64", "hwdb1": "hwdb",
                "small_variability_digits": "digits"}

# The TFDS dataset a preset downloads when no --data_dir is given.
TFDS_DOWNLOADS = {"mnist": "mnist", "cifar10": "cifar10"}


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
    if base not in TFDS_PRESETS:
        raise ValueError(f"No preset for TFDS dataset {name!r}; supported: {sorted(TFDS_PRESETS)}.")
    return TFDS_PRESETS[base]
