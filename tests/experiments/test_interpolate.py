"""experiments/interpolate.py: the z walk and the conditional label walk start and end where
the generator does on the endpoints (z drawn from the run's own noise distribution), and move
in between."""

import keras
import numpy as np

from experiments.interpolate import label_walk, latent_walk
from lsgan_tf import architectures
from lsgan_tf.gan import GAN, ConditionalGAN


def test_z_walk_endpoints_are_the_generator_on_the_endpoints():
    keras.utils.set_random_seed(0)
    model = GAN(*architectures.build("digits", z_dim=8), seed=0)
    images = latent_walk(model, rows=2, steps=5, seed=3)
    start, end = np.random.default_rng(3).standard_normal((2, 2, 8)).astype(np.float32)
    np.testing.assert_allclose(images[::5], model.generator.predict(start, verbose=0), atol=1e-5)
    np.testing.assert_allclose(images[4::5], model.generator.predict(end, verbose=0), atol=1e-5)
    assert np.abs(images[2] - images[0]).max() > 1e-4


def test_z_walk_of_a_uniform_noise_run_draws_its_endpoints_from_u_minus1_1():
    """The walk draws z as the run did (it used to draw N(0, I) for every run)."""
    keras.utils.set_random_seed(0)
    model = GAN(*architectures.build("digits", z_dim=8), seed=0, noise="uniform")
    images = latent_walk(model, rows=2, steps=3, seed=4)
    start, end = np.random.default_rng(4).uniform(-1.0, 1.0, (2, 2, 8)).astype(np.float32)
    np.testing.assert_allclose(images[::3], model.generator.predict(start, verbose=0), atol=1e-5)
    np.testing.assert_allclose(images[2::3], model.generator.predict(end, verbose=0), atol=1e-5)


def test_label_walk_goes_from_one_class_to_another_with_z_fixed():
    keras.utils.set_random_seed(0)
    generator, discriminator = architectures.build("hwdb", num_classes=6, z_dim=8, label_dim=4)
    model = ConditionalGAN(generator, discriminator, seed=0)
    model.generator.get_layer("g_label_map").bias.assign(np.full(4, 0.3, np.float32))  # a non-zero bias must be kept
    rows, steps = 3, 4
    images = label_walk(model, rows=rows, steps=steps, seed=1)
    rng = np.random.default_rng(1)
    z = rng.standard_normal((rows, 8)).astype(np.float32)
    first, last = rng.choice(6, size=(2, rows), replace=False)
    np.testing.assert_allclose(images[::steps], model.generator.predict([z, first], verbose=0), atol=1e-5)
    np.testing.assert_allclose(images[steps - 1::steps], model.generator.predict([z, last], verbose=0), atol=1e-5)
    assert images.shape == (rows * steps, 28, 28, 1)
    assert np.abs(images[1] - images[0]).max() > 1e-6
