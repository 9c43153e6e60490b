"""Keras callbacks of a training run: progress lines, fixed-noise sample grids, checkpoints."""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from keras import ops

from lsgan_tf import runs
from lsgan_tf.checkpoints import save_checkpoint
from lsgan_tf.data import hwdb, hwdb_render
from lsgan_tf.data.mixture import mixture_centers
from lsgan_tf.gan import ConditionalGAN
from lsgan_tf.images import add_captions, make_grid, save_png, to_uint8
from lsgan_tf.noise import draw_z
from lsgan_tf.plots import scatter_png


def global_step(model) -> int:
    """The number of generator updates so far (works for distributed variables too)."""
    return int(tf.convert_to_tensor(model.g_optimizer.iterations.value).numpy())


class ProgressLogger(keras.callbacks.Callback):
    """One live line on a terminal (step, steps/s, ETA, losses); plain periodic lines otherwise."""

    def __init__(self, total_steps: int, every: int = 100, log: Callable[[str], None] = print,
                 stream=None):
        super().__init__()
        self.total_steps = total_steps
        self.every = every
        self.log = log
        self.stream = stream or sys.stdout
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()

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
            self.stream.write("\r" + line)
            self.stream.flush()
            if step == self.total_steps:
                self.stream.write("\n")
        else:
            self.log(line)
        if not self.live or step % self.every == 0:
            self._last_time, self._last_step = now, step


def column_classes(num_classes: int, columns: int, table: Optional[hwdb.ClassTable] = None) -> np.ndarray:
    """The class of each grid column: spread evenly over the classes the data holds."""
    held = np.asarray(table.present() if table is not None else range(num_classes), np.int32)
    return held[np.linspace(0, len(held) - 1, columns).round().astype(int)]


def fixed_sample_inputs(model, count: int = 64, columns: int = 8, seed: int = 0,
                        table: Optional[hwdb.ClassTable] = None):
    """The fixed inputs of the sample grids: z from `seed`; for a conditional model,
    labels chosen so that every column of the grid shows one fixed class."""
    z = draw_z(np.random.default_rng(seed), (count, model.z_dim), model.noise)
    if not isinstance(model, ConditionalGAN):
        return z
    return [z, np.tile(column_classes(model.num_classes, columns, table), count // columns)]


def sample_grid(model, pixel_range, count: int = 64, columns: int = 8, seed: int = 0,
                table: Optional[hwdb.ClassTable] = None) -> np.ndarray:
    """A uint8 grid of the sampling generator (EMA when on) applied to the fixed inputs; with a
    class table, each column's character is printed under it."""
    inputs = fixed_sample_inputs(model, count, columns, seed, table)
    images = to_uint8(model.sampling_generator(inputs, training=False), pixel_range)
    grid = make_grid(images, columns=columns)
    if table is None or not isinstance(model, ConditionalGAN):
        return grid
    classes = inputs[1][:columns]  # the class of each column
    captions = [table.characters[i] for i in classes]
    try:
        font = hwdb_render.find_fonts()[0]
    except hwdb_render.FontError:  # no CJK font here: the GB codes instead
        font, captions = None, [table.codes[i].hex().upper() for i in classes]
    return add_captions(grid, captions, images.shape[2], font_path=font)


class SampleGridCallback(keras.callbacks.Callback):
    """Writes `samples/step_XXXXXX.png`: G applied to fixed inputs every `every` steps and at the end."""

    def __init__(self, out_dir: str, every: int, total_steps: int, seed: int = 0,
                 pixel_range: Tuple[float, float] = (-1.0, 1.0), count: int = 64, columns: int = 8,
                 table: Optional[hwdb.ClassTable] = None):
        super().__init__()
        self.table = table
        self.directory = os.path.join(out_dir, runs.SAMPLES)
        self.every, self.total_steps = every, total_steps
        self.seed, self.pixel_range, self.count, self.columns = seed, pixel_range, count, columns
        self.last_path: Optional[str] = None

    def on_train_batch_end(self, batch, logs=None):
        step = global_step(self.model)
        if step % self.every == 0 or step == self.total_steps:
            self.last_path = self.write(step)

    def write(self, step: int) -> str:
        path = os.path.join(self.directory, f"step_{step:06d}.png")
        if len(self.model.generator.output.shape) == 2:  # 2-D points: a scatter plot
            z = fixed_sample_inputs(self.model, count=2000, seed=self.seed)
            points = ops.convert_to_numpy(self.model.sampling_generator(z, training=False))
            return scatter_png(points, path, mixture_centers(), title=f"step {step}")
        grid = sample_grid(self.model, self.pixel_range, self.count, self.columns, self.seed, self.table)
        return save_png(grid, path)


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the message names the step and the last good checkpoint."""


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
    """Scalars (losses, D(real), D(fake), penalty, steps/s) every `every` steps and the
    fixed-noise grid at the same steps, as TensorBoard events."""

    def __init__(self, directory: str, every: int = 100, pixel_range=(-1.0, 1.0), image_every: int = 500):
        super().__init__()
        self.writer = tf.summary.create_file_writer(directory)
        self.every, self.image_every, self.pixel_range = every, image_every, pixel_range
        self._last = None

    def on_train_batch_end(self, batch, logs=None):
        step = global_step(self.model)
        if step % self.every:
            return
        now = time.time()
        with self.writer.as_default(step=step):
            for name, value in (logs or {}).items():
                tf.summary.scalar(name, float(value))
            if self._last is not None:
                tf.summary.scalar("steps_per_second", (step - self._last[0]) / max(now - self._last[1], 1e-9))
            if step % self.image_every == 0 and len(self.model.generator.output.shape) == 4:
                grid = sample_grid(self.model, self.pixel_range)
                tf.summary.image("samples", (grid if grid.ndim == 3 else grid[..., None])[None])
        self.writer.flush()
        self._last = (step, now)
