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
MOST_SITES = 64


def _within(points: np.ndarray, others: np.ndarray, radius: float) -> np.ndarray:
    """The (len(points), len(others)) boolean matrix of pairs at most `radius` apart (the
    Euclidean norm as np.linalg.norm computes it, sqrt(dx^2 + dy^2): symmetric bit for bit)."""
    dx = points[:, 0, None] - others[None, :, 0]
    dy = points[:, 1, None] - others[None, :, 1]
    return np.sqrt(dx * dx + dy * dy) <= radius


def _neighbour_counts(points: np.ndarray, of: np.ndarray, radius: float, rows: int = 64) -> np.ndarray:
    """For every point, how many of the points `of` lie within `radius`, `rows` of them at a
    time: memory grows with the number of points, never with its square."""
    counts = np.zeros(len(points), np.int64)
    for start in range(0, len(of), rows):
        counts += _within(of[start:start + rows], points, radius).sum(axis=0)
    return counts


def site_shares(points: np.ndarray, radius: float = SITE_RADIUS, most: int = MOST_SITES) -> np.ndarray:
    """The share of the samples held by the 1, 2, ... densest sites: discs of `radius` placed
    greedily, each on the sample with the most not-yet-held samples within `radius`, wherever
    that is (on a mode, between modes or far off). At most `most` sites. Each sample's count of
    unheld neighbours is updated by the samples a site takes, so all sites together cost one
    pass over the pairs of samples, in blocks (no N x N matrix: 2.5 GB at 50,000 samples)."""
    points = np.asarray(points, np.float64)
    if len(points) == 0:
        return np.zeros(0)
    unheld_neighbours = _neighbour_counts(points, points, radius)
    remaining = np.ones(len(points), bool)
    shares = []
    for _ in range(most):
        center = np.argmax(unheld_neighbours * remaining)
        taken = _within(points[center:center + 1], points, radius)[0] & remaining
        remaining &= ~taken
        unheld_neighbours -= _neighbour_counts(points, points[taken], radius)
        shares.append(1.0 - remaining.mean())
        if not remaining.any():
            break
    return np.asarray(shares)


def concentration_sites(shares: np.ndarray, share: float = SITE_SHARE) -> int:
    """How many sites hold `share` of the samples, from their `site_shares` (MOST_SITES when
    more do): 8 for a generator on the 8 modes, 1-2 for one piled on a point or two."""
    reached = np.nonzero(np.asarray(shares) >= share - 1e-12)[0]
    return int(reached[0]) + 1 if len(reached) else MOST_SITES


def mode_statistics(
    points: np.ndarray,
    centers: np.ndarray,
    std: float,
    cover_fraction: float = 0.25,
    collapse_share: float = 0.9,
    concentrate_share: float = 0.5,
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
    - top2_site_share: the share of the samples on the two densest sites (discs of radius 0.1)
      wherever they lie; the data's own is 1/3 (the double-weight mode, 2/9, and one other).
    - collapsed: samples "around only one or two modes" (the Table 4 criterion): top2_share or
      top2_site_share >= collapse_share (a pile between modes or far off escapes the
      nearest-mode test, not the site test).
    - concentrated: top2_site_share >= concentrate_share (0.5): more of the samples on two
      small spots than the data ever puts there; a failed run even when short of a collapse.
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
    shares = site_shares(points)
    top2_sites = float(shares[min(1, len(shares) - 1)]) if len(shares) else 0.0
    return {
        "num_modes": int(len(centers)),
        "modes_covered": int((high_quality_counts >= cover_fraction * fair_share).sum()),
        "high_quality_fraction": float(close.mean()),
        "top2_share": top2_share,
        "median_distance": float(np.median(distances.min(axis=1))),
        "sites": concentration_sites(shares),
        "top2_site_share": top2_sites,
        "collapsed": bool(top2_share >= collapse_share or top2_sites >= collapse_share),
        "concentrated": bool(top2_sites >= concentrate_share),
    }
