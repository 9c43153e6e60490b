"""Mode statistics for the 2-D Gaussian mixture (TPAMI Table 4, Fig. 8)."""

from __future__ import annotations

from typing import Dict

import numpy as np


def unique_centers(centers: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
    """The distinct mode centres (ls.py's 9 centres hold 8 distinct points)."""
    kept = []
    for center in np.asarray(centers, np.float64):
        if all(np.linalg.norm(center - other) > tolerance for other in kept):
            kept.append(center)
    return np.stack(kept)


def mode_statistics(
    points: np.ndarray,
    centers: np.ndarray,
    std: float,
    cover_fraction: float = 0.25,
    collapse_share: float = 0.9,
) -> Dict[str, float]:
    """Quality and coverage of generated 2-D points.

    - high_quality_fraction: samples within 3 std of some centre.
    - modes_covered: modes holding at least `cover_fraction` of their fair share
      (N / num_modes) of the high-quality samples.
    - top2_share: the share of all samples whose nearest centre is one of the two most
      popular modes; collapsed = top2_share >= collapse_share, i.e. samples "around only one
      or two modes" (the Table 4 criterion).
    """
    points = np.asarray(points, np.float64)
    centers = unique_centers(centers)
    distances = np.linalg.norm(points[:, None, :] - centers[None, :, :], axis=2)
    nearest = distances.argmin(axis=1)
    close = distances.min(axis=1) <= 3.0 * std
    fair_share = len(points) / len(centers)
    high_quality_counts = np.bincount(nearest[close], minlength=len(centers))
    nearest_counts = np.sort(np.bincount(nearest, minlength=len(centers)))[::-1]
    top2_share = float(nearest_counts[:2].sum() / max(len(points), 1))
    return {
        "num_modes": int(len(centers)),
        "modes_covered": int((high_quality_counts >= cover_fraction * fair_share).sum()),
        "high_quality_fraction": float(close.mean()),
        "top2_share": top2_share,
        "collapsed": bool(top2_share >= collapse_share),
    }
