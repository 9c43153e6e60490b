"""Writing checkpoints safely, and restoring a run's newest readable one.

A write that fails (a full disk, a file-size limit) removes what it had written of the new
checkpoint and stops the run with a message; the previous checkpoints stay listed and intact.

A checkpoint can be cut short by a full disk, a partial copy or a disk fault. Restoring
tries the newest first; one that cannot be read is moved to `checkpoints/corrupt/` (never
deleted) with a warning naming it, and the next older one is tried. A checkpoint that reads
but does not fit the model (another architecture or dataset) is an error, not corruption.
"""

from __future__ import annotations

import glob
import os
import shutil
from typing import Callable, List, Optional

import tensorflow as tf

from lsgan_tf.errors import CheckpointError
from lsgan_tf.utils.tf_errors import op_error_text

CORRUPT_FOLDER = "corrupt"
# What reading a damaged checkpoint raises: TensorFlow's DataLoss / OutOfRange / NotFound
# errors, or the reader's IndexError ("Read less bytes than requested") on a truncated file.
UNREADABLE = (tf.errors.OpError, IndexError)
# What restoring a readable checkpoint of another model raises.
MISMATCHED = (AssertionError, ValueError)


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


def listed_checkpoints(directory: str) -> List[str]:
    """The directory's checkpoints, oldest first (its `checkpoint` state file)."""
    state = tf.train.get_checkpoint_state(directory)
    return list(state.all_model_checkpoint_paths) if state else []


def checkpoint_step(path: str) -> int:
    """The training step checkpoint `path` was saved at (`save_checkpoint` numbers them by step)."""
    return int(path.rsplit("-", 1)[1])


def _move_aside(path: str) -> str:
    """Moves every file of checkpoint `path` (its .index and data shards) into corrupt/."""
    folder = os.path.join(os.path.dirname(path), CORRUPT_FOLDER)
    os.makedirs(folder, exist_ok=True)
    for name in glob.glob(glob.escape(path) + ".*"):
        shutil.move(name, os.path.join(folder, os.path.basename(name)))
    return folder


def restore_newest_readable(checkpoint: tf.train.Checkpoint, directory: str,
                            log: Callable[[str], None] = print,
                            mismatch_hint: Callable[[str], str] = lambda path: "") -> Optional[str]:
    """Restores the newest checkpoint in `directory` that can be read and returns its path
    (None when there is none). Unreadable ones are moved aside, newest first, and the
    directory's checkpoint list is rewritten without them. A readable checkpoint of another
    model raises CheckpointError, with `mismatch_hint(path)` in place of the generic advice
    when it has a more precise one."""
    paths = listed_checkpoints(directory)
    for index in range(len(paths) - 1, -1, -1):
        path = paths[index]
        try:
            checkpoint.restore(path).assert_existing_objects_matched()
            return path
        except UNREADABLE as error:
            folder = _move_aside(path)
            kept = paths[:index]
            tf.compat.v1.train.update_checkpoint_state(
                directory, kept[-1] if kept else "", all_model_checkpoint_paths=kept)
            log(f"warning: checkpoint {path} cannot be read ({str(error).splitlines()[0][:200]}); "
                f"moved it to {folder}/ and trying the next older one")
        except MISMATCHED as error:
            advice = mismatch_hint(path) or (
                "it was written by a run with another dataset, architecture or option; pass another --out_dir.")
            raise CheckpointError(
                f"checkpoint {path} does not fit the model of this command ({str(error).splitlines()[0][:200]}): {advice}"
            ) from None
    if paths:
        raise CheckpointError(f"no checkpoint in {directory} can be read (all moved to {directory}/{CORRUPT_FOLDER}/).")
    return None
