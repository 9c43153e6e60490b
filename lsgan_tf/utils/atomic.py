"""Writing files so that no reader ever sees half of one: every writer of the project writes to
a temporary name beside the target and renames it into place only once it is complete (a rename
within one folder is atomic). An interrupted write leaves no file that looks finished.

Standard library only (the .tflite sampling path imports it without TensorFlow).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from typing import Any, Iterator


def temporary_name(path: str, suffix: str = "") -> str:
    """The temporary name beside `path` that this process writes first (`suffix` keeps an
    extension for writers that choose the format by it)."""
    return f"{path}.tmp-{os.getpid()}{suffix}"


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


@contextlib.contextmanager
def atomic_path(path: str, suffix: str = "") -> Iterator[str]:
    """Yields the temporary name to write a file or a folder to; when the block ends normally it
    is renamed onto `path` (replacing what was there), otherwise it is removed."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = temporary_name(path, suffix)
    _remove(temporary)
    try:
        yield temporary
        if os.path.isdir(temporary) and os.path.isdir(path):
            shutil.rmtree(path)
        os.replace(temporary, path)
    finally:
        _remove(temporary)


def write_bytes(path: str, data: bytes) -> str:
    """Writes `data` to `path` atomically."""
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        handle.write(data)
    return path


def write_json(path: str, data: Any, **options: Any) -> str:
    """Writes `data` as JSON (json.dump `options`, e.g. indent) to `path` atomically."""
    with atomic_path(path) as temporary, open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle, **options)
    return path
