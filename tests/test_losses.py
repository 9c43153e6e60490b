"""Loss values against the paper's formulas in numpy and against TF-GAN's losses_impl."""

import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf import losses
from tests import tfgan_oracle

RNG = np.random.default_rng(0)
REAL = RNG.normal(0.3, 1.2, size=(16, 1)).astype(np.float32)
FAKE = RNG.normal(-0.4, 0.9, size=(16, 1)).astype(np.float32)


def numpy_ls(scores, target, reduction):
    squared = (scores.astype(np.float64) - target) ** 2
    return 0.5 * (squared.mean() if reduction == "mean" else squared.sum())


@pytest.mark.parametrize("coding,abc", [("-110", (-1, 1, 0)), ("011", (0, 1, 1)), ((0.5, 2.0, -3.0), (0.5, 2.0, -3.0))])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_least_squares_losses_match_paper_formula(coding, abc, reduction):
    a, b, c = abc
    d_expected = numpy_ls(REAL, b, reduction) + numpy_ls(FAKE, a, reduction)
    g_expected = numpy_ls(FAKE, c, reduction)
    d = losses.least_squares_discriminator_loss(REAL, FAKE, coding=coding, reduction=reduction)
    g = losses.least_squares_generator_loss(FAKE, coding=coding, reduction=reduction)
    np.testing.assert_allclose(float(d), d_expected, rtol=1e-5)
    np.testing.assert_allclose(float(g), g_expected, rtol=1e-5)


def test_sum_reduction_is_the_authors_l2_loss():
    # The authors' code: tf.reduce_mean(tf.nn.l2_loss(d - label)) = half the batch sum.
    authors_d = float(tf.reduce_mean(tf.nn.l2_loss(REAL - 1.0)) + tf.reduce_mean(tf.nn.l2_loss(FAKE + 1.0)))
    authors_g = float(tf.reduce_mean(tf.nn.l2_loss(FAKE - 0.0)))
    np.testing.assert_allclose(float(losses.least_squares_discriminator_loss(REAL, FAKE, "-110", "sum")), authors_d, rtol=1e-6)
    np.testing.assert_allclose(float(losses.least_squares_generator_loss(FAKE, "-110", "sum")), authors_g, rtol=1e-6)


@pytest.mark.parametrize("coding", ["-110", "011"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_least_squares_losses_match_tfgan(coding, reduction):
    impl = tfgan_oracle.load("python.losses.losses_impl")
    a, b, c = losses.CODINGS[coding]
    tf_reduction = {"mean": tf.compat.v1.losses.Reduction.MEAN, "sum": tf.compat.v1.losses.Reduction.SUM}[reduction]
    d_ref = impl.least_squares_discriminator_loss(REAL, FAKE, real_label=b, fake_label=a, reduction=tf_reduction)
    g_ref = impl.least_squares_generator_loss(FAKE, real_label=c, reduction=tf_reduction)
    np.testing.assert_allclose(float(losses.least_squares_discriminator_loss(REAL, FAKE, coding, reduction)), float(d_ref), rtol=1e-5)
    np.testing.assert_allclose(float(losses.least_squares_generator_loss(FAKE, coding, reduction)), float(g_ref), rtol=1e-5)


def test_ns_losses_match_formula_and_tfgan():
    impl = tfgan_oracle.load("python.losses.losses_impl")
    sigmoid = lambda x: 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    d_expected = -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1.0 - sigmoid(FAKE)))
    g_expected = -np.mean(np.log(sigmoid(FAKE)))
    np.testing.assert_allclose(float(losses.ns_discriminator_loss(REAL, FAKE)), d_expected, rtol=1e-5)
    np.testing.assert_allclose(float(losses.ns_generator_loss(FAKE)), g_expected, rtol=1e-5)
    # TF-GAN's modified losses: no label smoothing to match the paper's baseline.
    d_ref = impl.modified_discriminator_loss(REAL, FAKE, label_smoothing=0.0, reduction=tf.compat.v1.losses.Reduction.MEAN)
    g_ref = impl.modified_generator_loss(FAKE, reduction=tf.compat.v1.losses.Reduction.MEAN)
    np.testing.assert_allclose(float(losses.ns_discriminator_loss(REAL, FAKE)), float(d_ref), rtol=1e-5)
    np.testing.assert_allclose(float(losses.ns_generator_loss(FAKE)), float(g_ref), rtol=1e-5)


def test_ns_losses_are_finite_for_extreme_logits():
    extreme = np.array([[-200.0], [200.0]], np.float32)
    assert np.isfinite(float(losses.ns_discriminator_loss(extreme, extreme)))
    assert np.isfinite(float(losses.ns_generator_loss(extreme)))


def test_wasserstein_losses_match_formula_and_tfgan():
    impl = tfgan_oracle.load("python.losses.losses_impl")
    np.testing.assert_allclose(float(losses.wasserstein_discriminator_loss(REAL, FAKE)), FAKE.mean() - REAL.mean(), rtol=1e-5)
    np.testing.assert_allclose(float(losses.wasserstein_generator_loss(FAKE)), -FAKE.mean(), rtol=1e-5)
    d_ref = impl.wasserstein_discriminator_loss(REAL, FAKE, reduction=tf.compat.v1.losses.Reduction.MEAN)
    g_ref = impl.wasserstein_generator_loss(FAKE, reduction=tf.compat.v1.losses.Reduction.MEAN)
    np.testing.assert_allclose(float(losses.wasserstein_discriminator_loss(REAL, FAKE)), float(d_ref), rtol=1e-5)
    np.testing.assert_allclose(float(losses.wasserstein_generator_loss(FAKE)), float(g_ref), rtol=1e-5)


@pytest.mark.parametrize("bad", ["110", "-101", "pearson"])
def test_unknown_coding_names_the_valid_ones(bad):
    with pytest.raises(ValueError, match=r"-110.*011|valid codings"):
        losses.least_squares_generator_loss(FAKE, coding=bad)


def test_unknown_reduction_names_the_valid_ones():
    with pytest.raises(ValueError, match="mean.*sum"):
        losses.least_squares_discriminator_loss(REAL, FAKE, reduction="batch")


def test_explicit_coding_must_be_a_triple():
    with pytest.raises(ValueError, match="triple"):
        losses.resolve_coding((0.0, 1.0))


def test_pearson_coding_satisfies_the_chi2_condition():
    a, b, c = losses.CODINGS["-110"]
    assert b - c == 1 and b - a == 2
