"""Whether a module can be imported, without importing it: how the commands of the sampling-only
install (LiteRT, numpy, Pillow, absl-py) tell a user what to install. Standard library only."""

from __future__ import annotations

import importlib.util


def installed(module: str) -> bool:
    """Whether `module` is installed (a finder that refuses the name counts as not installed)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False
