"""The run directory: its layout, its config.json, and reading a run back (its config and a
restored generator). Training, export, evaluation and the experiments all find a run's files
through the names declared here.

    <run_dir>/config.json     every resolved setting, versions, and the history of its starts
    <run_dir>/classes.tsv     a conditional HWDB run's class table (index, character, GB code, count)
    <run_dir>/checkpoints/    tf.train.CheckpointManager's folder (damaged ones in corrupt/)
    <run_dir>/samples/        fixed-noise grids, step_NNNNNN.png
    <run_dir>/events/         TensorBoard
    <run_dir>/train.log       the progress lines
    <run_dir>/train.lock      the trainer's exclusive lock (lsgan_tf/run_lock.py)
    <run_dir>/evaluation.json evaluate.py's scores
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Tuple

from lsgan_tf.atomic import write_bytes, write_json
from lsgan_tf.config import TrainConfig
from lsgan_tf.data import hwdb

CONFIG_FILE = "config.json"
CHECKPOINTS = "checkpoints"
SAMPLES = "samples"
EVENTS = "events"
LOG_FILE = "train.log"
LOCK_FILE = "train.lock"
EVALUATION_FILE = "evaluation.json"


class RunError(ValueError):
    """A run directory without what is needed; the message says what to do."""


def read_record(run_dir: str) -> Optional[Dict[str, Any]]:
    """The run's config.json as written (None when the folder holds no run yet)."""
    path = os.path.join(run_dir, CONFIG_FILE)
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def write_record(run_dir: str, record: Dict[str, Any]) -> str:
    """Writes the run's config.json atomically (sorted keys, indented)."""
    return write_json(os.path.join(run_dir, CONFIG_FILE), record, indent=2, sort_keys=True)


def load_config(run_dir: str) -> Tuple[TrainConfig, dict]:
    """The TrainConfig of a run directory (from its config.json) and the raw record."""
    record = read_record(run_dir)
    if record is None:
        raise RunError(f"{run_dir} is not a training run directory (no {CONFIG_FILE}); pass the --out_dir of a train.py run.")
    fields = {key: value for key, value in record.items() if key in TrainConfig.__dataclass_fields__}
    return TrainConfig(**fields), record


def write_class_table(run_dir: str, table: hwdb.ClassTable) -> str:
    """Keeps the run's class table beside its config, whatever route the data came by."""
    return write_bytes(os.path.join(run_dir, hwdb.CLASSES_FILE), table.to_tsv().encode("utf-8"))


def class_table(run_dir: str) -> Optional[hwdb.ClassTable]:
    """The class table a conditional HWDB run trained with (None for other runs)."""
    path = os.path.join(run_dir, hwdb.CLASSES_FILE)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return hwdb.ClassTable.from_tsv(handle.read())


def run_checkpoints(run_dir: str) -> List[str]:
    """The run's kept checkpoints, oldest first."""
    from lsgan_tf.checkpoints import listed_checkpoints

    return listed_checkpoints(os.path.join(run_dir, CHECKPOINTS))


def restore_model(run_dir: str, checkpoint: Optional[str] = None):
    """(model, config, record): the run's GAN with the newest (or the given) checkpoint restored."""
    from lsgan_tf.training import build_gan, make_checkpoint

    from lsgan_tf.checkpoints import MISMATCHED, UNREADABLE, CheckpointError, restore_newest_readable

    config, record = load_config(run_dir)
    config = config.resolve(data_needed=False)
    model = build_gan(config, record.get("num_classes"))
    if checkpoint is None:  # the newest readable one, as a resumed training run takes it
        try:
            path = restore_newest_readable(make_checkpoint(model), os.path.join(run_dir, CHECKPOINTS))
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
