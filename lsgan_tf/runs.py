"""The run directory: `RunDir` owns every path in it, its config.json and the resume checks.
Training, export, evaluation and the experiments find a run's files through it alone.

    <run_dir>/config.json     every resolved setting, versions, and the history of its starts
    <run_dir>/classes.tsv     a conditional HWDB run's class table (index, character, GB code, count)
    <run_dir>/checkpoints/    tf.train.CheckpointManager's folder (damaged ones in corrupt/)
    <run_dir>/samples/        fixed-noise grids, step_NNNNNN.png
    <run_dir>/events/         TensorBoard
    <run_dir>/train.log       the progress lines
    <run_dir>/train.lock      the trainer's exclusive lock (lsgan_tf/training/run_lock.py)
    <run_dir>/evaluation.json lsgan-evaluate's scores
    <run_dir>/metrics.jsonl   the scores while training (--eval_every), one row per evaluation
    <run_dir>/best/           with --keep_best: the checkpoint of the best score so far, best.json
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Dict, Optional, Tuple

from lsgan_tf.config import MODEL_SETTINGS, TrainConfig
from lsgan_tf.data import classes
from lsgan_tf.errors import ConfigError, RunError
from lsgan_tf.utils.atomic import write_bytes, write_json


def comparable(value: Any) -> Any:
    """A setting's value as config.json stores it (tuples as lists), for comparing with a record."""
    return list(value) if isinstance(value, (list, tuple)) else value


def flag_text(name: str, value: Any) -> str:
    """How a user types setting `name` with `value` on lsgan-train's command line."""
    if isinstance(value, (list, tuple)):
        return " ".join(f"--{name}={item}" for item in value) or f"no --{name}"
    if isinstance(value, bool):
        return f"--{name}={str(value).lower()}"
    return f"--{name}={value}"


def _run_file(name: str, what: str) -> property:
    """A RunDir property: the path of `name` in the run directory."""
    return property(lambda run: os.path.join(run.path, name), doc=f"<run_dir>/{name}: {what}.")


class RunDir:
    """The files of one training run, under `path`."""

    def __init__(self, path: str):
        self.path = str(path)

    def __repr__(self) -> str:
        return f"RunDir({self.path!r})"

    config_file = _run_file("config.json", "every resolved setting, versions and the history of its starts")
    checkpoints = _run_file("checkpoints", "tf.train.CheckpointManager's folder (damaged ones in corrupt/)")
    samples = _run_file("samples", "the fixed-noise grids (`sample_path`)")
    events = _run_file("events", "TensorBoard's folder")
    log_file = _run_file("train.log", "the progress lines")
    lock_file = _run_file("train.lock", "the trainer's exclusive lock")
    evaluation_file = _run_file("evaluation.json", "lsgan-evaluate's scores")
    metrics_file = _run_file("metrics.jsonl", "the scores while training, one JSON row per evaluation")
    best = _run_file("best", "with --keep_best: the checkpoint of the best score while training")
    best_record = _run_file(os.path.join("best", "best.json"), "the step, metric and value of best/'s checkpoint")
    classes_file = _run_file(classes.CLASSES_FILE, "a conditional HWDB run's class table")

    def sample_path(self, step: int) -> str:
        """The fixed-noise grid written at `step`."""
        return os.path.join(self.samples, f"step_{step:06d}.png")

    # ------------------------------------------------------------------ the record
    def read_record(self) -> Optional[Dict[str, Any]]:
        """The run's config.json as written (None when the folder holds no run yet)."""
        if not os.path.exists(self.config_file):
            return None
        with open(self.config_file) as handle:
            return json.load(handle)

    def write_record(self, record: Dict[str, Any]) -> str:
        """Writes the run's config.json atomically (sorted keys, indented)."""
        return write_json(self.config_file, record, indent=2, sort_keys=True)

    def load_config(self) -> Tuple[TrainConfig, Dict[str, Any]]:
        """The TrainConfig of the run (from its config.json) and the raw record."""
        record = self.read_record()
        if record is None:
            raise RunError(f"{self.path} is not a training run directory (no config.json); pass the --out_dir of a "
                           f"training run.")
        fields = {key: value for key, value in record.items() if key in TrainConfig.__dataclass_fields__}
        return TrainConfig(**fields), record

    def check_resume(self, config: TrainConfig, stored: Optional[Dict[str, Any]]) -> Dict[str, list]:
        """The settings of `config` that differ from the run's stored record, as {name: [stored, given]}.
        Raises ConfigError listing them when one of MODEL_SETTINGS differs (the checkpoints hold
        another model or objective); the others (steps, learning rate, intervals, ...) may change."""
        if stored is None:
            return {}
        given = dataclasses.asdict(config)
        changed = {name: [stored[name], given[name]] for name in given
                   if name in stored and comparable(stored[name]) != comparable(given[name])}
        conflicts = {name: values for name, values in changed.items() if name in MODEL_SETTINGS}
        if conflicts:
            lines = "; ".join(f"the run has {flag_text(name, old)}, the command gives {flag_text(name, new)}"
                              for name, (old, new) in conflicts.items())
            raise ConfigError(
                f"--out_dir={self.path} holds a run with other model settings ({lines}). Nothing was changed. "
                f"Resume it with its own settings (leave them out, or repeat config.json's values), or pass "
                f"another --out_dir for the new run."
            )
        return changed

    # --------------------------------------------------------------- class table
    def write_class_table(self, table: classes.ClassTable) -> str:
        """Keeps the run's class table beside its config, whatever route the data came by."""
        return write_bytes(self.classes_file, table.to_tsv().encode("utf-8"))

    def class_table(self) -> Optional[classes.ClassTable]:
        """The class table a conditional HWDB run trained with (None for other runs)."""
        if not os.path.exists(self.classes_file):
            return None
        with open(self.classes_file, encoding="utf-8") as handle:
            return classes.ClassTable.from_tsv(handle.read())
