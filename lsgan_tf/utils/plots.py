"""Plots people look at (matplotlib, Agg, written atomically): generated 2-D points over the
Gaussian-mixture centres."""

from __future__ import annotations

from typing import Optional

import numpy as np

from lsgan_tf.utils.atomic import atomic_path


def pyplot_module():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def save_figure(figure, path: str) -> str:
    """Writes the figure to `path` through a temporary name, so a reader never sees half a PNG."""
    figure.tight_layout()
    with atomic_path(path, ".png") as temporary:
        figure.savefig(temporary)
    pyplot_module().close(figure)
    return path


def scatter_png(points: np.ndarray, path: str, centers: Optional[np.ndarray] = None, title: str = "") -> str:
    """Writes a scatter plot of generated 2-D points (and the mixture centres) to a PNG, atomically."""
    figure, axes = pyplot_module().subplots(figsize=(4, 4), dpi=100)
    axes.scatter(points[:, 0], points[:, 1], s=2, alpha=0.4, color="tab:blue", label="generated")
    if centers is not None:
        axes.scatter(centers[:, 0], centers[:, 1], s=40, marker="x", color="tab:red", label="modes")
    axes.set_xlim(-1.6, 1.6)
    axes.set_ylim(-1.6, 1.6)
    axes.set_aspect("equal")
    axes.set_title(title)
    return save_figure(figure, path)
