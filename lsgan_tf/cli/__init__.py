"""The command-line entry points (console scripts `lsgan-train`, `lsgan-export`, `lsgan-evaluate`,
`lsgan-sample`, `lsgan-prep-{digits,hwdb,lsun,cats,hwdb-synthetic}`; the top-level `train.py`, `export.py`,
`evaluate.py`, `sample.py` and `data_prep/*.py` call the same functions).

Importing an entry-point module defines its absl flags; `run_app` runs it."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Callable

from absl import app, flags

from lsgan_tf.utils.commands import as_the_user_runs_them, program

__all__ = ["program", "run_app"]


def run_app(main: Callable[[list], int], *flag_modules: ModuleType, usage: str = "") -> None:
    """Runs `main` with absl, listing the flags of `flag_modules` in `--help` (absl lists only
    the flags of the script the user started, which is a thin wrapper or a console script) and
    showing `usage` (the entry module's docstring, its commands named as the user runs them)
    above them."""
    for module in flag_modules:
        for flag in flags.FLAGS.get_key_flags_for_module(module):
            flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)
    main_module = sys.modules["__main__"]
    if usage and not main_module.__doc__:
        main_module.__doc__ = as_the_user_runs_them(usage)
    app.run(main)
