"""Keras callbacks of a training run: progress lines, fixed-noise sample grids, checkpoints."""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from lsgan_tf.gan import ConditionalGAN
from lsgan_tf.images import make_grid, save_png, to_uint8


def _global_step(model) -> int:
    return int(model.g_optimizer.iterations)


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
        self._last_time, self._last_step = time.time(), _global_step(self.model)

    def on_train_batch_end(self, batch, logs=None):
        step = _global_step(self.model)
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


def fixed_sample_inputs(model, count: int = 64, columns: int = 8, seed: int = 0):
    """The fixed inputs of the sample grids: z from `seed`; for a conditional model,
    labels chosen so that every column of the grid shows one fixed class."""
    z = np.random.default_rng(seed).standard_normal((count, model.z_dim)).astype(np.float32)
    if not isinstance(model, ConditionalGAN):
        return z
    column_classes = np.linspace(0, model.num_classes - 1, columns).round().astype(np.int32)
    return [z, np.tile(column_classes, count // columns)]


class SampleGridCallback(keras.callbacks.Callback):
    """Writes `samples/step_XXXXXX.png`: G applied to fixed inputs every `every` steps and at the end."""

    def __init__(self, out_dir: str, every: int, total_steps: int, seed: int = 0,
                 pixel_range: Tuple[float, float] = (-1.0, 1.0), count: int = 64, columns: int = 8):
        super().__init__()
        self.directory = os.path.join(out_dir, "samples")
        self.every, self.total_steps = every, total_steps
        self.seed, self.pixel_range, self.count, self.columns = seed, pixel_range, count, columns
        self.last_path: Optional[str] = None

    def on_train_batch_end(self, batch, logs=None):
        step = _global_step(self.model)
        if step % self.every == 0 or step == self.total_steps:
            self.last_path = self.write(step)

    def write(self, step: int) -> str:
        inputs = fixed_sample_inputs(self.model, self.count, self.columns, self.seed)
        images = self.model.generator(inputs, training=False)
        grid = make_grid(to_uint8(images, self.pixel_range), columns=self.columns)
        return save_png(grid, os.path.join(self.directory, f"step_{step:06d}.png"))


class CheckpointCallback(keras.callbacks.Callback):
    """Saves through a tf.train.CheckpointManager every `every` steps and at the last step."""

    def __init__(self, manager: tf.train.CheckpointManager, every: int, total_steps: int):
        super().__init__()
        self.manager, self.every, self.total_steps = manager, every, total_steps

    def on_train_batch_end(self, batch, logs=None):
        step = _global_step(self.model)
        if step % self.every == 0 or step == self.total_steps:
            self.manager.save(checkpoint_number=step)
