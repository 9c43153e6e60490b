"""Frechet distance, kernel inception distance, Inception Score, and precision / recall / density /
coverage (numpy / scipy, float64), with the peers' conventions (docs/GUIDE.md, "Metric
conventions"): KID over 100 subsets of min(1000, N) rows, IS over 10 splits at any N, P/R with
k = 3 (Kynkaanniemi et al. 2019), D/C with k = 5 (Naeem et al. 2020)."""

from __future__ import annotations

import warnings
import zipfile
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from scipy import linalg

from lsgan_tf.errors import FeatureError
from lsgan_tf.utils.atomic import atomic_path


class MetricInputError(ValueError):
    """Feature sets that cannot give the metric asked for."""


def _features(array, name: str, minimum: int) -> np.ndarray:
    array = np.asarray(array, np.float64)
    if array.ndim != 2:
        raise MetricInputError(f"{name} must be a 2-D (samples, features) array, got shape {array.shape}.")
    if len(array) < minimum:
        raise MetricInputError(f"{name} has {len(array)} samples; this metric needs at least {minimum}.")
    return array


def feature_statistics(features) -> Tuple[np.ndarray, np.ndarray]:
    """(mean, covariance) of a (samples, features) set: the Gaussian the Frechet distance fits."""
    a = _features(features, "features", 2)
    return a.mean(axis=0), np.atleast_2d(np.cov(a, rowvar=False))


def save_statistics(path: str, mean: np.ndarray, cov: np.ndarray, **metadata) -> str:
    """Writes reference statistics as an .npz (mu, sigma as TTUR / pytorch-fid name them, plus
    `metadata` as strings), atomically."""
    with atomic_path(path, ".npz") as temporary:
        np.savez(temporary, mu=mean, sigma=cov, **{key: np.array(str(value)) for key, value in metadata.items()})
    return path


def load_statistics(path: str) -> Tuple[np.ndarray, np.ndarray, Dict[str, str]]:
    """(mean, covariance, metadata) of an .npz written by save_statistics (or by TTUR / pytorch-fid);
    FeatureError naming the file when it is not one."""
    try:
        stored = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise FeatureError(f"{path} is not a readable .npz file ({error}).") from None
    if not isinstance(stored, np.lib.npyio.NpzFile) or not {"mu", "sigma"} <= set(stored.files):
        if isinstance(stored, np.lib.npyio.NpzFile):
            stored.close()
        raise FeatureError(f"{path} holds no `mu` and `sigma` arrays: it is not a statistics .npz "
                           f"(save_statistics, TTUR and pytorch-fid write them).")
    with stored:
        metadata = {key: str(stored[key]) for key in stored.files if key not in ("mu", "sigma")}
        return stored["mu"].astype(np.float64), stored["sigma"].astype(np.float64), metadata


def frechet_distance(features_a, features_b) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) between Gaussians fitted to two
    feature sets (FID when the features are Inception pool features)."""
    return frechet_distance_from_statistics(*feature_statistics(features_a), *feature_statistics(features_b))


def frechet_distance_from_statistics(mean_a, cov_a, mean_b, cov_b) -> float:
    """The Frechet distance between N(mean_a, cov_a) and N(mean_b, cov_b).

    The matrix square root is scipy's sqrtm of S_a S_b; a tiny imaginary part from round-off is
    dropped, and a singular product is regularised with eps * I as in the TTUR reference code.
    """
    if np.shape(mean_a) != np.shape(mean_b):
        raise MetricInputError(f"feature widths differ: {np.shape(mean_a)[0]} vs {np.shape(mean_b)[0]}.")
    with warnings.catch_warnings():  # scipy warns of a singular product, which is handled here
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(cov_a @ cov_b)
        if not np.isfinite(root).all():
            offset = np.eye(len(cov_a)) * 1e-6
            root = linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    root = np.real(root)
    diff = mean_a - mean_b
    return float(max(diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(root), 0.0))


KID_SUBSETS = 100  # clean-fid, torch-fidelity, StudioGAN and StyleGAN2-ADA's defaults
KID_SUBSET_SIZE = 1000
IS_SPLITS = 10
PR_NEAREST = 3  # Kynkaanniemi et al. 2019
DC_NEAREST = 5  # Naeem et al. 2020


def kernel_inception_distance(features_a, features_b, num_subsets: int = KID_SUBSETS,
                              subset_size: int = KID_SUBSET_SIZE, seed: int = 0) -> Dict[str, float]:
    """Unbiased MMD^2 with the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3 (Binkowski et al.
    2018), averaged over `num_subsets` pairs of subsets of min(subset_size, N) rows drawn without
    replacement, fresh rows of both sets for every subset; returns {"kid": mean, "kid_std": std
    over subsets}. When both sets have at most subset_size rows every subset is the whole set,
    and kid_std is 0."""
    a = _features(features_a, "features_a", 2)
    b = _features(features_b, "features_b", 2)
    size = min(subset_size, len(a), len(b))
    dimension = a.shape[1]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(num_subsets):
        x = a[rng.choice(len(a), size, replace=False)]
        y = b[rng.choice(len(b), size, replace=False)]
        k_xx = (x @ x.T / dimension + 1.0) ** 3
        k_yy = (y @ y.T / dimension + 1.0) ** 3
        k_xy = (x @ y.T / dimension + 1.0) ** 3
        m = size
        values.append(
            (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
            + (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
            - 2.0 * k_xy.mean()
        )
    return {"kid": float(np.mean(values)), "kid_std": float(np.std(values))}


def inception_score(logits, num_splits: int = IS_SPLITS) -> Dict[str, float]:
    """exp(E_x KL(p(y|x) || p(y))) from classifier logits (Salimans et al. 2016), computed on each
    of `num_splits` consecutive splits with that split's own marginal p(y), then averaged."""
    logits = _features(logits, "logits", num_splits)
    logits = logits - logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    scores = []
    for part in np.array_split(probabilities, num_splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.sum(part * (np.log(np.clip(part, 1e-30, None)) - np.log(np.clip(marginal, 1e-30, None))), axis=1)
        scores.append(np.exp(kl.mean()))
    return {"inception_score": float(np.mean(scores)), "inception_score_std": float(np.std(scores))}


def _squared_norms(x: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", x, x)


def _distance_blocks(rows: np.ndarray, columns: np.ndarray, block: int):
    """(start, Euclidean distances of rows[start:start + block] to every column), in float64 and
    blocks of `block` rows: the memory is block x len(columns), whatever the sizes."""
    column_norms = _squared_norms(columns)
    for start in range(0, len(rows), block):
        part = rows[start:start + block]
        squared = _squared_norms(part)[:, None] + column_norms[None, :] - 2.0 * part @ columns.T
        yield start, np.sqrt(np.maximum(squared, 0.0))


def nearest_neighbour_radii(features: np.ndarray, ks: Sequence[int], block: int = 512) -> Dict[int, np.ndarray]:
    """{k: the distance of every row to its k-th nearest other row} (the row itself excluded)."""
    radii = {k: np.empty(len(features)) for k in ks}
    largest = max(ks)
    for start, distances in _distance_blocks(features, features, block):
        smallest = np.sort(np.partition(distances, largest, axis=1)[:, :largest + 1], axis=1)
        for k in ks:
            radii[k][start:start + len(distances)] = smallest[:, k]  # column 0 is the row itself
    return radii


def precision_recall_density_coverage(real_features, fake_features, pr_nearest: int = PR_NEAREST,
                                      dc_nearest: int = DC_NEAREST, block: int = 512) -> Dict[str, float]:
    """The manifold metrics of two feature sets, each point's neighbourhood a ball reaching its
    k-th nearest neighbour in its own set:
      precision (Kynkaanniemi et al. 2019): share of fakes inside some real ball (k = pr_nearest);
      recall: share of reals inside some fake ball (k = pr_nearest);
      density (Naeem et al. 2020): real balls holding each fake, / k, averaged (k = dc_nearest);
      coverage: share of reals whose ball (k = dc_nearest) holds some fake.
    Computed in blocks of `block` rows, so 50,000 x 50,000 needs block x 50,000 distances at once.
    Repeated real rows count once: a real set that repeats images (the rendered `shift` digits hold
    121 distinct images in 5,000) would otherwise give balls of radius 0 and precision 0; on sets
    without repeats this is the `prdc` package's computation."""
    real = np.unique(_features(real_features, "real_features", 1), axis=0)
    real = _features(real, "distinct real_features", max(pr_nearest, dc_nearest) + 1)
    fake = _features(fake_features, "fake_features", pr_nearest + 1)
    if real.shape[1] != fake.shape[1]:
        raise MetricInputError(f"feature widths differ: {real.shape[1]} vs {fake.shape[1]}.")
    real_radii = nearest_neighbour_radii(real, (pr_nearest, dc_nearest), block)
    fake_radii = nearest_neighbour_radii(fake, (pr_nearest,), block)[pr_nearest]
    in_a_real_ball, real_balls_holding = np.empty(len(fake), bool), np.empty(len(fake))
    for start, distances in _distance_blocks(fake, real, block):  # fakes x reals
        stop = start + len(distances)
        in_a_real_ball[start:stop] = (distances < real_radii[pr_nearest][None, :]).any(axis=1)
        real_balls_holding[start:stop] = (distances < real_radii[dc_nearest][None, :]).sum(axis=1)
    in_a_fake_ball, covered = np.empty(len(real), bool), np.empty(len(real), bool)
    for start, distances in _distance_blocks(real, fake, block):  # reals x fakes
        stop = start + len(distances)
        in_a_fake_ball[start:stop] = (distances < fake_radii[None, :]).any(axis=1)
        covered[start:stop] = distances.min(axis=1) < real_radii[dc_nearest][start:stop]
    return {"precision": float(in_a_real_ball.mean()), "recall": float(in_a_fake_ball.mean()),
            "density": float(real_balls_holding.mean() / dc_nearest), "coverage": float(covered.mean())}


def feature_set_scores(fake_features: np.ndarray, fake_logits: Optional[np.ndarray],
                       real_features: Optional[np.ndarray]) -> Dict[str, float]:
    """What two feature sets give beyond FID, with the conventions of `conventions()`: KID and
    precision / recall / density / coverage when the real features are at hand (the latter from
    6 real and 4 fake rows), and the Inception Score (min(10, N) splits) when there are logits."""
    scores: Dict[str, float] = {}
    if real_features is not None:
        scores.update(kernel_inception_distance(fake_features, real_features))
        if len(np.unique(real_features, axis=0)) > DC_NEAREST and len(fake_features) > PR_NEAREST:
            scores.update(precision_recall_density_coverage(real_features, fake_features))
    if fake_logits is not None:
        scores.update(inception_score(fake_logits, num_splits=min(IS_SPLITS, len(fake_logits))))
    return scores


def conventions(resize: Optional[str] = None) -> Dict[str, str]:
    """The conventions of a set of scores, recorded with them (docs/GUIDE.md compares them with
    the peers')."""
    named = {
        "fid": "Frechet distance of unbiased covariances (N - 1), float64, eps * I when the product is singular",
        "kid": f"{KID_SUBSETS} subsets of min({KID_SUBSET_SIZE}, N) rows, cubic kernel, unbiased",
        "inception_score": f"{IS_SPLITS} splits (fewer when N < {IS_SPLITS}), each with its own marginal",
        "precision_recall": f"k = {PR_NEAREST} nearest neighbours, distinct real rows",
        "density_coverage": f"k = {DC_NEAREST} nearest neighbours, distinct real rows",
    }
    if resize is not None:
        named["resize"] = resize
    return named
