"""SHA-256 of files and folders: how downloaded weights, shipped classifiers and scoring
networks are checked and recorded. Standard library only."""

from __future__ import annotations

import hashlib
import os


def file_sha256(path: str) -> str:
    """SHA-256 of a file, or of a folder's files (relative names and contents, in sorted order)."""
    digest = hashlib.sha256()
    files = ([os.path.join(root, name) for root, _, names in os.walk(path) for name in names]
             if os.path.isdir(path) else [path])
    for name in sorted(files):
        if os.path.isdir(path):
            digest.update(os.path.relpath(name, path).encode("utf-8"))
        with open(name, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
