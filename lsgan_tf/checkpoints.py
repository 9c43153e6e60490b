"""Restoring a run's newest readable checkpoint.

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

from lsgan_tf.config import ConfigError

CORRUPT_FOLDER = "corrupt"
# What reading a damaged checkpoint raises: TensorFlow's DataLoss / OutOfRange / NotFound
# errors, or the reader's IndexError ("Read less bytes than requested") on a truncated file.
UNREADABLE = (tf.errors.OpError, IndexError)


class CheckpointError(ConfigError):
    """No checkpoint of a run can be read, or one does not fit the model; the message says which."""


def _checkpoint_paths(directory: str) -> List[str]:
    """The directory's checkpoints, oldest first (its `checkpoint` state file)."""
    state = tf.train.get_checkpoint_state(directory)
    return list(state.all_model_checkpoint_paths) if state else []


def _move_aside(path: str) -> str:
    """Moves every file of checkpoint `path` (its .index and data shards) into corrupt/."""
    folder = os.path.join(os.path.dirname(path), CORRUPT_FOLDER)
    os.makedirs(folder, exist_ok=True)
    for name in glob.glob(glob.escape(path) + ".*"):
        shutil.move(name, os.path.join(folder, os.path.basename(name)))
    return folder


def restore_newest_readable(checkpoint: tf.train.Checkpoint, directory: str,
                            log: Callable[[str], None] = print) -> Optional[str]:
    """Restores the newest checkpoint in `directory` that can be read and returns its path
    (None when there is none). Unreadable ones are moved aside, newest first, and the
    directory's checkpoint list is rewritten without them."""
    paths = _checkpoint_paths(directory)
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
        except (AssertionError, ValueError) as error:
            raise CheckpointError(
                f"checkpoint {path} does not fit the model of this command ({str(error).splitlines()[0][:200]}): "
                f"it was written by a run with another dataset, architecture or option; pass another --out_dir."
            ) from None
    if paths:
        raise CheckpointError(f"no checkpoint in {directory} can be read (all moved to {directory}/{CORRUPT_FOLDER}/).")
    return None
