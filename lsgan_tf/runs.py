"""Reading a finished (or running) training run back: its config and a restored generator."""

from __future__ import annotations

import json
import os
from typing import List, Optional, Tuple

from lsgan_tf.config import TrainConfig
from lsgan_tf.data import hwdb


class RunError(ValueError):
    """A run directory without what is needed; the message says what to do."""


def load_config(run_dir: str) -> Tuple[TrainConfig, dict]:
    """The TrainConfig of a run directory (from its config.json) and the raw record."""
    path = os.path.join(run_dir, "config.json")
    if not os.path.exists(path):
        raise RunError(f"{run_dir} is not a training run directory (no config.json); pass the --out_dir of a train.py run.")
    with open(path) as handle:
        record = json.load(handle)
    fields = {key: value for key, value in record.items() if key in TrainConfig.__dataclass_fields__}
    return TrainConfig(**fields), record


def class_names(config: TrainConfig) -> Optional[List[str]]:
    """The characters of a conditional HWDB run (from classes.tsv or the .gnt files), else None."""
    if not config.conditional or not config.data_dir:
        return None
    table_path = os.path.join(config.data_dir, "classes.tsv")
    if os.path.exists(table_path):
        with open(table_path, encoding="utf-8") as handle:
            return hwdb.ClassTable.from_tsv(handle.read()).characters
    try:
        return hwdb.ClassTable.from_counts(hwdb.count_classes(hwdb.find_gnt_files(config.data_dir))).characters
    except (FileNotFoundError, hwdb.GntFormatError):
        return None


def restore_model(run_dir: str, checkpoint: Optional[str] = None):
    """(model, config, record): the run's GAN with the newest (or the given) checkpoint restored."""
    from lsgan_tf.training import build_gan, make_checkpoint

    from lsgan_tf.checkpoints import MISMATCHED, UNREADABLE, CheckpointError, restore_newest_readable

    config, record = load_config(run_dir)
    config = config.resolve()
    model = build_gan(config, record.get("num_classes"))
    if checkpoint is None:  # the newest readable one, as a resumed training run takes it
        try:
            path = restore_newest_readable(make_checkpoint(model), os.path.join(run_dir, "checkpoints"))
        except CheckpointError as error:
            raise RunError(str(error)) from None
        if path is None:
            raise RunError(f"{run_dir} has no checkpoint yet (checkpoints/ is empty); train longer or pass --checkpoint.")
        return model, config, record
    try:
        make_checkpoint(model).restore(checkpoint).expect_partial().assert_existing_objects_matched()
    except UNREADABLE + MISMATCHED as error:
        raise RunError(f"cannot restore {checkpoint}: {str(error).splitlines()[0]}") from None
    return model, config, record
