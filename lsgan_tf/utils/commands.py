"""The names of the project's commands as the user has them: `python train.py` in a checkout,
`lsgan-train` once installed (the console scripts of pyproject.toml)."""

from __future__ import annotations

import os
import sys

# Each console script and the checkout's script that runs the same program.
CONSOLE_SCRIPTS = {
    "lsgan-train": "train.py", "lsgan-export": "export.py", "lsgan-evaluate": "evaluate.py",
    "lsgan-sample": "sample.py", "lsgan-prep-digits": "data_prep/digits.py", "lsgan-prep-hwdb": "data_prep/hwdb.py",
    "lsgan-prep-lsun": "data_prep/lsun.py", "lsgan-prep-cats": "data_prep/cats.py",
    "lsgan-prep-hwdb-synthetic": "data_prep/hwdb_synthetic.py",
}


def program() -> str:
    """The name the user typed (train.py, lsgan-train, ...), for error messages."""
    return os.path.basename(sys.argv[0]) or "lsgan"


def as_console_scripts(text: str) -> str:
    """`text` with every `python SCRIPT` written as its console script (`lsgan-train`, ...)."""
    for command, script in sorted(CONSOLE_SCRIPTS.items(), key=lambda item: -len(item[1])):
        text = text.replace(f"python {script}", command)
    return text


def as_the_user_runs_them(text: str) -> str:
    """`text` with every `python SCRIPT` written as its console script when the user runs one
    (an installed package), unchanged when they run the checkout's scripts."""
    return as_console_scripts(text) if program().startswith("lsgan-") else text
