"""Metrics while training (--eval_every), as StyleGAN2-ADA and StudioGAN score every snapshot.

Every --eval_every steps the chief scores the generator (its EMA copy when the run keeps one)
with the dataset's metric (lsgan_tf/evaluation/scorers.py) on --eval_samples samples of a fixed
seed, and writes

    <run_dir>/metrics.jsonl    one row per evaluation: step, samples, seconds, every numeric score
    <run_dir>/events/          TensorBoard scalars eval/<name>
    <run_dir>/best/            with --keep_best: the checkpoint of the best headline score so far,
                               ckpt-<step> (best.json names its step, metric and value;
                               `lsgan-export --checkpoint=RUN/best/ckpt-<step>` exports it)

A resumed run continues metrics.jsonl: rows of steps after the checkpoint it resumed from (a run
killed between an evaluation and its checkpoint) are dropped, so no step appears twice. The
scorer is made at the first evaluation; one that cannot be made (the Inception graph cannot be
fetched offline, the data is gone) turns evaluation off with one warning, and training goes on.
"""

from __future__ import annotations

import json
import os
import time
from typing import Callable, Dict, List, Optional

import keras
import tensorflow as tf

from lsgan_tf.errors import DataError, FeatureError
from lsgan_tf.evaluation.scorers import ScorerSetup, generate, make_scorer
from lsgan_tf.gan import global_step
from lsgan_tf.runs import RunDir
from lsgan_tf.utils.atomic import atomic_path, write_bytes, write_json


def read_metrics(path: str) -> List[Dict]:
    """The rows of a metrics.jsonl (none when it does not exist)."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _write_metrics(path: str, rows: List[Dict]) -> None:
    write_bytes(path, "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows).encode("utf-8"))


def numeric_scores(scores: Dict) -> Dict[str, float]:
    """The numbers of a scorer's result (lists, texts and records left out; booleans as 0/1)."""
    return {name: float(value) for name, value in scores.items()
            if isinstance(value, (int, float)) and name != "num_samples"}


class MetricsLog(keras.callbacks.Callback):
    """Scores the model every `every` steps into the run directory (module docstring)."""

    def __init__(self, run: RunDir, config, num_classes: Optional[int], table, start_step: int,
                 make_checkpoint: Callable[[], tf.train.Checkpoint], log: Callable[[str], None],
                 warn: Callable[[str], None], writer: Optional[tf.summary.SummaryWriter] = None):
        super().__init__()
        self.run, self.config, self.log, self.warn = run, config, log, warn
        self.setup = ScorerSetup(config, table, num_classes, config.eval_samples,
                                 inception_weights=config.inception_weights)
        self.make_checkpoint, self.writer = make_checkpoint, writer
        self.scorer, self.off = None, False
        rows = read_metrics(run.metrics_file)
        kept = [row for row in rows if row["step"] <= start_step]
        if kept != rows:
            _write_metrics(run.metrics_file, kept)
        self.best = self._read_best()

    def _read_best(self) -> Optional[Dict]:
        if not os.path.exists(self.run.best_record):
            return None
        with open(self.run.best_record, encoding="utf-8") as handle:
            return json.load(handle)

    def on_train_batch_end(self, batch, logs=None):
        step = global_step(self.model)
        if step % self.config.eval_every == 0 and not self.off:
            self.evaluate(step)

    def _scorer(self):
        if self.scorer is None:
            try:
                self.scorer = make_scorer(self.setup)
            except (DataError, FeatureError) as error:
                self.off = True
                self.warn(f"warning: metrics while training are off for this run: {error} "
                          f"(--eval_every=0 leaves them off without this line)")
        return self.scorer

    def evaluate(self, step: int) -> Optional[Dict[str, float]]:
        """Scores the model at `step`, writes the row, the scalars and (--keep_best) best/."""
        started = time.time()
        scorer = self._scorer()
        if scorer is None:
            return None
        fake = generate(self.model, self.config.eval_samples, self.config.seed, scorer.labels)
        scores = numeric_scores(scorer(fake))
        row = {"step": step, "num_samples": self.config.eval_samples, "seconds": round(time.time() - started, 2),
               **scores}
        rows = [old for old in read_metrics(self.run.metrics_file) if old["step"] < step] + [row]
        _write_metrics(self.run.metrics_file, rows)
        if self.writer is not None:
            with self.writer.as_default(step=step):
                for name, value in scores.items():
                    tf.summary.scalar(f"eval/{name}", value)
            self.writer.flush()
        name, lower_is_better = scorer.headline
        self.log(f"step {step:,}: {name} {scores[name]:.4g} ({self.config.eval_samples:,} samples, "
                 f"{row['seconds']:.1f} s; metrics.jsonl)")
        if self.config.keep_best and self._better(scores[name], lower_is_better):
            self._keep(step, name, scores[name])
        return scores

    def _better(self, value: float, lower_is_better: bool) -> bool:
        if self.best is None:
            return True
        return value < self.best["value"] if lower_is_better else value > self.best["value"]

    def _keep(self, step: int, name: str, value: float) -> None:
        """Writes the model as best/ckpt-<step> (a checkpoint folder as checkpoints/ is, written
        whole under a temporary name and renamed into place) with best.json."""
        self.best = {"step": step, "metric": name, "value": value, "checkpoint": f"ckpt-{step}"}
        with atomic_path(self.run.best) as folder:
            tf.train.CheckpointManager(self.make_checkpoint(), folder, max_to_keep=1).save(checkpoint_number=step)
            write_json(os.path.join(folder, "best.json"), self.best, indent=2)
        self.log(f"step {step:,}: the best {name} so far; kept in {self.run.best}/ckpt-{step}")
