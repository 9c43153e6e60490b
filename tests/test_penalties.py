"""Gradient penalties against closed-form and finite-difference gradients of tiny known Ds."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf import losses, penalties

RNG = np.random.default_rng(1)
REAL = RNG.uniform(-1, 1, size=(6, 4, 4, 2)).astype(np.float32)
FAKE = RNG.uniform(-1, 1, size=(6, 4, 4, 2)).astype(np.float32)
W = RNG.normal(size=(4, 4, 2)).astype(np.float32)


def linear_d(x):
    return tf.reduce_sum(x * W, axis=[1, 2, 3])


def quadratic_d(x):
    return 0.5 * tf.reduce_sum(W * x * x, axis=[1, 2, 3])


def mlp_d(x):
    flat = tf.reshape(x, (tf.shape(x)[0], -1))
    hidden = tf.tanh(flat @ tf.constant(RNG_MLP[0]))
    return tf.squeeze(hidden @ tf.constant(RNG_MLP[1]), -1)


RNG_MLP = (
    np.random.default_rng(2).normal(scale=0.3, size=(32, 8)).astype(np.float32),
    np.random.default_rng(3).normal(scale=0.5, size=(8, 1)).astype(np.float32),
)


def numpy_mlp(flat):
    return (np.tanh(flat @ RNG_MLP[0].astype(np.float64)) @ RNG_MLP[1].astype(np.float64))[:, 0]


def test_linear_d_penalty_is_closed_form_for_both_penalties():
    expected = (np.linalg.norm(W.astype(np.float64)) - 1.0) ** 2
    np.testing.assert_allclose(float(losses.dragan_penalty(linear_d, REAL, seed=3)), expected, rtol=1e-5)
    np.testing.assert_allclose(float(losses.wgan_gp_penalty(linear_d, REAL, FAKE, seed=3)), expected, rtol=1e-5)


def test_quadratic_d_penalty_matches_closed_form_gradient_at_the_points():
    points = penalties.wgan_gp_points(REAL, FAKE, seed=7).numpy().astype(np.float64)
    gradient_norms = np.sqrt(((W * points) ** 2).sum(axis=(1, 2, 3)))
    expected = np.mean((gradient_norms - 1.0) ** 2)
    np.testing.assert_allclose(float(losses.wgan_gp_penalty(quadratic_d, REAL, FAKE, seed=7)), expected, rtol=1e-5)


def test_nonlinear_d_penalty_matches_finite_differences():
    points = penalties.dragan_points(REAL, c=0.5, seed=11).numpy().astype(np.float64)
    flat = points.reshape(len(points), -1)
    step = 1e-5
    gradients = np.zeros_like(flat)
    for j in range(flat.shape[1]):
        offset = np.zeros(flat.shape[1])
        offset[j] = step
        gradients[:, j] = (numpy_mlp(flat + offset) - numpy_mlp(flat - offset)) / (2 * step)
    expected = np.mean((np.linalg.norm(gradients, axis=1) - 1.0) ** 2)
    np.testing.assert_allclose(float(losses.dragan_penalty(mlp_d, REAL, c=0.5, seed=11)), expected, rtol=1e-4)


def test_dragan_points_follow_the_authors_construction():
    c = 30.0
    points = penalties.dragan_points(REAL, c=c, seed=5).numpy()
    offsets = points - REAL
    assert np.all(offsets >= 0) and np.all(offsets < c)  # positive noise, not centred
    # offset = alpha * c * U: the per-sample alpha scales every element of that sample alike,
    # so the largest offset of a sample is below alpha * c; across samples alphas differ.
    per_sample_max = offsets.reshape(len(offsets), -1).max(axis=1)
    assert len(np.unique(np.round(per_sample_max, 3))) == len(REAL)


def test_wgan_points_lie_on_the_segments_between_real_and_fake():
    points = penalties.wgan_gp_points(REAL, FAKE, seed=5).numpy()
    alphas = (points - REAL) / (FAKE - REAL)
    per_sample = alphas.reshape(len(alphas), -1)
    np.testing.assert_allclose(per_sample, per_sample[:, :1].repeat(per_sample.shape[1], 1), atol=1e-4)
    assert np.all((per_sample[:, 0] >= 0) & (per_sample[:, 0] < 1))


def test_seed_generator_redraws_noise_every_call():
    generator = keras.random.SeedGenerator(0)
    first = penalties.dragan_points(REAL, seed=generator).numpy()
    second = penalties.dragan_points(REAL, seed=generator).numpy()
    assert not np.allclose(first, second)


@pytest.mark.parametrize("which", ["dragan", "wgan_gp"])
def test_zero_gradient_gives_finite_penalty_and_finite_weight_gradients(which):
    critic = keras.Sequential([keras.Input((4, 4, 2)), keras.layers.Flatten(), keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer="ones")])
    with tf.GradientTape() as tape:
        if which == "dragan":
            penalty = losses.dragan_penalty(critic, REAL, seed=1)
        else:
            penalty = losses.wgan_gp_penalty(critic, REAL, FAKE, seed=1)
    gradients = tape.gradient(penalty, critic.trainable_variables)
    np.testing.assert_allclose(float(penalty), 1.0, atol=1e-4)  # (||0|| - 1)^2
    assert all(np.all(np.isfinite(g.numpy())) for g in gradients if g is not None)
