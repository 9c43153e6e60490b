"""Plots people look at: generated 2-D points over the Gaussian-mixture centres (matplotlib, Agg)."""

from __future__ import annotations

import os
from typing import Optional

import numpy as np


def scatter_png(points: np.ndarray, path: str, centers: Optional[np.ndarray] = None, title: str = "") -> str:
    """Writes a scatter plot of generated 2-D points (and the mixture centres) to a PNG, atomically."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(4, 4), dpi=100)
    axes.scatter(points[:, 0], points[:, 1], s=2, alpha=0.4, color="tab:blue", label="generated")
    if centers is not None:
        axes.scatter(centers[:, 0], centers[:, 1], s=40, marker="x", color="tab:red", label="modes")
    axes.set_xlim(-1.6, 1.6)
    axes.set_ylim(-1.6, 1.6)
    axes.set_aspect("equal")
    axes.set_title(title)
    figure.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = f"{path}.tmp-{os.getpid()}.png"
    figure.savefig(temporary)
    pyplot.close(figure)
    os.replace(temporary, path)
    return path
