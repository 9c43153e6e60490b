"""Where lsgan_tf keeps what it computes once per machine (trained classifiers, measured kernel
choices): $XDG_CACHE_HOME/lsgan_tf, by default ~/.cache/lsgan_tf."""

from __future__ import annotations

import os


def cache_directory() -> str:
    """The per-user cache directory (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lsgan_tf")
