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


SITE_RADIUS = 0.1  # a tenth of the ring's radius: well under half the spacing of neighbouring modes (0.77)
SITE_SHARE = 0.9


def concentration_sites(points: np.ndarray, radius: float = SITE_RADIUS, share: float = SITE_SHARE,
                        most: int = 64) -> int:
    """How many discs of `radius`, placed greedily on the densest remaining sample, it takes to
    hold `share` of the samples (at most `most`), wherever they lie: on modes, between them or
    far off. A generator that covers the 8 modes needs 8; one piled on a point or two needs 1-2.
    """
    points = np.asarray(points, np.float64)
    if len(points) == 0:
        return 0
    near = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2) <= radius
    remaining = np.ones(len(points), bool)
    for sites in range(1, most + 1):
        counts = near[:, remaining].sum(axis=1) * remaining
        remaining &= ~near[counts.argmax()]
        if remaining.mean() <= 1.0 - share + 1e-12:
            return sites
    return most


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
      popular modes.
    - median_distance: the median distance of a sample to its nearest centre (the data's own:
      std * sqrt(2 ln 2) = 1.18 std), a measure of blur that no threshold hides.
    - sites: `concentration_sites`, the number of small discs that hold 90% of the samples.
    - collapsed: samples "around only one or two modes" (the Table 4 criterion): top2_share >=
      collapse_share, or 90% of the samples on at most two sites wherever they are (a pile
      between modes or far off escapes the nearest-mode test).
    - concentrated: 90% of the samples on fewer sites than half the modes: a failed run even
      when it is not a one- or two-mode collapse.
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
    sites = concentration_sites(points)
    return {
        "num_modes": int(len(centers)),
        "modes_covered": int((high_quality_counts >= cover_fraction * fair_share).sum()),
        "high_quality_fraction": float(close.mean()),
        "top2_share": top2_share,
        "median_distance": float(np.median(distances.min(axis=1))),
        "sites": sites,
        "collapsed": bool(top2_share >= collapse_share or sites <= 2),
        "concentrated": bool(sites <= len(centers) // 2),
    }
