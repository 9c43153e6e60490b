"""The vectorised mixture trainer: K seeds trained together equal each seed trained alone."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf import architectures
from lsgan_tf.gan import GAN
from lsgan_tf.mixture_ensemble import MixtureEnsemble, sample_real

SEEDS = (3, 7, 11)
BATCH = 64
STEPS = 5


def train_alone(seed, loss, real_batches):
    """The reference: the GAN model with ls.py's settings, its own noise stream."""
    keras.utils.set_random_seed(seed)
    generator, discriminator = architectures.build("mixture")
    model = GAN(generator, discriminator, seed=seed)
    model.compile(keras.optimizers.Adam(1e-4, beta_1=0.5, epsilon=1e-8), keras.optimizers.Adam(1e-3, beta_1=0.5, epsilon=1e-8),
                  loss=loss, coding="011", simultaneous_updates=True)
    model.fit(tf.data.Dataset.from_tensor_slices(real_batches), epochs=1, verbose=0, shuffle=False)
    return model


@pytest.mark.parametrize("loss", ["lsgan", "nsgan"])
def test_seeds_trained_together_equal_seeds_trained_alone(loss):
    real = sample_real(np.random.default_rng(0), len(SEEDS), BATCH * STEPS).reshape(len(SEEDS), STEPS, BATCH, 2)
    ensemble = MixtureEnsemble(SEEDS, loss=loss, batch_size=BATCH)
    # Replay each GAN's noise stream: a fresh SeedGenerator with the same seed.
    generators = [keras.random.SeedGenerator(seed) for seed in SEEDS]
    for step in range(STEPS):
        z = np.stack([keras.random.normal((BATCH, 256), seed=g).numpy() for g in generators])
        ensemble.train_step(real[:, step], z)
    for k, seed in enumerate(SEEDS):
        alone = train_alone(seed, loss, real[k])
        for stacked, weight in zip(ensemble.g_weights + ensemble.d_weights,
                                   alone.generator.weights + alone.discriminator.weights):
            np.testing.assert_allclose(stacked.numpy()[k], weight.numpy(), atol=2e-5)
    # And the seeds did diverge from each other (no accidental sharing).
    assert not np.allclose(ensemble.g_weights[0].numpy()[0], ensemble.g_weights[0].numpy()[1])


def test_ensemble_evaluation_reports_each_seed():
    ensemble = MixtureEnsemble((0, 1), batch_size=32)
    stats = ensemble.evaluate(num_samples=500)
    assert len(stats) == 2 and {"modes_covered", "high_quality_fraction", "collapsed"} <= set(stats[0])
