"""One trainer per run directory: an exclusive OS lock held for the trainer's whole life.

The lock is `flock` on `<run_dir>/train.lock`. The kernel drops it when the process ends, however
it ends (SIGKILL included), so a crashed trainer never leaves a stale lock behind; the file
itself stays and records who held it last. Taking the lock changes nothing in the file: the
trainer writes its name there (`claim`) once it has restored the run and starts changing it, so a
command that stops before that (a checkpoint that does not fit) leaves the run as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
from typing import Callable, Iterator

from lsgan_tf.errors import RunDirectoryLocked
from lsgan_tf.runs import RunDir


@contextlib.contextmanager
def run_directory_lock(run: RunDir) -> Iterator[Callable[[], None]]:
    """Holds the run directory's exclusive lock within the block, or raises RunDirectoryLocked
    naming the PID and host of the trainer that holds it (or held it last). Yields `claim()`,
    which records this process (PID, host, time) in the lock file."""
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

        def claim() -> None:
            handle.seek(0)
            handle.truncate()
            handle.write(f"PID {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            handle.flush()

        yield claim
    finally:
        handle.close()  # closing the file releases the lock
