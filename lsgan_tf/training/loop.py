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
import shutil
import signal
import sys
import time
from typing import Any, Callable, Dict, Optional, Sequence

import keras
import tensorflow as tf

from lsgan_tf.config import TrainConfig
from lsgan_tf.data.classes import ClassTable
from lsgan_tf.data.corrupt import CorruptRecords
from lsgan_tf.data.datasets import class_table, fetch_tfds, make_dataset, num_classes
from lsgan_tf.errors import ConfigError, DataError
from lsgan_tf.gan import GAN, global_step
from lsgan_tf.runs import RunDir
from lsgan_tf.training.build import build_gan, make_checkpoint, mismatch_message, restore_checkpoint
from lsgan_tf.training.callbacks import (
    CheckpointCallback,
    DivergenceGuard,
    ProgressLogger,
    SampleGridCallback,
    StopOnSignal,
    TensorBoardLogger,
)
from lsgan_tf.training.checkpoints import restore_newest_readable
from lsgan_tf.training.distribute import make_strategy, worker_is_chief
from lsgan_tf.training.metrics_log import MetricsLog
from lsgan_tf.training.run_lock import run_directory_lock
from lsgan_tf.utils.provenance import provenance


def _write_config(run: RunDir, config: TrainConfig, strategy: tf.distribute.Strategy, classes: Optional[int],
                  stored: Optional[Dict[str, Any]], changed: Dict[str, list]) -> None:
    """config.json: the settings of this start, and the history of every start of the run
    (its time and the settings it changed)."""
    history = list(stored.get("history", [])) if stored else []
    history.append({"started": time.strftime("%Y-%m-%d %H:%M:%S"), "changed": changed})
    record = {
        **dataclasses.asdict(config),
        "num_classes": classes,
        "replicas": strategy.num_replicas_in_sync,
        "versions": (versions := provenance()),
        "git_commit": versions["git_commit"],
        "history": history,
    }
    run.write_record(record)


class _Logger:
    """Prints and appends to <out_dir>/train.log."""

    def __init__(self, path: Optional[str], echo: Callable[[str], None]):
        self.path, self.echo = path, echo

    def __call__(self, line: str) -> None:
        self.echo(line)
        if self.path:
            with open(self.path, "a") as handle:
                handle.write(line + "\n")


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def train(
    config: TrainConfig,
    log: Callable[[str], None] = print,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    warn: Callable[[str], None] = _stderr,
) -> Dict[str, Any]:
    """Runs (or resumes) a training run; returns the step reached, final metrics and the model.
    Progress lines go to `log`, warnings (a checkpoint moved aside) to `warn`, both to train.log.
    `callbacks` run after the run's own (progress, samples, logs) and before its checkpoint.

    Raises ConfigError / DataError before creating anything for a bad configuration (the model is
    built before the run directory, so an option value the architecture rejects leaves nothing
    behind either), DataError naming the record when training meets an unreadable one (unless
    --skip_corrupt), and TrainingDiverged (after keeping the last good checkpoint) when a loss
    turns NaN/Inf.
    """
    config = config.resolve()
    strategy = make_strategy(config.strategy)
    if config.batch_size % strategy.num_replicas_in_sync:
        raise ConfigError(
            f"--batch_size={config.batch_size} is not divisible by the {strategy.num_replicas_in_sync} "
            f"replicas of --strategy={config.strategy}."
        )
    if config.tfds_name:  # downloaded (when it is not there yet) before the run directory exists
        fetch_tfds(config.tfds_name, config.source_dir)
    table = classes = None
    if config.conditional:
        table = class_table(config.preset, config.source_dir, config.tfds_name, config.skip_corrupt)
        classes = len(table) if table is not None else num_classes(config.preset, config.source_dir,
                                                                   config.tfds_name, config.skip_corrupt)
    chief = worker_is_chief(strategy)
    if chief:
        log(f"building the {config.arch} networks" + (f" for {classes:,} classes" if classes else ""))
    with strategy.scope():
        model = build_gan(config, classes)
        checkpoint = make_checkpoint(model, config)
    run = RunDir(config.out_dir)
    # Other workers keep their (discarded) checkpoints in a folder of their own.
    own = run if chief else RunDir(os.path.join(config.out_dir, f"worker_{strategy.cluster_resolver.task_id}"))
    os.makedirs(own.path, exist_ok=True)
    with run_directory_lock(run) if chief else contextlib.nullcontext(lambda: None) as claim:
        return _train_locked(_Session(config, strategy, run, own, chief, classes, table, model, checkpoint),
                             claim, log, warn, callbacks)


@dataclasses.dataclass
class _Session:
    """What `train` settled before taking the lock: the resolved config, the strategy, the run
    directory (`own`: this worker's; the run's own for the chief), the class table, and the
    built model with the checkpoint that saves it (not yet restored)."""

    config: TrainConfig
    strategy: tf.distribute.Strategy
    run: RunDir
    own: RunDir
    chief: bool
    classes: Optional[int]
    table: Optional[ClassTable]
    model: GAN
    checkpoint: tf.train.Checkpoint


def _train_locked(session: _Session, claim: Callable[[], None], log: Callable[[str], None],
                  warn: Callable[[str], None], callbacks: Sequence[keras.callbacks.Callback]) -> Dict[str, Any]:
    """The body of `train`, run while this process holds the run directory (the chief only).
    Nothing of the run is written before its newest readable checkpoint has been restored:
    settings that may not change, or a checkpoint that does not fit, stop it unchanged."""
    config, strategy, run, chief, table = session.config, session.strategy, session.run, session.chief, session.table
    log = _Logger(run.log_file if chief else None, log if chief else (lambda line: None))
    warn = _Logger(run.log_file if chief else None, warn if chief else (lambda line: None))
    stored = run.read_record() if chief else None
    changed = run.check_resume(config, stored) if chief else {}
    model, checkpoint = session.model, session.checkpoint

    def describe(path: str, reason: str) -> str:
        return mismatch_message(config, model, path, reason, run.config_file, "this command builds",
                                "Resume it with {values}, or pass a new --out_dir for a new run")

    restored = restore_newest_readable(lambda path: restore_checkpoint(model, path), session.own.checkpoints,
                                       quarantine=True, describe_mismatch=describe, log=warn)
    if chief:
        claim()
        _write_config(run, config, strategy, session.classes, stored, changed)
        if table is not None:
            run.write_class_table(table)
        if changed:
            log("resuming with changed settings: "
                + ", ".join(f"{name} {old!r} -> {new!r}" for name, (old, new) in changed.items()))
    manager = tf.train.CheckpointManager(checkpoint, session.own.checkpoints, max_to_keep=config.keep_checkpoints)
    if restored:
        log(f"resumed from step {global_step(model)}")
        # The checkpoint restores the optimizers' learning rates; the command line wins.
        for optimizer, lr in zip((model.d_optimizer, model.g_optimizer), (config.lr, config.g_lr)):
            optimizer.learning_rate = lr
    start_step = global_step(model)
    remaining = config.steps - start_step
    if remaining > 0:
        every = "per step" if config.log_every == 1 else f"every {config.log_every:,} steps"
        log(f"training steps {start_step + 1:,}-{config.steps:,}; a progress line {every}")
    history: Dict[str, Any] = {}
    if remaining <= 0:
        return {"step": start_step, "metrics": history, "model": model}
    # Every compiled call must end on a step the callbacks act on and run no step past --steps.
    model.steps_per_execution = math.gcd(model.steps_per_execution, start_step, remaining)

    corrupt = CorruptRecords(skip=config.skip_corrupt)
    dataset = make_dataset(
        config.preset, batch_size=config.batch_size, data_dir=config.source_dir, conditional=config.conditional,
        seed=config.seed, tfds_name=config.tfds_name, corrupt=corrupt, crop=config.crop,
    ).skip(start_step)  # the seeded pipeline is deterministic: continue where the last run stopped
    if corrupt.skipped:
        log(corrupt.summary())
    guard = DivergenceGuard(manager)
    stopper = StopOnSignal(guard)
    run_callbacks = [guard, stopper, ProgressLogger(config.steps, every=config.log_every, log=log)]
    if chief:
        board = TensorBoardLogger(run, every=config.log_every, pixel_range=config.pixel_range,
                                  image_every=config.sample_every)
        run_callbacks += [SampleGridCallback(run, config.sample_every, config.steps, seed=config.seed,
                                             pixel_range=config.pixel_range, table=table), board]
        if config.eval_every:
            run_callbacks.append(MetricsLog(run, config, session.classes, table, start_step,
                                            lambda: make_checkpoint(model, config), log, warn, board.writer))
    run_callbacks += [*callbacks, CheckpointCallback(guard, config.checkpoint_every, config.steps)]
    started = time.time()
    previous = {sig: signal.signal(sig, stopper.request) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = model.fit(dataset, epochs=1, steps_per_epoch=remaining, callbacks=run_callbacks, verbose=0,
                           shuffle=False)
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
        shutil.rmtree(session.own.path, ignore_errors=True)
    return {"step": step, "metrics": history, "model": model, "stopped_by": stopper.signal_name}
