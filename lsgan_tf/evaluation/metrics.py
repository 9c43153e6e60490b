"""Frechet distance, kernel inception distance and Inception Score (numpy / scipy, float64)."""

from __future__ import annotations

import warnings
import zipfile
from typing import Dict, Tuple

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


def kernel_inception_distance(features_a, features_b, num_subsets: int = 10, subset_size: int = 1000,
                              seed: int = 0) -> Dict[str, float]:
    """Unbiased MMD^2 with the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over
    random subsets (Binkowski et al.); returns {"kid": mean, "kid_std": std over subsets}."""
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


def inception_score(logits, num_splits: int = 1) -> Dict[str, float]:
    """exp(E_x KL(p(y|x) || p(y))) from classifier logits, averaged over `num_splits` splits."""
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
