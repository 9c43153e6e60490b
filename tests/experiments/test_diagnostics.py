"""experiments/study_lib/diagnostics.py: D's gradient for the fake batch, checked on a batch of identical fakes,
where batch norm's backward pass gives a closed form. In float64: "identical" fakes differ by
the rounding of the matmul kernels (rows of one batch can take different code paths), and in
float32 batch norm magnifies that to a gradient 1e-3 of the unnormalised one on some CPUs."""

import keras
import numpy as np
import pytest

from experiments.study_lib.diagnostics import shared_change_gradients
from lsgan_tf import architectures
from lsgan_tf.gan import GAN

Z_DIM, BATCH = 8, 16


def collapsed_gan(d_fc_norm: bool) -> GAN:
    """A G that draws the same image for every z (zero kernel, random bias) and Table 5's D."""
    keras.utils.set_random_seed(0)
    generator = keras.Sequential([
        keras.Input((Z_DIM,)),
        keras.layers.Dense(28 * 28, kernel_initializer="zeros", bias_initializer=keras.initializers.RandomNormal(0.0, 0.5)),
        keras.layers.Reshape((28, 28, 1)),
        keras.layers.Activation("tanh"),
    ])
    _, discriminator = architectures.build("digits", z_dim=Z_DIM, d_fc_norm=d_fc_norm)
    model = GAN(generator, discriminator, seed=0)
    model.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), objective="lsgan")
    return model


def test_identical_fakes_get_no_gradient_through_a_fake_batch_norm(float64):
    """With D's FC BN, every FC unit is the same for all fakes, so BN's output is its offset
    beta whatever the input: no gradient at all. Without it, every fake gets the same
    nonzero gradient (alignment 1)."""
    z = np.random.default_rng(1).standard_normal((BATCH, Z_DIM)).astype(np.float32)
    real = np.random.default_rng(2).uniform(-1, 1, (BATCH, 28, 28, 1)).astype(np.float32)
    with_norm = shared_change_gradients(collapsed_gan(True), z, real)
    without = shared_change_gradients(collapsed_gan(False), z, real)
    assert without["per_sample_gradient_norm"] > 1e-4
    assert without["alignment"] == pytest.approx(1.0, abs=1e-5)
    assert with_norm["per_sample_gradient_norm"] < 1e-4 * without["per_sample_gradient_norm"]
    assert with_norm["fake_pixel_std"] < 1e-6 and without["fake_pixel_std"] < 1e-6
    assert with_norm["real_pixel_std"] > 0.5


def test_a_measurement_leaves_the_moving_statistics_alone():
    model = collapsed_gan(True)
    before = [v.numpy().copy() for v in model.discriminator.non_trainable_variables]
    shared_change_gradients(model, np.ones((BATCH, Z_DIM), np.float32))
    for a, b in zip(before, model.discriminator.non_trainable_variables):
        np.testing.assert_array_equal(a, b.numpy())


def test_freezing_the_fc_batch_norm_restores_the_gradient_of_identical_fakes(float64):
    """The same weights with D's FC BN on its moving statistics: identical fakes get the same
    nonzero gradient again; afterwards the layer trains on batch statistics as before."""
    model = collapsed_gan(True)
    z = np.random.default_rng(1).standard_normal((BATCH, Z_DIM)).astype(np.float32)
    frozen = shared_change_gradients(model, z, frozen=("d_fc1_bn",))
    assert frozen["per_sample_gradient_norm"] > 1e-4 and frozen["alignment"] == pytest.approx(1.0, abs=1e-5)
    assert model.discriminator.get_layer("d_fc1_bn").trainable
    assert shared_change_gradients(model, z)["per_sample_gradient_norm"] < 1e-4 * frozen["per_sample_gradient_norm"]
