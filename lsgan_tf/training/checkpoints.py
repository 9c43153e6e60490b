"""Writing checkpoints safely, and restoring a run's newest readable one.

A write that fails (a full disk, a file-size limit) removes what it had written of the new
checkpoint and stops the run with a message; the previous checkpoints stay listed and intact.

Restoring tells two faults apart. A checkpoint is *unreadable* when its bytes cannot be read
back: a file cut short, a garbled block (TensorFlow checks every tensor's CRC-32C), a missing
shard. It *does not fit* when every byte reads but it holds another model than the one built
from the settings. The newest readable checkpoint is restored:

- one that does not fit stops the command with CheckpointMismatch (naming the settings that
  differ) before anything is moved, renamed or written: a mismatch is never corruption;
- unreadable ones are skipped. Only the trainer moves them, into `checkpoints/corrupt/` (never
  deleting), and only once an older one has been restored or none is readable; the commands
  that only read a run (export, evaluate, sample) warn and change nothing.

Checkpoints are found from their files (`ckpt-<step>.index`), not from TensorFlow's `checkpoint`
state file, which an interrupted save or a copied folder can leave stale or empty; the trainer
rewrites the state file from the files once its restore has succeeded.
"""

from __future__ import annotations

import contextlib
import gc
import glob
import logging
import os
import re
import shutil
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

import tensorflow as tf

from lsgan_tf.errors import CheckpointError, CheckpointMismatch
from lsgan_tf.utils import quiet
from lsgan_tf.utils.atomic import write_bytes
from lsgan_tf.utils.tf_errors import op_error_text

CORRUPT_FOLDER = "corrupt"
STATE_FILE = "checkpoint"  # TensorFlow's list of a folder's checkpoints (tf.train.get_checkpoint_state)
CHECKPOINT_NAME = re.compile(r"^ckpt-(\d+)\.index$")
# What reading a damaged checkpoint raises: TensorFlow's DataLoss / OutOfRange / NotFound
# errors, or the reader's IndexError ("Read less bytes than requested") on a truncated file.
UNREADABLE = (tf.errors.OpError, IndexError)
# What restoring a readable checkpoint into another model raises: an unmatched object
# (AssertionError), another shape (ValueError) or another dtype (InvalidArgumentError).
MISMATCHED = (AssertionError, ValueError, tf.errors.OpError)


def save_checkpoint(manager: tf.train.CheckpointManager, step: int) -> str:
    """Writes checkpoint `step` with the manager; on a failed write removes its partial files and
    raises CheckpointError naming the file system's reason and the intact previous checkpoint."""
    try:
        return manager.save(checkpoint_number=step)
    except (tf.errors.OpError, OSError) as error:
        reason = op_error_text(error) if isinstance(error, tf.errors.OpError) else str(error)
        partial = os.path.join(manager.directory, f"ckpt-{step}")
        for path in glob.glob(glob.escape(partial) + "[._]*"):
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        previous = manager.latest_checkpoint or "none yet (a re-run starts from step 0)"
        raise CheckpointError(
            f"could not write checkpoint {partial} ({reason}); its partial files were "
            f"removed. The last checkpoint, {previous}, is intact: free disk space (or use another --out_dir) "
            f"and re-run the same command to resume from it."
        ) from None


def checkpoint_step(path: str) -> int:
    """The training step checkpoint `path` was saved at (`save_checkpoint` numbers them by step)."""
    return int(path.rsplit("-", 1)[1])


def listed_checkpoints(directory: str) -> List[str]:
    """The checkpoints in `directory`, oldest first: every ckpt-<step> whose index file is there."""
    if not os.path.isdir(directory):
        return []
    steps = sorted(int(match.group(1)) for match in map(CHECKPOINT_NAME.match, os.listdir(directory)) if match)
    return [os.path.join(directory, f"ckpt-{step}") for step in steps]


def quarantined(directory: str) -> List[str]:
    """The checkpoint files earlier runs moved into `directory`/corrupt/."""
    folder = os.path.join(directory, CORRUPT_FOLDER)
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def _first_line(error: BaseException) -> str:
    text = op_error_text(error) if isinstance(error, tf.errors.OpError) else str(error)
    return (text.strip().splitlines() or [type(error).__name__])[0][:200]


def unreadable_reason(path: str) -> Optional[str]:
    """None when every tensor of checkpoint `path` reads back (each is checked against its stored
    CRC-32C); otherwise why not, in one line."""
    try:
        with quiet.stderr_without_noise():
            reader = tf.train.load_checkpoint(path)
            for name in reader.get_variable_to_shape_map():
                reader.get_tensor(name)
    except UNREADABLE as error:
        return _first_line(error)
    return None


def _move_aside(path: str) -> str:
    """Moves every file of checkpoint `path` (its .index and data shards) into corrupt/."""
    folder = os.path.join(os.path.dirname(path), CORRUPT_FOLDER)
    os.makedirs(folder, exist_ok=True)
    for name in glob.glob(glob.escape(path) + ".*"):
        shutil.move(name, os.path.join(folder, os.path.basename(name)))
    return folder


def _recorded_state(directory: str) -> Optional[List[str]]:
    """The checkpoint names the state file lists (None: no state file, or one TensorFlow rejects)."""
    try:
        state = tf.train.get_checkpoint_state(directory)
    except (ValueError, tf.errors.OpError):  # "Invalid checkpoint state": it lists none
        return None
    return [os.path.basename(path) for path in state.all_model_checkpoint_paths] if state else None


def write_state(directory: str) -> None:
    """Makes the state file list the checkpoints that are in `directory` (newest last), as
    tf.train.CheckpointManager expects; removes it when there are none. Rewrites nothing that
    already agrees."""
    names = [os.path.basename(path) for path in listed_checkpoints(directory)]
    path = os.path.join(directory, STATE_FILE)
    if not names:
        if os.path.exists(path):
            os.remove(path)
        return
    if _recorded_state(directory) == names:
        return
    # The manager deletes the listed checkpoints beyond --keep_checkpoints by their timestamps.
    times = [os.path.getmtime(os.path.join(directory, f"{name}.index")) for name in names]
    lines = ([f'model_checkpoint_path: "{names[-1]}"']
             + [f'all_model_checkpoint_paths: "{name}"' for name in names]
             + [f"all_model_checkpoint_timestamps: {time!r}" for time in times]
             + [f"last_preserved_timestamp: {times[0] - 1.0!r}"])
    write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


def _set_aside(unreadable: Sequence[Tuple[str, str]], quarantine: bool, log: Callable[[str], None]) -> None:
    """Warns of each unreadable checkpoint; moves its files to corrupt/ when `quarantine`."""
    for path, reason in unreadable:
        if quarantine:
            log(f"warning: checkpoint {path} cannot be read ({reason}); moved it to {_move_aside(path)}/")
        else:
            log(f"warning: checkpoint {path} cannot be read ({reason}); using an older one")


@contextlib.contextmanager
def _quiet_restore() -> Iterator[None]:
    """A restore with TensorFlow's C++ lines (a dtype that does not match) off the terminal, and
    its Python warnings too: a restore that fails, or a layout tried first, leaves objects that warn
    of "unrestored values" when they are freed, which the block does before it ends."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with quiet.stderr_without_noise():
            yield
            gc.collect()
    finally:
        logger.setLevel(level)


def restore_fitting(restore: Callable[[str], None], path: str, describe_mismatch: Callable[[str, str], str]) -> None:
    """Runs `restore(path)` on a readable checkpoint, quietly; a failure (one of MISMATCHED)
    raises CheckpointMismatch(describe_mismatch(path, reason))."""
    reason = None
    with _quiet_restore():
        try:
            restore(path)
        except MISMATCHED as error:
            reason = _first_line(error)
    if reason is not None:
        raise CheckpointMismatch(describe_mismatch(path, reason))


def restore_newest_readable(restore: Callable[[str], None], directory: str, *, quarantine: bool,
                            describe_mismatch: Callable[[str, str], str],
                            log: Callable[[str], None] = print) -> Optional[str]:
    """Restores the newest readable checkpoint in `directory` with `restore(path)` and returns its
    path (None when the folder holds none). Unreadable ones are skipped with a warning, and moved
    to corrupt/ when `quarantine` (the trainer), after the restore. A readable one that `restore`
    rejects (one of MISMATCHED) raises CheckpointMismatch with `describe_mismatch(path, reason)`,
    changing nothing. When none can be read, CheckpointError names them (moved aside first when
    `quarantine`); with `quarantine`, a folder whose checkpoints were all moved aside earlier is
    refused too, so that a run is never restarted from step 0 by accident."""
    unreadable: List[Tuple[str, str]] = []
    for path in reversed(listed_checkpoints(directory)):
        reason = unreadable_reason(path)
        if reason is not None:
            unreadable.append((path, reason))
            continue
        restore_fitting(restore, path, describe_mismatch)
        _set_aside(unreadable, quarantine, log)
        if quarantine:
            write_state(directory)
        return path
    if unreadable:
        if quarantine:
            for path, _ in unreadable:
                _move_aside(path)
            write_state(directory)
        where = (f"moved to {os.path.join(directory, CORRUPT_FOLDER)}/" if quarantine
                 else "left in place; resuming the training moves them aside")
        names = ", ".join(os.path.basename(path) for path, _ in unreadable)
        raise CheckpointError(f"no checkpoint in {directory} can be read ({len(unreadable)} unreadable: {names}, "
                              f"{where}; the newest: {unreadable[0][1]}). Restore them from a copy, or start a new "
                              f"--out_dir.")
    if quarantine and quarantined(directory):
        raise CheckpointError(
            f"every checkpoint of this run was unreadable and is in {os.path.join(directory, CORRUPT_FOLDER)}/; "
            f"the run is not restarted from step 0. Restore them from a copy, start a new --out_dir, or delete "
            f"that folder to train this run again from the start.")
    if quarantine:
        write_state(directory)  # a stale state file (it lists checkpoints that are gone) would stop the manager
    return None
