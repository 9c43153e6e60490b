"""What made a result: the lsgan_tf version (from the installed package's metadata), the
versions of TensorFlow, Keras and Python, and the git commit when lsgan_tf runs from a checkout."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import time
from typing import Dict, Optional

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def lsgan_tf_version() -> str:
    """The installed distribution's version, or the source tree's when it is not installed."""
    try:
        return importlib.metadata.version("lsgan-tf")
    except importlib.metadata.PackageNotFoundError:
        from lsgan_tf.version import __version__

        return __version__


def git_commit() -> Optional[str]:
    """HEAD of the git checkout that holds lsgan_tf/ at its top level (an editable install or the
    repo itself); None for an installed package, even one whose venv lies inside some checkout."""
    try:
        def git(*args: str) -> str:
            return subprocess.run(["git", "-C", PACKAGE_ROOT, *args], capture_output=True, text=True,
                                  timeout=5).stdout.strip()

        top = git("rev-parse", "--show-toplevel")
        if not top or os.path.realpath(top) != os.path.realpath(PACKAGE_ROOT):
            return None
        return git("rev-parse", "HEAD") or None
    except (OSError, subprocess.SubprocessError):
        return None


def provenance() -> Dict[str, Optional[str]]:
    """{"lsgan_tf", "tensorflow", "keras", "python": versions; "git_commit"} of this process."""
    import keras
    import tensorflow as tf

    return {"lsgan_tf": lsgan_tf_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "python": platform.python_version(), "git_commit": git_commit()}


def utc_now() -> str:
    """The current time in UTC, ISO 8601 to the second: when a result was computed."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
