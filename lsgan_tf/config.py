"""The configuration of a training run: every flag, filled from the dataset's preset and checked
before any work starts."""

from __future__ import annotations

import dataclasses
import inspect
import math
import os
from typing import Any, Dict, Optional, Sequence

from lsgan_tf import architectures, losses, presets
from lsgan_tf.data.datasets import DataError, check_data, preset_for_tfds
from lsgan_tf.gan import LOSS_FAMILIES
from lsgan_tf.noise import NOISE_DISTRIBUTIONS

OPTIMIZERS = ("adam", "rmsprop")
STRATEGIES = ("default", "mirrored", "multi_worker")
JIT_CHOICES = ("auto", "true", "false")
# Architectures whose iteration costs about as much as Keras' per-step Python overhead (the
# Gaussian-mixture MLPs: ~5 ms), so that running many steps per call pays (docs/PERFORMANCE.md).
OVERHEAD_BOUND_ARCHITECTURES = ("mixture",)
MAX_AUTO_STEPS_PER_EXECUTION = 100
# Architecture options with flags of their own (--z_dim) or set from the data (num_classes).
RESERVED_ARCH_OPTIONS = ("z_dim", "num_classes")
BOOLEAN_WORDS = {"true": True, "1": True, "false": False, "0": False}


class ConfigError(ValueError):
    """A bad flag value; the message names the flag and the valid choices."""


@dataclasses.dataclass
class TrainConfig:
    """Every setting of a run. None means "take it from the dataset's preset"."""

    dataset: str = "digits"
    data_dir: Optional[str] = None
    skip_corrupt: bool = False
    conditional: Optional[bool] = None
    loss: str = "lsgan"
    coding: Optional[str] = None
    reduction: str = "mean"
    arch: Optional[str] = None
    steps: Optional[int] = None
    batch_size: Optional[int] = None
    lr: Optional[float] = None
    g_lr: Optional[float] = None  # None: --lr when given, else the preset's G rate
    z_dim: Optional[int] = None
    optimizer: Optional[str] = None
    d_steps: Optional[int] = None
    gp_weight: Optional[float] = None
    out_dir: Optional[str] = None  # None: runs/<dataset>-<loss>
    sample_every: int = 500
    checkpoint_every: int = 1000
    keep_checkpoints: int = 3
    seed: int = 0
    ema: bool = False
    ema_decay: float = 0.999
    noise: str = "normal"
    strategy: str = "default"
    sync_bn: bool = False
    jit_compile: str = "auto"
    log_every: int = 100
    steps_per_execution: int = 0  # 0: automatic (see auto_steps_per_execution)
    arch_option: Sequence[str] = ()  # NAME=VALUE keyword options of the architecture function

    @property
    def tfds_name(self) -> Optional[str]:
        """NAME of --dataset=tfds:NAME, else None."""
        return self.dataset[len("tfds:"):] if self.dataset.startswith("tfds:") else None

    def default_out_dir(self) -> str:
        """runs/<dataset>-<loss>: a run directory per dataset and loss unless --out_dir is given."""
        return os.path.join("runs", f"{self.dataset.replace(':', '_').replace('/', '_')}-{self.loss}")

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
        def chosen(value, default):
            return default if value is None else value

        resolved = dataclasses.replace(
            self,
            conditional=chosen(self.conditional, preset.conditional),
            coding=chosen(self.coding, preset.coding),
            arch=chosen(self.arch, preset.arch),
            steps=chosen(self.steps, preset.steps),
            batch_size=chosen(self.batch_size, preset.batch_size),
            lr=chosen(self.lr, preset.lr),
            g_lr=chosen(self.g_lr, chosen(self.lr, preset.generator_lr)),
            z_dim=chosen(self.z_dim, preset.z_dim),
            optimizer=chosen(self.optimizer, preset.optimizer),
            d_steps=chosen(self.d_steps, preset.d_steps),
            out_dir=chosen(self.out_dir, self.default_out_dir()),
        )
        resolved._check()
        if not resolved.steps_per_execution:
            resolved.steps_per_execution = resolved.auto_steps_per_execution()
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
        for flag in ("steps", "batch_size", "d_steps", "sample_every", "checkpoint_every", "keep_checkpoints", "z_dim", "log_every"):
            if getattr(self, flag) < 1:
                raise ConfigError(f"--{flag}: must be a positive integer, got {getattr(self, flag)}.")
        if self.steps_per_execution < 0:
            raise ConfigError(f"--steps_per_execution: must be >= 0 (0 = automatic), got {self.steps_per_execution}.")
        for flag in ("log_every", "sample_every", "checkpoint_every"):
            if self.steps_per_execution and getattr(self, flag) % self.steps_per_execution:
                raise ConfigError(
                    f"--steps_per_execution={self.steps_per_execution} must divide --{flag}={getattr(self, flag)} "
                    f"(callbacks run between executions); use a divisor of it or 0 for automatic."
                )
        for flag in ("lr", "g_lr"):
            if getattr(self, flag) <= 0:
                raise ConfigError(f"--{flag}: must be positive, got {getattr(self, flag)}.")
        if self.strategy not in STRATEGIES:
            raise ConfigError(f"--strategy: expected one of {list(STRATEGIES)}, got {self.strategy!r}.")
        if self.noise not in NOISE_DISTRIBUTIONS:
            raise ConfigError(f"--noise: expected one of {list(NOISE_DISTRIBUTIONS)}, got {self.noise!r}.")
        if self.jit_compile not in JIT_CHOICES:
            raise ConfigError(f"--jit_compile: expected one of {list(JIT_CHOICES)}, got {self.jit_compile!r}.")
        if self.ema and not 0.0 < self.ema_decay < 1.0:
            raise ConfigError(f"--ema_decay: must be in (0, 1), got {self.ema_decay}.")
        self.arch_options()

    def arch_options(self) -> Dict[str, Any]:
        """--arch_option=NAME=VALUE flags as keyword options of the architecture's function
        (e.g. digits' kernel_size=5, fc_norm=flat, d_fc_norm=false), each value converted to
        the type of that option's default; a ConfigError names a bad or unknown one."""
        parameters = inspect.signature(architectures.ARCHITECTURES[self.arch]).parameters
        known = sorted(name for name in parameters if name not in RESERVED_ARCH_OPTIONS)
        options = {}
        for spec in self.arch_option:
            name, separator, text = spec.partition("=")
            if not separator or name not in known:
                raise ConfigError(
                    f"--arch_option={spec}: expected NAME=VALUE with NAME one of {known} (the options of --arch={self.arch})."
                )
            default = parameters[name].default
            try:
                if isinstance(default, bool):
                    options[name] = BOOLEAN_WORDS[text.lower()]
                else:
                    options[name] = type(default)(text) if default is not None else text
            except (KeyError, ValueError):
                raise ConfigError(
                    f"--arch_option={spec}: {name} takes a value of type {type(default).__name__} (default {default!r})."
                ) from None
        return options

    def auto_steps_per_execution(self) -> int:
        """Training steps per compiled call when --steps_per_execution=0: for overhead-bound
        architectures the largest divisor of the log, sample and checkpoint intervals up to
        100 (callbacks then still see every step they act on); 1 elsewhere, where a step's
        compute dwarfs the per-call overhead and a long call would delay SIGTERM handling."""
        if self.arch not in OVERHEAD_BOUND_ARCHITECTURES:
            return 1
        interval = math.gcd(self.log_every, self.sample_every, self.checkpoint_every)
        return max(d for d in range(1, MAX_AUTO_STEPS_PER_EXECUTION + 1) if interval % d == 0)

    @property
    def preset(self) -> presets.Preset:
        """The dataset's preset adjusted to the loss family."""
        return presets.for_loss(presets.get(self.preset_name), self.loss)
