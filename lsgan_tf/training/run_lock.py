"""One trainer per run directory: an exclusive OS lock held for the trainer's whole life.

The lock is `flock` on `<run_dir>/train.lock`. The kernel drops it when the process ends, however
it ends (SIGKILL included), so a crashed trainer never leaves a stale lock behind; the file
itself stays and records who held it last.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
from typing import Iterator

from lsgan_tf.errors import RunDirectoryLocked
from lsgan_tf.runs import RunDir


@contextlib.contextmanager
def run_directory_lock(run: RunDir) -> Iterator[None]:
    """Holds the run directory's exclusive lock within the block, or raises RunDirectoryLocked
    naming the PID and host of the trainer that holds it."""
    handle = open(run.lock_file, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunDirectoryLocked(
                f"--out_dir={run.path} is being trained by {holder}; wait for that run to end (or stop it: "
                f"it resumes from its last checkpoint), or pass another --out_dir."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"PID {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the file releases the lock
