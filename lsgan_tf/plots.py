"""Plots people look at: generated 2-D points over the Gaussian-mixture centres, and metrics
over training steps (matplotlib, Agg)."""

from __future__ import annotations

from typing import Mapping, Optional, Sequence, Tuple

import numpy as np

from lsgan_tf.atomic import atomic_path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def _save(figure, path: str) -> str:
    """Writes the figure to `path` through a temporary name, so a reader never sees half a PNG."""
    figure.tight_layout()
    with atomic_path(path, ".png") as temporary:
        figure.savefig(temporary)
    _pyplot().close(figure)
    return path


def scatter_png(points: np.ndarray, path: str, centers: Optional[np.ndarray] = None, title: str = "") -> str:
    """Writes a scatter plot of generated 2-D points (and the mixture centres) to a PNG, atomically."""
    figure, axes = _pyplot().subplots(figsize=(4, 4), dpi=100)
    axes.scatter(points[:, 0], points[:, 1], s=2, alpha=0.4, color="tab:blue", label="generated")
    if centers is not None:
        axes.scatter(centers[:, 0], centers[:, 1], s=40, marker="x", color="tab:red", label="modes")
    axes.set_xlim(-1.6, 1.6)
    axes.set_ylim(-1.6, 1.6)
    axes.set_aspect("equal")
    axes.set_title(title)
    return _save(figure, path)


def curves_png(panels: Mapping[str, Mapping[str, Tuple[Sequence[float], Sequence[float]]]], path: str,
               xlabel: str = "step", log_panels: Sequence[str] = (), dashed: Sequence[str] = ()) -> str:
    """Writes one panel per metric (panel title -> {curve label -> (x, y)}) side by side, atomically;
    the panels named in `log_panels` get a logarithmic y axis, the curves named in `dashed`
    (references such as the data's value) a dashed line without markers. A curve label keeps
    its colour in every panel."""
    labels = list(dict.fromkeys(label for curves in panels.values() for label in curves))
    colours = {label: f"C{index}" for index, label in enumerate(labels)}
    figure, axes = _pyplot().subplots(1, len(panels), figsize=(4.5 * len(panels), 3.5), dpi=100, squeeze=False)
    for axis, (title, curves) in zip(axes[0], panels.items()):
        for label, (x, y) in curves.items():
            style = {"linestyle": "--"} if label in dashed else {"marker": "o"}
            axis.plot(x, y, label=label, color=colours[label], **style)
        axis.set_title(title)
        axis.set_xlabel(xlabel)
        if title in log_panels:
            axis.set_yscale("log")
        axis.grid(alpha=0.3)
        axis.legend(fontsize="small")
    return _save(figure, path)
