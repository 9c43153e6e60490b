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
from lsgan_tf.utils.installed import installed

__all__ = ["program", "require", "run_app"]
# The pip name of each module a console script may need beyond the sampling-only install
# (LiteRT, numpy, Pillow, absl-py; README "Install").
PIP_NAMES = {"tensorflow": "tensorflow", "tqdm": "tqdm", "matplotlib": "matplotlib", "scipy": "scipy",
             "lmdb": "lmdb", "tensorflow_datasets": "tensorflow-datasets"}


def require(*modules: str) -> None:
    """Exits with status 2 and one line naming what to install when any of `modules` is missing
    (a console script calls it before importing them: the sampling-only install lacks TensorFlow)."""
    missing = [PIP_NAMES.get(module, module) for module in modules if not installed(module)]
    if missing:
        names = " ".join(missing)
        print(f"{program()}: error: needs {', '.join(missing)}, not installed here (the sampling-only install has "
              f"LiteRT alone): pip install {names}, or the full install: pip install lsgan-tf", file=sys.stderr)
        sys.exit(2)


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
