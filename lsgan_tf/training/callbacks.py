"""Keras callbacks of a training run: progress lines, fixed-noise sample grids, checkpoints."""

from __future__ import annotations

import sys
import time
from typing import Callable, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from lsgan_tf.data import classes
from lsgan_tf.errors import TrainingDiverged
from lsgan_tf.gan import global_step
from lsgan_tf.runs import RunDir
from lsgan_tf.samples import sample_grid, write_sample_picture
from lsgan_tf.training.checkpoints import save_checkpoint


class ProgressLogger(keras.callbacks.Callback):
    """One live line on a terminal (step, steps/s, ETA, losses), rewritten in place and blanked
    past its end when it gets shorter; plain periodic lines otherwise (a log, a pipe)."""

    def __init__(self, total_steps: int, every: int = 100, log: Callable[[str], None] = print,
                 stream=None):
        super().__init__()
        self.total_steps = total_steps
        self.every = every
        self.log = log
        self.stream = stream or sys.stdout
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._width = 0  # of the live line last written, so that a shorter one blanks its tail

    def on_train_begin(self, logs=None):
        self._last_time, self._last_step = time.time(), global_step(self.model)

    def on_train_batch_end(self, batch, logs=None):
        step = global_step(self.model)
        if not self.live and step % self.every and step != self.total_steps:
            return
        now = time.time()
        rate = (step - self._last_step) / max(now - self._last_time, 1e-9)
        eta = (self.total_steps - step) / rate if rate > 0 else float("inf")
        logs = logs or {}
        line = (f"step {step}/{self.total_steps}  {rate:.2f} steps/s  ETA {eta:.0f} s  "
                f"d_loss {float(logs.get('d_loss', np.nan)):.4f}  g_loss {float(logs.get('g_loss', np.nan)):.4f}")
        if self.live:
            self.stream.write("\r" + line.ljust(self._width))
            self.stream.flush()
            self._width = len(line)
            if step == self.total_steps:
                self.stream.write("\n")
        else:
            self.log(line)
        if not self.live or step % self.every == 0:
            self._last_time, self._last_step = now, step


class SampleGridCallback(keras.callbacks.Callback):
    """Writes the run's fixed-noise picture (`RunDir.sample_path`) every `every` steps and at the end."""

    def __init__(self, run: RunDir, every: int, total_steps: int, seed: int = 0,
                 pixel_range: Tuple[float, float] = (-1.0, 1.0), table: Optional[classes.ClassTable] = None):
        super().__init__()
        self.run, self.table = run, table
        self.every, self.total_steps = every, total_steps
        self.seed, self.pixel_range = seed, pixel_range

    def on_train_batch_end(self, batch, logs=None):
        step = global_step(self.model)
        if step % self.every == 0 or step == self.total_steps:
            write_sample_picture(self.model, self.run.sample_path(step), self.pixel_range, seed=self.seed,
                                 table=self.table, title=f"step {step}")


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training at the first non-finite loss, and owns every checkpoint write so that no
    checkpoint of a diverged state (NaN/Inf losses or weights) is ever saved.

    Must come first in the callback list. The error is kept in `self.diverged` for the
    caller to raise once `fit` has returned.
    """

    def __init__(self, manager: tf.train.CheckpointManager):
        super().__init__()
        self.manager = manager
        self.diverged: Optional[TrainingDiverged] = None

    def _flag(self, what: str) -> None:
        if self.diverged is None:
            step = global_step(self.model)
            last = self.manager.latest_checkpoint or "none (no checkpoint was written yet)"
            self.diverged = TrainingDiverged(
                f"training diverged at step {step}: {what}. The last good checkpoint is {last} and was "
                f"not overwritten; lower --lr or try --loss=lsgan_gp, then re-run (it resumes from it)."
            )
        self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        bad = {name: value for name, value in (logs or {}).items() if not np.isfinite(float(value))}
        if bad:
            self._flag(", ".join(f"{name}={value}" for name, value in bad.items()))

    def save(self) -> Optional[str]:
        """Writes a checkpoint unless training diverged or any weight is NaN/Inf."""
        if self.diverged is None:
            variables = self.model.generator.weights + self.model.discriminator.weights
            if not all(np.all(np.isfinite(v.numpy())) for v in variables):
                self._flag("non-finite weights")
        if self.diverged is not None:
            return None
        return save_checkpoint(self.manager, global_step(self.model))


class CheckpointCallback(keras.callbacks.Callback):
    """Saves (through the DivergenceGuard) every `every` steps and at the last step."""

    def __init__(self, guard: DivergenceGuard, every: int, total_steps: int):
        super().__init__()
        self.guard, self.every, self.total_steps = guard, every, total_steps

    def on_train_batch_end(self, batch, logs=None):
        step = global_step(self.model)
        if step % self.every == 0 or step == self.total_steps:
            self.guard.save()


class StopOnSignal(keras.callbacks.Callback):
    """On SIGINT/SIGTERM (via `request` as the signal handler): finish the current step, write
    a checkpoint, and stop."""

    def __init__(self, guard: DivergenceGuard):
        super().__init__()
        self.guard = guard
        self.signal_name: Optional[str] = None

    def request(self, signum, frame) -> None:
        import signal as signal_module

        self.signal_name = signal_module.Signals(signum).name

    def on_train_batch_end(self, batch, logs=None):
        if self.signal_name and not self.model.stop_training:
            self.guard.save()
            self.model.stop_training = True


class TensorBoardLogger(keras.callbacks.Callback):
    """Scalars (losses, D(real), D(fake), penalty, steps/s) every `every` steps (--log_every) and
    the fixed-noise grid every `image_every` steps (--sample_every), as TensorBoard events."""

    def __init__(self, run: RunDir, every: int = 100, pixel_range=(-1.0, 1.0), image_every: int = 500):
        super().__init__()
        self.writer = tf.summary.create_file_writer(run.events)
        self.every, self.image_every, self.pixel_range = every, image_every, pixel_range
        self._last = None

    def on_train_batch_end(self, batch, logs=None):
        step = global_step(self.model)
        scalars, image = step % self.every == 0, step % self.image_every == 0
        if not (scalars or image):
            return
        now = time.time()
        with self.writer.as_default(step=step):
            if scalars:
                for name, value in (logs or {}).items():
                    tf.summary.scalar(name, float(value))
                if self._last is not None:
                    tf.summary.scalar("steps_per_second", (step - self._last[0]) / max(now - self._last[1], 1e-9))
                self._last = (step, now)
            if image and len(self.model.generator.output.shape) == 4:
                grid = sample_grid(self.model, self.pixel_range)
                tf.summary.image("samples", (grid if grid.ndim == 3 else grid[..., None])[None])
        self.writer.flush()
