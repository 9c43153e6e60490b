"""FID / KID / IS against closed forms, scipy-free references and TF-GAN's classifier_metrics;
precision / recall / density / coverage against the authors' `prdc` package and closed cases;
mode statistics on hand-made point sets. Each convention test names the mistake it catches."""

import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf.data.mixture import mixture_centers
from lsgan_tf.evaluation import metrics
from lsgan_tf.evaluation.modes import mode_statistics, site_shares, unique_centers
from tests import tfgan_oracle


def exact_moments(n, dimension, seed):
    """n samples whose sample mean is exactly 0 and unbiased sample covariance exactly I."""
    x = np.random.default_rng(seed).standard_normal((n, dimension))
    x -= x.mean(axis=0)
    return x @ np.linalg.inv(np.linalg.cholesky(np.cov(x, rowvar=False)).T)


def test_frechet_distance_of_two_known_gaussians():
    scales = np.array([0.5, 1.0, 2.0, 3.0])
    shift = np.array([1.0, -2.0, 0.0, 0.5])
    a = exact_moments(500, 4, 0)
    b = exact_moments(700, 4, 1) * scales + shift
    expected = shift @ shift + np.sum((1.0 - scales) ** 2)  # diagonal covariances: sum (sqrt(s_a) - sqrt(s_b))^2
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_is_zero_for_identical_sets_and_matches_an_eigen_reference():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((400, 16)) @ rng.standard_normal((16, 16))
    b = rng.standard_normal((300, 16)) * 2 + 1
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # Independent reference: Tr sqrt(S_a S_b) = sum sqrt(eig(sqrt(S_a) S_b sqrt(S_a))).
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(cov_a)
    root_a = v @ np.diag(np.sqrt(np.clip(w, 0, None))) @ v.T
    trace_root = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ cov_b @ root_a), 0, None)))
    diff = a.mean(0) - b.mean(0)
    expected = diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-8)


def test_frechet_distance_matches_tfgan():
    cm = tfgan_oracle.load("python.eval.classifier_metrics")
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3000, 8))
    b = rng.standard_normal((3000, 8)) * 1.3 + 0.2
    reference = float(cm.frechet_classifier_distance_from_activations(tf.constant(a), tf.constant(b)))
    # Both use the unbiased covariance (N - 1) in float64; TF-GAN takes Tr sqrt(S_a S_b) as
    # Tr sqrt(sqrt(S_a) S_b sqrt(S_a)) by eigen-decompositions: the same to round-off (2e-14 here).
    assert metrics.frechet_distance(a, b) == pytest.approx(reference, rel=1e-9)


def test_kid_matches_tfgan_and_an_explicit_double_loop():
    cm = tfgan_oracle.load("python.eval.classifier_metrics")
    rng = np.random.default_rng(5)
    a = rng.standard_normal((60, 6))
    b = rng.standard_normal((60, 6)) + 0.3
    ours = metrics.kernel_inception_distance(a, b, num_subsets=1, subset_size=60)["kid"]
    reference, _ = cm.kernel_classifier_distance_and_std_from_activations(tf.constant(a), tf.constant(b), max_block_size=1000)
    assert ours == pytest.approx(float(reference), rel=1e-6)
    kernel = lambda x, y: (x @ y / 6 + 1) ** 3
    m = len(a)
    xx = sum(kernel(a[i], a[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(kernel(b[i], b[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(kernel(a[i], b[j]) for i in range(m) for j in range(m)) / (m * m)
    assert ours == pytest.approx(xx + yy - 2 * xy, rel=1e-9)


def test_inception_score_bounds_and_tfgan():
    uniform = np.zeros((100, 10))
    assert metrics.inception_score(uniform)["inception_score"] == pytest.approx(1.0)
    one_hot = np.full((100, 10), -1e4)
    one_hot[np.arange(100), np.arange(100) % 10] = 0.0
    assert metrics.inception_score(one_hot)["inception_score"] == pytest.approx(10.0, rel=1e-6)
    cm = tfgan_oracle.load("python.eval.classifier_metrics")
    logits = np.random.default_rng(6).standard_normal((200, 7)) * 3
    reference = float(cm.classifier_score_from_logits(tf.constant(logits)))  # one split: the whole set
    assert metrics.inception_score(logits, num_splits=1)["inception_score"] == pytest.approx(reference, rel=1e-6)


def test_metric_input_errors():
    with pytest.raises(metrics.MetricInputError, match="at least 2"):
        metrics.frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(metrics.MetricInputError, match="widths differ"):
        metrics.frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))


CENTERS = mixture_centers()
STD = 0.01


def around(indices, per_mode, seed=0):
    modes = unique_centers(CENTERS)
    rng = np.random.default_rng(seed)
    return np.concatenate([modes[i] + rng.normal(0, STD, (per_mode, 2)) for i in indices])


def test_mode_statistics_on_hand_made_sets():
    assert len(unique_centers(CENTERS)) == 8
    everything = mode_statistics(around(range(8), 100), CENTERS, STD)
    assert everything["modes_covered"] == 8 and everything["high_quality_fraction"] > 0.98
    assert not everything["collapsed"]
    two = mode_statistics(around([0, 3], 400), CENTERS, STD)
    assert two["modes_covered"] == 2 and two["collapsed"]
    off = mode_statistics(np.random.default_rng(1).uniform(-0.3, 0.3, (800, 2)), CENTERS, STD)
    assert off["modes_covered"] == 0 and off["high_quality_fraction"] == 0.0


def pile(spots, per_spot, spread=0.003, seed=0):
    """Samples heaped on the given 2-D spots (not necessarily modes)."""
    rng = np.random.default_rng(seed)
    return np.concatenate([np.asarray(spot) + rng.normal(0, spread, (per_spot, 2)) for spot in spots])


def test_piles_away_from_the_modes_count_as_collapse():
    """The nearest-mode test misses samples heaped between modes or far off the ring; the site
    count does not (the empty-looking LSGAN seed of the mixture study had top-2 share 0.77)."""
    modes = unique_centers(CENTERS)
    between = [(modes[i] + modes[i + 1]) / 2 for i in (0, 2, 4)]  # midpoints of three mode pairs
    three = mode_statistics(pile(between, 300), CENTERS, STD)
    assert three["top2_share"] < 0.9 and three["sites"] == 3 and three["top2_site_share"] == pytest.approx(2 / 3)
    assert not three["collapsed"] and three["concentrated"]  # a failure, reported as such
    far_off = mode_statistics(pile([(4.0, 4.0), (-3.0, 5.0)], 400), CENTERS, STD)
    assert far_off["sites"] == 2 and far_off["collapsed"]
    split = mode_statistics(pile([between[0], between[1]], 400), CENTERS, STD)
    assert split["top2_share"] < 0.9 and split["collapsed"]  # two piles, each shared by two modes


def test_a_blurred_ring_is_neither_collapsed_nor_concentrated():
    angle = np.random.default_rng(3).uniform(0, 2 * np.pi, 2000)
    ring = np.stack([np.cos(angle), np.sin(angle)], axis=1) * np.random.default_rng(4).normal(1, 0.05, (2000, 1))
    stats = mode_statistics(ring, CENTERS, STD)
    assert stats["sites"] > 16 and stats["top2_site_share"] < 0.2
    assert not stats["collapsed"] and not stats["concentrated"]
    assert mode_statistics(around(range(8), 100), CENTERS, STD)["sites"] == 8
    data = mode_statistics(around([0, 0, 1, 2, 3, 4, 5, 6, 7], 200), CENTERS, STD)  # ls.py's double mode
    assert data["top2_site_share"] == pytest.approx(1 / 3) and not data["concentrated"]
    assert stats["median_distance"] > 10 * STD  # a blurred ring is far from the modes, if not concentrated


@pytest.mark.slow
def test_median_distance_of_the_data_is_its_rayleigh_median():
    """Samples N(mode, std^2 I) lie a median std * sqrt(2 ln 2) from their mode."""
    stats = mode_statistics(around(range(8), 2000), CENTERS, STD)
    assert stats["median_distance"] == pytest.approx(STD * np.sqrt(2 * np.log(2)), rel=0.03)


def greedy_sites_recounted(points, radius, most):
    """The greedy site rule stated directly: every round recounts each remaining sample's
    remaining neighbours from scratch and takes the disc of the largest count (first on ties)."""
    distances = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    remaining, shares = np.ones(len(points), bool), []
    for _ in range(most):
        counts = np.array([np.sum((distances[i] <= radius) & remaining) if remaining[i] else 0
                           for i in range(len(points))])
        remaining &= ~(distances[counts.argmax()] <= radius)
        shares.append(1.0 - remaining.mean())
        if not remaining.any():
            break
    return np.asarray(shares)


@pytest.mark.parametrize("name", ["modes", "piles", "uniform", "grid_ties"])
def test_site_shares_equal_the_greedy_rule_recounted_every_round(name):
    points = {"modes": around(range(8), 60),
              "piles": np.concatenate([pile([(0.3, 0.4), (-1.5, 0.2)], 150), around([1, 5], 40)]),
              "uniform": np.random.default_rng(4).uniform(-2, 2, (500, 2)),
              "grid_ties": np.stack(np.meshgrid(np.arange(12) * 0.05, np.arange(12) * 0.05), -1).reshape(-1, 2)}[name]
    np.testing.assert_array_equal(site_shares(points, 0.1, 64), greedy_sites_recounted(points, 0.1, 64))


@pytest.mark.slow
def test_site_shares_memory_grows_with_the_samples_not_their_square():
    import tracemalloc

    points = np.random.default_rng(7).normal(0, 0.5, (12000, 2))  # an N x N boolean matrix: 144 MB
    tracemalloc.start()
    try:
        shares = site_shares(points, 0.1, 8)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40e6, f"{peak / 1e6:.0f} MB"
    assert len(shares) == 8 and 0 < shares[0] < shares[-1] < 1


def test_a_singular_product_is_handled_without_a_warning():
    import warnings

    singular = np.diag([1.0, 0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        distance = metrics.frechet_distance_from_statistics(np.zeros(3), singular, np.ones(3), singular)
    assert np.isfinite(distance) and distance == pytest.approx(3.0, abs=1e-3)


def test_the_inception_score_takes_each_splits_own_marginal():
    """Catches IS ignoring its splits, and IS taking one marginal over all splits: the first half
    of the rows are all class 0 and the second half all class 1, confidently. Each half alone has
    IS 1 (every row is its split's marginal); over the whole set, or against the whole set's
    marginal, IS is 2. Ten splits is the default at any N."""
    logits = np.full((100, 5), -50.0)
    logits[:50, 0] = logits[50:, 1] = 0.0
    assert metrics.inception_score(logits)["inception_score"] == pytest.approx(1.0, abs=1e-9)
    assert metrics.inception_score(logits, num_splits=1)["inception_score"] == pytest.approx(2.0, rel=1e-9)
    assert metrics.IS_SPLITS == 10


def test_kid_draws_fresh_rows_of_both_sets_for_each_of_100_subsets():
    """Catches KID reusing the same rows of either set in every subset: the default (100 subsets
    of min(1000, N) rows) equals the mean of unbiased MMD^2 over subsets drawn one after the other
    from default_rng(seed), a row set of the first features and then of the second per subset."""
    rng = np.random.default_rng(8)
    a = rng.standard_normal((1500, 5))
    b = rng.standard_normal((1200, 5)) * 1.1
    draws = np.random.default_rng(0)
    values = []
    for _ in range(100):
        x, y = a[draws.choice(1500, 1000, replace=False)], b[draws.choice(1200, 1000, replace=False)]
        k_xx, k_yy, k_xy = ((x @ x.T / 5 + 1) ** 3, (y @ y.T / 5 + 1) ** 3, (x @ y.T / 5 + 1) ** 3)
        values.append((k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (1000 * 999) - 2 * k_xy.mean())
    scores = metrics.kernel_inception_distance(a, b)
    assert scores["kid"] == pytest.approx(np.mean(values), rel=1e-9)
    assert scores["kid_std"] == pytest.approx(np.std(values), rel=1e-9) and scores["kid_std"] > 0


def test_a_singular_covariance_product_falls_back_to_a_finite_distance():
    """Catches a missing fallback: S_a S_b here has no square root (scipy's sqrtm returns NaN), and
    the TTUR regularisation eps * I gives the distance of the eigen reference to 3e-4."""
    cov_a = np.array([[2.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    v = np.array([2.0, 1.0, -1.0])
    cov_b = np.outer(v, v)
    w, vectors = np.linalg.eigh(cov_a)
    root_a = vectors @ np.diag(np.sqrt(np.clip(w, 0, None))) @ vectors.T
    trace_root = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ cov_b @ root_a), 0, None)))
    exact = 3.0 + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_root
    distance = metrics.frechet_distance_from_statistics(np.zeros(3), cov_a, np.ones(3), cov_b)
    assert np.isfinite(distance) and distance == pytest.approx(exact, rel=1e-3)


def test_the_distance_of_a_set_to_itself_is_exactly_zero():
    """Catches a missing clamp: for these features Tr(S + S - 2 sqrt(S S)) rounds to -2e-14."""
    a = np.random.default_rng(0).standard_normal((50, 8))
    assert metrics.frechet_distance(a, a) == 0.0


def prdc_reference(real, fake, k):
    import contextlib
    import io

    prdc = pytest.importorskip("prdc")  # the authors' reference (Naeem et al.), requirements-oracle.txt
    with contextlib.redirect_stdout(io.StringIO()):  # it prints the set sizes
        return prdc.compute_prdc(real_features=real, fake_features=fake, nearest_k=k)


def test_precision_recall_density_coverage_equal_the_authors_prdc_in_blocks():
    rng = np.random.default_rng(9)
    real = rng.standard_normal((300, 16)).astype(np.float32)
    fake = (rng.standard_normal((250, 16)) * 1.2 + 0.3).astype(np.float32)
    ours = metrics.precision_recall_density_coverage(real, fake, block=37)  # blocks that do not divide the sets
    three, five = prdc_reference(real, fake, 3), prdc_reference(real, fake, 5)
    assert ours["precision"] == pytest.approx(three["precision"], abs=1e-6)
    assert ours["recall"] == pytest.approx(three["recall"], abs=1e-6)
    assert ours["density"] == pytest.approx(five["density"], abs=1e-6)
    assert ours["coverage"] == pytest.approx(five["coverage"], abs=1e-6)
    assert 0 < ours["precision"] < 1 and 0 < ours["recall"] < 1 and 0 < ours["coverage"] < 1


def test_precision_recall_density_coverage_on_closed_cases():
    rng = np.random.default_rng(10)
    real = rng.standard_normal((200, 8))
    same = metrics.precision_recall_density_coverage(real, real)
    # identical sets: every fake is its own real point, and a real ball (radius: its 5th
    # neighbour, exclusive) holds itself and 4 others, so the balls hold 5 N fakes: density 1.
    assert same == {"precision": 1.0, "recall": 1.0, "density": 1.0, "coverage": 1.0}
    far = metrics.precision_recall_density_coverage(real, real + 1000.0)
    assert far == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}
    # A real set that repeats its rows (the rendered shift digits do) counts each once: with the
    # repeats kept, every ball would have radius 0 and hold nothing.
    repeated = np.repeat(real[:40], 30, axis=0)
    assert metrics.precision_recall_density_coverage(repeated, real[:40]) == same


def test_precision_recall_density_coverage_memory_grows_with_the_block_not_the_square():
    import tracemalloc

    rng = np.random.default_rng(11)
    real, fake = rng.standard_normal((4000, 8)), rng.standard_normal((4000, 8))
    tracemalloc.start()
    metrics.precision_recall_density_coverage(real, fake, block=100)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40e6, f"{peak / 1e6:.0f} MB, where 4,000 x 4,000 distances are {4000 * 4000 * 8 / 1e6:.0f} MB"
