"""Metrics over training steps as side-by-side panels (the studies' curves.png pictures)."""

from __future__ import annotations

from typing import Mapping, Sequence, Tuple

from lsgan_tf.utils.plots import pyplot_module, save_figure


def curves_png(panels: Mapping[str, Mapping[str, Tuple[Sequence[float], Sequence[float]]]], path: str,
               xlabel: str = "step", log_panels: Sequence[str] = (), dashed: Sequence[str] = ()) -> str:
    """Writes one panel per metric (panel title -> {curve label -> (x, y)}) side by side, atomically;
    the panels named in `log_panels` get a logarithmic y axis, the curves named in `dashed`
    (references such as the data's value) a dashed line without markers. A curve label keeps
    its colour in every panel."""
    labels = list(dict.fromkeys(label for curves in panels.values() for label in curves))
    colours = {label: f"C{index}" for index, label in enumerate(labels)}
    figure, axes = pyplot_module().subplots(1, len(panels), figsize=(4.5 * len(panels), 3.5), dpi=100, squeeze=False)
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
    return save_figure(figure, path)
