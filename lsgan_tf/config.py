"""The configuration of a training run: every flag, filled from the dataset's preset and the
loss family's settings, and checked before any work starts.

Importing this module loads no TensorFlow: the registries that do (architectures, losses,
objectives, data pipelines) are imported when a config is resolved or flags are defined."""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import inspect
import math
import os
import typing
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple

from absl import flags

from lsgan_tf import presets
from lsgan_tf.errors import ConfigError
from lsgan_tf.noise import NOISE_DISTRIBUTIONS

OPTIMIZERS = ("adam", "rmsprop")
STRATEGIES = ("default", "mirrored", "multi_worker")
JIT_CHOICES = ("auto", "true", "false")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
KERNEL_CHOICES = ("fast", "keras")  # lsgan_tf.kernels.KERNELS (this module loads no TensorFlow)
# Architectures whose iteration costs about as much as Keras' per-step Python overhead (the
# Gaussian-mixture MLPs: ~5 ms), so that running many steps per call pays (docs/PERFORMANCE.md).
OVERHEAD_BOUND_ARCHITECTURES = ("mixture",)
MAX_AUTO_STEPS_PER_EXECUTION = 100
# Settings that define the model, its objective or what its checkpoints hold: a resumed run
# must keep them (--precision may change: checkpoints hold the same variables in every policy).
MODEL_SETTINGS = ("dataset", "arch", "arch_option", "loss", "coding", "reduction", "z_dim", "conditional", "noise",
                  "ema", "optimizer")
# Architecture options with flags of their own (--z_dim) or set from the data (num_classes).
RESERVED_ARCH_OPTIONS = ("z_dim", "num_classes")
BOOLEAN_WORDS = {"true": True, "1": True, "false": False, "0": False}
# The valid range of each numeric setting: (low, high, low included); high is never included.
NUMBER_RANGES = {
    "lr": (0.0, math.inf, False), "g_lr": (0.0, math.inf, False), "epsilon": (0.0, math.inf, False),
    "beta_1": (0.0, 1.0, True), "beta_2": (0.0, 1.0, True), "ema_decay": (0.0, 1.0, False),
    "gp_weight": (0.0, math.inf, True),
}
# The choices of a setting whose registry loads TensorFlow: read on first use (`choices_of`).
REGISTRY_CHOICES = "registry"

PRESET_NOTES = " | ".join(f"{name}: {preset.notes.rstrip('.')}" for name, preset in sorted(presets.PRESETS.items()))


def setting(default: Any, help: str, choices: Optional[Sequence[str]] = None, flag: bool = True) -> Any:
    """A TrainConfig field with its command-line help and choices: the one declaration of a
    setting, from which lsgan-train's flags are generated (`define_flags`). `choices` is a tuple,
    or REGISTRY_CHOICES for the names of a registry (`choices_of`). flag=False marks a value that
    `resolve` copies from the preset so that config.json records it, with no flag."""
    if choices is not None and choices != REGISTRY_CHOICES:
        choices = tuple(choices)
    return dataclasses.field(default=default, metadata={"help": help, "choices": choices, "flag": flag})


def choices_of(field: dataclasses.Field) -> Optional[Tuple[str, ...]]:
    """The valid values of a setting (None: any value of its type)."""
    if field.metadata["choices"] != REGISTRY_CHOICES:
        return field.metadata["choices"]
    from lsgan_tf import architectures, losses, objectives

    registries = {"loss": objectives.OBJECTIVES, "coding": losses.CODINGS, "reduction": losses.REDUCTIONS,
                  "arch": architectures.ARCHITECTURES}
    return tuple(sorted(registries[field.name]))


@dataclasses.dataclass
class TrainConfig:
    """Every setting of a run. None means "take it from the dataset's preset"."""

    dataset: str = setting("digits", "Dataset preset, or tfds:NAME for a TFDS dataset (mnist, cifar10, lsun/CATEGORY, "
                                     "hwdb1), downloaded by TFDS when it can be. Sets the paper's architecture, coding "
                                     "and hyperparameters. Presets: " + PRESET_NOTES + ".")
    data_dir: Optional[str] = setting(None, "Where the dataset lives (prepared TFRecords, image folders or raw files; "
                                            "for tfds:NAME, a TFDS data directory). Rendered digits need none; mnist "
                                            "and cifar10 without it are downloaded by TFDS.")
    tfds_data_dir: Optional[str] = setting(None, "Where TFDS downloads and prepares mnist, cifar10 and tfds:NAME when "
                                                 "--data_dir is not given. Default: TFDS's own (~/tensorflow_datasets, "
                                                 "or $TFDS_DATA_DIR).")
    crop: bool = setting(True, "Centre-crop non-square images (image folders, LSUN LMDBs, TFDS) to a square before "
                               "resizing, as lsgan-prep-lsun and lsgan-prep-cats do; false: stretch them (the "
                               "authors' LSUN code).")
    skip_corrupt: bool = setting(False, "Leave unreadable training records (a broken image, a cut-short .gnt file or "
                                        "TFRecord shard) out and count them in train.log, instead of stopping with an "
                                        "error that names the first.")
    conditional: Optional[bool] = setting(None, "Train the class-conditional model (hwdb). Default: the preset's.")
    loss: str = setting("lsgan", "Loss family (lsgan_tf/objectives.py).", REGISTRY_CHOICES)
    coding: Optional[str] = setting(None, "LSGAN a-b-c coding: -110 (Eq. 13) or 011 (Eq. 14). Default: the "
                                          "preset's.", REGISTRY_CHOICES)
    reduction: str = setting("mean", "LS loss reduction: mean (the paper) or sum (the authors' code: half the batch "
                                     "sum).", REGISTRY_CHOICES)
    arch: Optional[str] = setting(None, "Architecture override. Default: the preset's.", REGISTRY_CHOICES)
    steps: Optional[int] = setting(None, "Total training steps (G updates). Default: the paper's count for the "
                                         "dataset.")
    batch_size: Optional[int] = setting(None, "Global batch size. Default: the preset's (64; 512 for the mixture).")
    lr: Optional[float] = setting(None, "Learning rate of D, and of G unless --g_lr is given. Default: the preset's.")
    g_lr: Optional[float] = setting(None, "Learning rate of G. Default: --lr when given, else the preset's (1e-3 for "
                                          "the mixture, --lr's otherwise).")
    z_dim: Optional[int] = setting(None, "Noise dimension. Default: the preset's.")
    optimizer: Optional[str] = setting(None, "Optimizer. Default: the preset's (Adam, beta1 = 0.5).", OPTIMIZERS)
    beta_1: Optional[float] = setting(None, "Adam's beta_1. Default: the preset's (0.5).")
    beta_2: Optional[float] = setting(None, "Adam's beta_2. Default: the preset's (0.999; 0.9 for lsgan_gp and "
                                            "wgan_gp).")
    epsilon: Optional[float] = setting(None, "Adam's epsilon. Default: the preset's (1e-8, as the authors' TF1 code).")
    d_steps: Optional[int] = setting(None, "Discriminator updates per generator update. Default: 1 (5 for wgan_gp).")
    gp_weight: Optional[float] = setting(None, "Gradient-penalty weight. Default: the loss family's paper weight for "
                                               "--reduction (lsgan_gp: 150/64, 150 with sum; wgan_gp: 10), recorded in "
                                               "config.json.")
    out_dir: Optional[str] = setting(None, "Run directory: config.json (settings and their history), checkpoints/, "
                                           "samples/, events/ (TensorBoard), train.log. Default: "
                                           "runs/<dataset>-<loss>. Re-running into it resumes the run; settings that "
                                           "define the model (" + ", ".join(MODEL_SETTINGS) + ") must match.")
    sample_every: int = setting(500, "Write a fixed-noise sample grid every N steps.")
    checkpoint_every: int = setting(1000, "Write a checkpoint every N steps.")
    keep_checkpoints: int = setting(3, "How many recent checkpoints to keep.")
    seed: int = setting(0, "Seed of weights, noise and data order.")
    ema: bool = setting(False, "Keep an exponential moving average of G's weights; samples and export use it.")
    ema_decay: float = setting(0.999, "EMA decay per step.")
    noise: str = setting("normal", "z ~ N(0, I) (the papers) or U(-1, 1) (the authors' digit code).",
                         NOISE_DISTRIBUTIONS)
    strategy: str = setting("default", "tf.distribute strategy: one device, all local GPUs (MirroredStrategy), or the "
                                       "workers of TF_CONFIG.", STRATEGIES)
    sync_bn: bool = setting(False, "Batch-norm statistics over all replicas (Keras synchronized=True) instead of per "
                                   "replica.")
    jit_compile: str = setting("auto", "XLA for train_step; auto: off on CPU (measured 1.2-12x slower for every "
                                       "architecture), on with a GPU.", JIT_CHOICES)
    precision: str = setting("float32", "Keras dtype policy of both networks: float32 (the papers), mixed_float16 "
                                        "(GPUs; with dynamic loss scaling) or mixed_bfloat16 (GPUs and CPUs with bf16 "
                                        "units). Weights, losses, batch-norm statistics and penalty gradient norms "
                                        "stay float32; exports are float32.", PRECISIONS)
    kernels: str = setting("fast", "fast: the transposed convolutions, batch norm and Adam updates by the faster "
                                   "kernels of lsgan_tf/kernels (the same math, tested); keras: Keras' own layers and "
                                   "Adam (the fallback should a Keras release break the fast ones). Checkpoints "
                                   "restore under either.", KERNEL_CHOICES)
    log_every: int = setting(100, "Progress line and TensorBoard scalars every N steps.")
    eval_every: int = setting(5000, "Score the generator (its EMA copy with --ema) every N steps with the dataset's "
                                    "metric (digits: FD-digits and the digit classifier's scores; hwdb: class "
                                    "accuracy; the mixture: its mode statistics; image sets: FID, KID, IS and "
                                    "precision/recall on Inception features) into <out_dir>/metrics.jsonl and "
                                    "TensorBoard; 0: never.")
    eval_samples: int = setting(2000, "Samples scored at each --eval_every evaluation (lsgan-evaluate's default is "
                                      "5,000).")
    keep_best: bool = setting(False, "Keep the checkpoint of the best --eval_every score so far in <out_dir>/best/ "
                                     "(lowest FD-digits or FID, highest class accuracy or modes covered).")
    inception_weights: Optional[str] = setting(None, "A local Inception graph (classify_image_graph_def.pb) for "
                                                     "--eval_every on image sets; else it is fetched once into "
                                                     "~/.cache/lsgan_tf.")
    steps_per_execution: int = setting(0, "Training steps per compiled call (must divide the log, sample and "
                                          "checkpoint intervals). 0: automatic, up to 100 for the overhead-bound "
                                          "mixture MLPs, 1 for the image nets.")
    simultaneous_updates: Optional[bool] = setting(None, "G and D updated from the same state (the mixture's ls.py); "
                                                         "from the preset.", flag=False)
    pixel_range: Optional[Tuple[float, float]] = setting(None, "The generator's output range; from the preset.",
                                                         flag=False)
    image_shape: Optional[Tuple[int, ...]] = setting(None, "The training images' shape (() for 2-D points); from the "
                                                           "preset.", flag=False)
    arch_option: Sequence[str] = setting((), "NAME=VALUE option of the architecture, repeatable, e.g. digits' "
                                             "kernel_size=5 and fc_norm=flat (the authors' code) or d_fc_norm=false "
                                             "(no BN in D's FC layer: the demo). See lsgan_tf/architectures.")

    @property
    def tfds_name(self) -> Optional[str]:
        """The TFDS dataset that the run reads: NAME of --dataset=tfds:NAME, the TFDS download of
        mnist or cifar10 when no --data_dir is given, else None."""
        if self.dataset.startswith("tfds:"):
            return self.dataset[len("tfds:"):]
        return presets.tfds_download(self.dataset) if self.data_dir is None else None

    @property
    def source_dir(self) -> Optional[str]:
        """Where the data functions read the dataset: --data_dir, or for a TFDS source without
        it, --tfds_data_dir (None: TFDS's default directory)."""
        return self.tfds_data_dir if self.tfds_name and self.data_dir is None else self.data_dir

    def default_out_dir(self) -> str:
        """runs/<dataset>-<loss>: a run directory per dataset and loss unless --out_dir is given."""
        return os.path.join("runs", f"{self.dataset.replace(':', '_').replace('/', '_')}-{self.loss}")

    @property
    def preset_name(self) -> str:
        """The preset that trains --dataset (tfds:mnist -> mnist)."""
        return presets.preset_for_tfds(self.tfds_name) if self.tfds_name else self.dataset

    def with_run_settings(self, stored: Dict[str, Any], given: Iterable[str]) -> "TrainConfig":
        """A copy in which every flag setting not in `given` (the flags the user typed) takes the
        value that `stored` (a run's config.json) records: resuming needs only the flags that
        change, and a default the user did not type never conflicts with the run."""
        given = set(given)
        kept = {field.name: stored[field.name] for field in dataclasses.fields(self)
                if field.metadata["flag"] and field.name not in given and field.name in stored}
        return dataclasses.replace(self, **{name: tuple(value) if isinstance(value, list) else value
                                            for name, value in kept.items()})

    def resolve(self, data_needed: bool = True) -> "TrainConfig":
        """A copy with every None filled from the preset, after checking each value (and that
        the data is there, unless `data_needed` is False: restoring a trained run for export,
        sampling or scoring against saved statistics does not read it)."""
        from lsgan_tf import objectives
        from lsgan_tf.data.datasets import check_data

        try:
            preset = presets.get(self.preset_name)
        except ValueError as error:
            raise ConfigError(f"--dataset: {error}") from None
        try:
            objective = objectives.get(self.loss)
        except ValueError as error:
            raise ConfigError(f"--loss: {error}") from None
        preset = objective.adjust_preset(preset)
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
            beta_1=chosen(self.beta_1, preset.beta_1),
            beta_2=chosen(self.beta_2, preset.beta_2),
            epsilon=chosen(self.epsilon, preset.epsilon),
            gp_weight=chosen(self.gp_weight, objective.default_penalty_weight(self.reduction)),
            simultaneous_updates=preset.simultaneous_updates,
            pixel_range=tuple(preset.pixel_range),
            image_shape=tuple(preset.image_shape),
            out_dir=chosen(self.out_dir, self.default_out_dir()),
        )
        resolved._check()
        if not resolved.steps_per_execution:
            resolved.steps_per_execution = resolved.auto_steps_per_execution()
        if data_needed:
            check_data(preset, resolved.source_dir, resolved.tfds_name)
        return resolved

    def _check(self) -> None:
        from lsgan_tf import architectures

        for field in dataclasses.fields(self):
            choices = choices_of(field)
            if choices and getattr(self, field.name) not in choices:
                raise ConfigError(f"--{field.name}: expected one of {list(choices)}, "
                                  f"got {getattr(self, field.name)!r}.")
        if self.conditional != (self.arch in architectures.CONDITIONAL_ARCHITECTURES):
            raise ConfigError(
                f"--conditional={self.conditional} does not fit --arch={self.arch}: conditional "
                f"architectures are {sorted(architectures.CONDITIONAL_ARCHITECTURES)}, and only "
                f"labelled datasets (hwdb) train them."
            )
        for flag in ("steps", "batch_size", "d_steps", "sample_every", "checkpoint_every", "keep_checkpoints", "z_dim",
                     "log_every"):
            if getattr(self, flag) < 1:
                raise ConfigError(f"--{flag}: must be a positive integer, got {getattr(self, flag)}.")
        if self.eval_every < 0 or self.eval_samples < 10:
            raise ConfigError(f"--eval_every must be >= 0 (0: never) and --eval_samples >= 10, got {self.eval_every} "
                              f"and {self.eval_samples}.")
        if self.steps_per_execution < 0:
            raise ConfigError(f"--steps_per_execution: must be >= 0 (0 = automatic), got {self.steps_per_execution}.")
        for flag in ("log_every", "sample_every", "checkpoint_every", "eval_every"):
            if self.steps_per_execution and getattr(self, flag) % self.steps_per_execution:
                raise ConfigError(
                    f"--steps_per_execution={self.steps_per_execution} must divide --{flag}={getattr(self, flag)} "
                    f"(callbacks run between executions); use a divisor of it or 0 for automatic."
                )
        for flag, (low, high, closed) in NUMBER_RANGES.items():
            value = getattr(self, flag)
            if value is None:
                continue
            inside = math.isfinite(value) and (low <= value if closed else low < value) and value < high
            if not inside:
                bounds = f"{'[' if closed else '('}{low}, {high})"
                raise ConfigError(f"--{flag}: must be a finite number in {bounds}, got {value}.")
        self.arch_options()

    def arch_options(self) -> Dict[str, Any]:
        """--arch_option=NAME=VALUE flags as keyword options of the architecture's function
        (e.g. digits' kernel_size=5, fc_norm=flat, d_fc_norm=false), each value converted to
        the type of that option's default; a ConfigError names a bad or unknown one."""
        from lsgan_tf import architectures

        parameters = inspect.signature(architectures.ARCHITECTURES[self.arch]).parameters
        known = sorted(name for name in parameters if name not in RESERVED_ARCH_OPTIONS)
        options = {}
        for spec in self.arch_option:
            name, separator, text = spec.partition("=")
            if not separator or name not in known:
                raise ConfigError(
                    f"--arch_option={spec}: expected NAME=VALUE with NAME one of {known} (the options of "
                    f"--arch={self.arch})."
                )
            default = parameters[name].default
            try:
                if isinstance(default, bool):
                    options[name] = BOOLEAN_WORDS[text.lower()]
                else:
                    options[name] = type(default)(text) if default is not None else text
            except (KeyError, ValueError):
                raise ConfigError(
                    f"--arch_option={spec}: {name} takes a value of type {type(default).__name__} (default "
                    f"{default!r})."
                ) from None
        return options

    def auto_steps_per_execution(self) -> int:
        """Training steps per compiled call when --steps_per_execution=0: for overhead-bound
        architectures the largest divisor of the log, sample and checkpoint intervals up to
        100 (callbacks then still see every step they act on); 1 elsewhere, where a step's
        compute dwarfs the per-call overhead and a long call would delay SIGTERM handling."""
        if self.arch not in OVERHEAD_BOUND_ARCHITECTURES:
            return 1
        interval = math.gcd(self.log_every, self.sample_every, self.checkpoint_every, self.eval_every)
        return max(d for d in range(1, MAX_AUTO_STEPS_PER_EXECUTION + 1) if interval % d == 0)

    @functools.cached_property
    def preset(self) -> presets.Preset:
        """The dataset's preset adjusted to the loss family (looked up once per config)."""
        from lsgan_tf import objectives

        return objectives.get(self.loss).adjust_preset(presets.get(self.preset_name))


def flag_type(field: dataclasses.Field) -> Any:
    """The type a setting's flag parses: its declared type without Optional (a Sequence of
    strings for the repeatable flags)."""
    declared = typing.get_type_hints(TrainConfig)[field.name]
    if typing.get_origin(declared) is typing.Union:
        declared, = (member for member in typing.get_args(declared) if member is not type(None))
    return declared


_FLAG_DEFINERS = {bool: flags.DEFINE_boolean, int: flags.DEFINE_integer, float: flags.DEFINE_float,
                  str: flags.DEFINE_string}


def define_flags(flag_values: flags.FlagValues, names: Optional[Sequence[str]] = None) -> None:
    """One absl flag per TrainConfig field (only `names`, when given), with the field's default,
    help, choices and declared type (their one declaration, above); lsgan-train calls it, and
    experiments that pass training settings through."""
    for field in dataclasses.fields(TrainConfig):
        help_text, choices = field.metadata["help"], choices_of(field)
        if not field.metadata["flag"] or (names is not None and field.name not in names):
            continue
        kind = flag_type(field)
        if choices:
            flags.DEFINE_enum(field.name, field.default, list(choices), help_text, flag_values=flag_values)
        elif typing.get_origin(kind) is collections.abc.Sequence:
            flags.DEFINE_multi_string(field.name, list(field.default), help_text, flag_values=flag_values)
        else:
            _FLAG_DEFINERS[kind](field.name, field.default, help_text, flag_values=flag_values)


def config_from_flags(flag_values: flags.FlagValues) -> TrainConfig:
    """The TrainConfig of parsed flags defined by `define_flags` (not yet resolved)."""
    return TrainConfig(**{field.name: flag_values[field.name].value
                          for field in dataclasses.fields(TrainConfig) if field.metadata["flag"]})


def given_flags(flag_values: flags.FlagValues) -> Tuple[str, ...]:
    """The TrainConfig flags the user typed on the command line."""
    return tuple(field.name for field in dataclasses.fields(TrainConfig)
                 if field.metadata["flag"] and flag_values[field.name].present)
