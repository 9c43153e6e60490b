"""A training run: resolve the configuration from a preset, build the GAN, fit with callbacks.

`train.py` is the command-line face of `train(config)`; tests call `train` directly.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import time
from typing import Any, Dict, Optional

import keras
import numpy as np
import tensorflow as tf

from lsgan_tf import architectures, losses, presets
from lsgan_tf.callbacks import CheckpointCallback, ProgressLogger, SampleGridCallback
from lsgan_tf.data.datasets import DataError, check_data, make_dataset, num_classes, preset_for_tfds
from lsgan_tf.gan import GAN, LOSS_FAMILIES, ConditionalGAN

OPTIMIZERS = ("adam", "rmsprop")


class ConfigError(ValueError):
    """A bad flag value; the message names the flag and the valid choices."""


@dataclasses.dataclass
class TrainConfig:
    """Every setting of a run. None means "take it from the dataset's preset"."""

    dataset: str = "digits"
    data_dir: Optional[str] = None
    conditional: Optional[bool] = None
    loss: str = "lsgan"
    coding: Optional[str] = None
    reduction: str = "mean"
    arch: Optional[str] = None
    steps: Optional[int] = None
    batch_size: Optional[int] = None
    lr: Optional[float] = None
    z_dim: Optional[int] = None
    optimizer: Optional[str] = None
    d_steps: Optional[int] = None
    gp_weight: Optional[float] = None
    out_dir: str = "runs/default"
    sample_every: int = 500
    checkpoint_every: int = 1000
    keep_checkpoints: int = 3
    seed: int = 0

    @property
    def tfds_name(self) -> Optional[str]:
        """NAME of --dataset=tfds:NAME, else None."""
        return self.dataset[len("tfds:"):] if self.dataset.startswith("tfds:") else None

    @property
    def preset_name(self) -> str:
        """The preset that trains --dataset (tfds:mnist -> mnist)."""
        return preset_for_tfds(self.tfds_name) if self.tfds_name else self.dataset

    def resolve(self) -> "TrainConfig":
        """A copy with every None filled from the preset, after checking each value."""
        try:
            preset = presets.get(self.preset_name)
        except (ValueError, DataError) as error:
            raise ConfigError(f"--dataset: {error}") from None
        if self.loss not in LOSS_FAMILIES:
            raise ConfigError(f"--loss: unknown loss {self.loss!r}; expected one of {list(LOSS_FAMILIES)}.")
        preset = presets.for_loss(preset, self.loss)
        resolved = dataclasses.replace(
            self,
            conditional=preset.conditional if self.conditional is None else self.conditional,
            coding=self.coding or preset.coding,
            arch=self.arch or preset.arch,
            steps=preset.steps if self.steps is None else self.steps,
            batch_size=self.batch_size or preset.batch_size,
            lr=self.lr or preset.lr,
            z_dim=self.z_dim or preset.z_dim,
            optimizer=self.optimizer or preset.optimizer,
            d_steps=self.d_steps or preset.d_steps,
        )
        resolved._check()
        check_data(preset, resolved.data_dir, resolved.tfds_name)
        return resolved

    def _check(self) -> None:
        if self.coding not in losses.CODINGS:
            raise ConfigError(f"--coding: unknown coding {self.coding!r}; expected one of {sorted(losses.CODINGS)}.")
        if self.reduction not in losses.REDUCTIONS:
            raise ConfigError(f"--reduction: expected one of {list(losses.REDUCTIONS)}, got {self.reduction!r}.")
        if self.arch not in architectures.ARCHITECTURES:
            raise ConfigError(f"--arch: unknown architecture {self.arch!r}; expected one of {sorted(architectures.ARCHITECTURES)}.")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"--optimizer: expected one of {list(OPTIMIZERS)}, got {self.optimizer!r}.")
        if self.conditional != (self.arch in architectures.CONDITIONAL_ARCHITECTURES):
            raise ConfigError(
                f"--conditional={self.conditional} does not fit --arch={self.arch}: conditional "
                f"architectures are {sorted(architectures.CONDITIONAL_ARCHITECTURES)}, and only "
                f"labelled datasets (hwdb) train them."
            )
        for flag in ("steps", "batch_size", "d_steps", "sample_every", "checkpoint_every", "keep_checkpoints", "z_dim"):
            if getattr(self, flag) < 1:
                raise ConfigError(f"--{flag}: must be a positive integer, got {getattr(self, flag)}.")
        if self.lr <= 0:
            raise ConfigError(f"--lr: must be positive, got {self.lr}.")

    @property
    def preset(self) -> presets.Preset:
        """The dataset's preset adjusted to the loss family."""
        return presets.for_loss(presets.get(self.preset_name), self.loss)


def make_optimizer(name: str, lr: float, preset: presets.Preset) -> keras.optimizers.Optimizer:
    """Adam(lr, beta_1, beta_2, epsilon) of the preset, or RMSProp(lr)."""
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=lr)
    return keras.optimizers.Adam(
        learning_rate=lr, beta_1=preset.beta_1, beta_2=preset.beta_2, epsilon=preset.epsilon
    )


def build_gan(config: TrainConfig, num_classes: Optional[int] = None) -> GAN:
    """The compiled GAN of a resolved config (weights initialised from config.seed);
    `num_classes` sizes a conditional generator's label map."""
    preset = config.preset
    keras.utils.set_random_seed(config.seed)
    options = dict(preset.arch_options)
    if config.conditional and num_classes is not None:
        options["num_classes"] = num_classes
    generator, discriminator = architectures.build(config.arch, z_dim=config.z_dim, **options)
    model_class = ConditionalGAN if config.conditional else GAN
    model = model_class(generator, discriminator, seed=config.seed)
    g_lr = preset.generator_lr if config.lr == preset.lr else config.lr  # an --lr sets both
    model.compile(
        d_optimizer=make_optimizer(config.optimizer, config.lr, preset),
        g_optimizer=make_optimizer(config.optimizer, g_lr, preset),
        loss=config.loss,
        coding=config.coding,
        reduction=config.reduction,
        gp_weight=config.gp_weight,
        d_steps=config.d_steps,
        simultaneous_updates=preset.simultaneous_updates,
    )
    return model


def _write_config(config: TrainConfig) -> None:
    record = {
        **dataclasses.asdict(config),
        "versions": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "python": platform.python_version(),
        },
    }
    path = os.path.join(config.out_dir, "config.json")
    temporary = path + ".tmp"
    with open(temporary, "w") as handle:
        json.dump(record, handle, indent=2, sort_keys=True)
    os.replace(temporary, path)


def train(config: TrainConfig, log=print) -> Dict[str, Any]:
    """Runs (or resumes) a training run; returns the final metrics and the step reached."""
    config = config.resolve()
    classes = num_classes(config.preset, config.data_dir, config.tfds_name) if config.conditional else None
    os.makedirs(config.out_dir, exist_ok=True)
    _write_config(config)
    model = build_gan(config, classes)
    checkpoint = tf.train.Checkpoint(
        model=model, d_optimizer=model.d_optimizer, g_optimizer=model.g_optimizer
    )
    manager = tf.train.CheckpointManager(
        checkpoint, os.path.join(config.out_dir, "checkpoints"), max_to_keep=config.keep_checkpoints
    )
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).expect_partial()
        log(f"resumed from step {int(model.g_optimizer.iterations)}")
    start_step = int(model.g_optimizer.iterations)
    remaining = config.steps - start_step
    history: Dict[str, Any] = {}
    if remaining > 0:
        dataset = make_dataset(
            config.preset,
            batch_size=config.batch_size,
            data_dir=config.data_dir,
            conditional=config.conditional,
            seed=config.seed,
            tfds_name=config.tfds_name,
        )
        callbacks = [
            ProgressLogger(config.steps, log=log),
            SampleGridCallback(config.out_dir, config.sample_every, config.steps, seed=config.seed,
                               pixel_range=config.preset.pixel_range),
            CheckpointCallback(manager, config.checkpoint_every, config.steps),
        ]
        started = time.time()
        result = model.fit(dataset, epochs=1, steps_per_epoch=remaining, callbacks=callbacks, verbose=0, shuffle=False)
        history = {name: float(values[-1]) for name, values in result.history.items()}
        log(f"trained {remaining} steps in {time.time() - started:.1f} s; run directory: {config.out_dir}")
    return {"step": int(model.g_optimizer.iterations), "metrics": history, "model": model}
