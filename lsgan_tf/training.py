"""A training run: build the GAN of a resolved config under a tf.distribute strategy, restore
the newest checkpoint, and `fit` with the run's callbacks.

`train.py` is the command-line face of `train(config)`; tests call `train` directly.

Resuming is exact: the checkpoint holds both networks, both optimizers, the EMA generator,
BN statistics and the noise RNG state, and the input pipeline (deterministic for a seed)
is fast-forwarded past the batches already consumed, so a killed-and-resumed run ends with
the same weights as an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import platform
import signal
import subprocess
import time
from typing import Any, Callable, Dict, Optional, Sequence

import keras
import tensorflow as tf

from lsgan_tf import architectures, runs
from lsgan_tf.architectures.blocks import synchronized_batch_norm
from lsgan_tf.callbacks import (
    global_step,
    CheckpointCallback,
    DivergenceGuard,
    ProgressLogger,
    SampleGridCallback,
    StopOnSignal,
    TensorBoardLogger,
    TrainingDiverged,
)
from lsgan_tf.checkpoints import restore_newest_readable
from lsgan_tf.config import ConfigError, TrainConfig
from lsgan_tf.data.corrupt import CorruptRecords
from lsgan_tf.data.datasets import DataError, class_table, make_dataset, num_classes
from lsgan_tf.distribute import make_strategy, worker_is_chief
from lsgan_tf.gan import GAN, ConditionalGAN
from lsgan_tf.optimizers import FusedAdam
from lsgan_tf.run_lock import run_directory_lock

__all__ = ["ConfigError", "TrainConfig", "TrainingDiverged", "build_gan", "make_optimizer", "train"]


def make_optimizer(name: str, lr: float, settings) -> keras.optimizers.Optimizer:
    """Adam(lr, beta_1, beta_2, epsilon) of `settings` (a resolved TrainConfig or a Preset; one
    kernel per variable, lsgan_tf/optimizers.py), or RMSProp(lr)."""
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=lr)
    return FusedAdam(
        learning_rate=lr, beta_1=settings.beta_1, beta_2=settings.beta_2, epsilon=settings.epsilon
    )


def resolve_jit_compile(choice: str) -> bool:
    """--jit_compile=auto: plain graph mode on CPU, where XLA measured slower for every
    architecture (bench/train_step_ab.py --compare=xla: 1.2x digits to 12x dcgan64), XLA when a
    GPU is visible."""
    if choice == "auto":
        return bool(tf.config.list_logical_devices("GPU"))
    return choice == "true"


def learning_rates(config: TrainConfig) -> tuple:
    """(D learning rate, G learning rate) of a resolved config: --lr and --g_lr as given, else
    the preset's pair (G follows a given --lr; only the mixture's preset has a G rate of its own)."""
    return config.lr, config.g_lr


def build_gan(config: TrainConfig, num_classes: Optional[int] = None) -> GAN:
    """The compiled GAN of a resolved config (weights initialised from config.seed);
    `num_classes` sizes a conditional generator's label map."""
    # Grappler's remapper fuses a bias add with the LeakyReLU after it although LeakyReluGrad
    # still reads the pre-activation; on D's bias + LeakyReLU convs (digits, hwdb) its graph
    # mutation then fails, now and then, printing "E0000 ... remapper failed" and dropping the
    # pass. Turned off, the math is the same and the terminal stays quiet; an in-process A/B of
    # the digits iteration measured no speed difference (on/off 1.02 in 12 alternating blocks).
    tf.config.optimizer.set_experimental_options({"remapping": False})
    keras.utils.set_random_seed(config.seed)
    options = {**dict(config.preset.arch_options), **config.arch_options()}
    if config.conditional and num_classes is not None:
        options["num_classes"] = num_classes
    with synchronized_batch_norm(config.sync_bn):
        try:
            generator, discriminator = architectures.build(config.arch, z_dim=config.z_dim, **options)
        except ValueError as error:  # an option value the architecture rejects (e.g. variant)
            raise ConfigError(f"--arch_option: {error}") from None
    model_class = ConditionalGAN if config.conditional else GAN
    model = model_class(generator, discriminator, seed=config.seed, noise=config.noise)
    if config.ema:
        model.enable_ema(config.ema_decay)
    d_lr, g_lr = learning_rates(config)
    model.compile(
        d_optimizer=make_optimizer(config.optimizer, d_lr, config),
        g_optimizer=make_optimizer(config.optimizer, g_lr, config),
        loss=config.loss,
        coding=config.coding,
        reduction=config.reduction,
        gp_weight=config.gp_weight,
        d_steps=config.d_steps,
        simultaneous_updates=config.simultaneous_updates,
        jit_compile=resolve_jit_compile(config.jit_compile),
        steps_per_execution=max(1, config.steps_per_execution),
    )
    return model


def _git_commit() -> Optional[str]:
    try:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        return subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


# Settings that define the model or its objective: a resumed run must keep them.
MODEL_SETTINGS = ("dataset", "arch", "arch_option", "loss", "coding", "reduction", "z_dim", "conditional", "noise")


def _comparable(value):
    return list(value) if isinstance(value, (list, tuple)) else value


def check_resume_settings(config: TrainConfig, stored: Optional[Dict[str, Any]]) -> Dict[str, list]:
    """The settings that differ from the run's stored config.json, as {name: [stored, given]}.
    Raises ConfigError listing them when one of MODEL_SETTINGS differs (the checkpoints hold
    another model or objective); the others (steps, learning rate, intervals, ...) may change."""
    if stored is None:
        return {}
    given = dataclasses.asdict(config)
    changed = {name: [stored[name], given[name]] for name in given
               if name in stored and _comparable(stored[name]) != _comparable(given[name])}
    conflicts = {name: values for name, values in changed.items() if name in MODEL_SETTINGS}
    if conflicts:
        lines = "; ".join(f"--{name}: the run has {old!r}, the command gives {new!r}" for name, (old, new) in conflicts.items())
        raise ConfigError(
            f"--out_dir={config.out_dir} holds a run with other model settings ({lines}). Resume it with its own "
            f"settings (config.json), or pass another --out_dir for the new run."
        )
    return changed


def _write_config(config: TrainConfig, strategy: tf.distribute.Strategy, classes: Optional[int],
                  stored: Optional[Dict[str, Any]], changed: Dict[str, list]) -> None:
    """config.json: the settings of this start, and the history of every start of the run
    (its time and the settings it changed)."""
    history = list(stored.get("history", [])) if stored else []
    history.append({"started": time.strftime("%Y-%m-%d %H:%M:%S"), "changed": changed})
    record = {
        **dataclasses.asdict(config),
        "num_classes": classes,
        "replicas": strategy.num_replicas_in_sync,
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "python": platform.python_version()},
        "git_commit": _git_commit(),
        "history": history,
    }
    runs.write_record(config.out_dir, record)


def make_checkpoint(model: GAN) -> tf.train.Checkpoint:
    """Everything a resume needs: networks (with BN statistics), optimizers, EMA, RNG state."""
    objects = dict(
        generator=model.generator, discriminator=model.discriminator,
        d_optimizer=model.d_optimizer, g_optimizer=model.g_optimizer,
        noise_state=model.seed_generator.state,
    )
    if model.ema_generator is not None:
        objects["ema_generator"] = model.ema_generator
    return tf.train.Checkpoint(**objects)


class _Logger:
    """Prints and appends to <out_dir>/train.log."""

    def __init__(self, path: Optional[str], echo: Callable[[str], None]):
        self.path, self.echo = path, echo

    def __call__(self, line: str) -> None:
        self.echo(line)
        if self.path:
            with open(self.path, "a") as handle:
                handle.write(line + "\n")


def train(
    config: TrainConfig,
    log: Callable[[str], None] = print,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> Dict[str, Any]:
    """Runs (or resumes) a training run; returns the step reached, final metrics and the model.
    `callbacks` run after the run's own (progress, samples, logs) and before its checkpoint.

    Raises ConfigError / DataError before creating anything for a bad configuration, DataError
    naming the record when training meets an unreadable one (unless --skip_corrupt), and
    TrainingDiverged (after keeping the last good checkpoint) when a loss turns NaN/Inf.
    """
    config = config.resolve()
    strategy = make_strategy(config.strategy)
    if config.batch_size % strategy.num_replicas_in_sync:
        raise ConfigError(
            f"--batch_size={config.batch_size} is not divisible by the {strategy.num_replicas_in_sync} "
            f"replicas of --strategy={config.strategy}."
        )
    table = class_table(config.preset, config.data_dir, config.tfds_name, config.skip_corrupt) if config.conditional else None
    classes = (len(table) if table is not None else
               num_classes(config.preset, config.data_dir, config.tfds_name, config.skip_corrupt) if config.conditional else None)
    chief = worker_is_chief(strategy)
    out_dir = config.out_dir if chief else os.path.join(config.out_dir, f"worker_{strategy.cluster_resolver.task_id}")
    os.makedirs(out_dir, exist_ok=True)
    with run_directory_lock(config.out_dir) if chief else contextlib.nullcontext():
        return _train_locked(config, strategy, classes, table, chief, out_dir, log, callbacks)


def _train_locked(config, strategy, classes, table, chief, out_dir, log, callbacks) -> Dict[str, Any]:
    """The body of `train`, run while this process holds the run directory (the chief only)."""
    log = _Logger(os.path.join(config.out_dir, runs.LOG_FILE) if chief else None, log if chief else (lambda line: None))
    if chief:
        stored = runs.read_record(config.out_dir)
        changed = check_resume_settings(config, stored)
        _write_config(config, strategy, classes, stored, changed)
        if table is not None:
            runs.write_class_table(config.out_dir, table)
        if changed:
            log("resuming with changed settings: " + ", ".join(f"{name} {old!r} -> {new!r}" for name, (old, new) in changed.items()))

    with strategy.scope():
        model = build_gan(config, classes)
        checkpoint = make_checkpoint(model)
    directory = os.path.join(out_dir, runs.CHECKPOINTS)
    restored = restore_newest_readable(checkpoint, directory, log)
    manager = tf.train.CheckpointManager(checkpoint, directory, max_to_keep=config.keep_checkpoints)
    if restored:
        log(f"resumed from step {global_step(model)}")
        # The checkpoint restores the optimizers' learning rates; the command line wins.
        for optimizer, lr in zip((model.d_optimizer, model.g_optimizer), learning_rates(config)):
            optimizer.learning_rate = lr
    start_step = global_step(model)
    remaining = config.steps - start_step
    history: Dict[str, Any] = {}
    if remaining <= 0:
        return {"step": start_step, "metrics": history, "model": model}
    # Every compiled call must end on a step the callbacks act on and run no step past --steps.
    model.steps_per_execution = math.gcd(model.steps_per_execution, start_step, remaining)

    corrupt = CorruptRecords(skip=config.skip_corrupt)
    dataset = make_dataset(
        config.preset, batch_size=config.batch_size, data_dir=config.data_dir, conditional=config.conditional,
        seed=config.seed, tfds_name=config.tfds_name, corrupt=corrupt, crop=config.crop,
    ).skip(start_step)  # the seeded pipeline is deterministic: continue where the last run stopped
    if corrupt.skipped:
        log(corrupt.summary())
    guard = DivergenceGuard(manager)
    stopper = StopOnSignal(guard)
    run_callbacks = [guard, stopper, ProgressLogger(config.steps, every=config.log_every, log=log)]
    if chief:
        run_callbacks += [
            SampleGridCallback(config.out_dir, config.sample_every, config.steps, seed=config.seed,
                               pixel_range=config.pixel_range, table=table),
            TensorBoardLogger(os.path.join(config.out_dir, runs.EVENTS), every=config.log_every,
                              pixel_range=config.pixel_range),
        ]
    run_callbacks += [*callbacks, CheckpointCallback(guard, config.checkpoint_every, config.steps)]
    started = time.time()
    previous = {sig: signal.signal(sig, stopper.request) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = model.fit(dataset, epochs=1, steps_per_epoch=remaining, callbacks=run_callbacks, verbose=0, shuffle=False)
    except tf.errors.OpError:
        problem = corrupt.explain()
        if problem is None:
            raise
        raise DataError(f"{problem} (met at training step {global_step(model)})") from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    history = {name: float(values[-1]) for name, values in result.history.items()}
    if guard.diverged is not None:
        raise guard.diverged
    step = global_step(model)
    if corrupt.skipped:
        log(corrupt.summary())
    if stopper.signal_name:
        log(f"stopped by {stopper.signal_name} at step {step}; checkpoint saved; re-run the same command to resume")
    else:
        log(f"trained {step - start_step} steps in {time.time() - started:.1f} s; run directory: {config.out_dir}")
    if not chief:
        import shutil

        shutil.rmtree(out_dir, ignore_errors=True)
    return {"step": step, "metrics": history, "model": model, "stopped_by": stopper.signal_name}
