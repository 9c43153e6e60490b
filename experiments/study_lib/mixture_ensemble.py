"""K independent Gaussian-mixture GANs (TPAMI Table 4, the authors' ls.py settings) trained as
one vectorised program: every weight carries a leading seed axis and each layer is one batched
matmul over all seeds.

Seed k starts from exactly the weights `architectures.build("mixture")` creates after
`keras.utils.set_random_seed(seeds[k])`, and Adam is elementwise, so the seeds never interact:
each trains as it would alone (tests/experiments/test_mixture_study.py checks this against the GAN model).
"""

from __future__ import annotations

from typing import Dict, List, Sequence

import keras
import numpy as np
import tensorflow as tf

from lsgan_tf import architectures, losses, presets
from lsgan_tf.data.mixture import N_MIXTURE, RADIUS, STD, mixture_centers
from lsgan_tf.evaluation.modes import mode_statistics
from lsgan_tf.noise import draw_z
from lsgan_tf.training.build import make_optimizer

ENSEMBLE_LOSSES = ("lsgan", "nsgan")


MIXTURE = presets.get("mixture")  # TPAMI Table 4 / ls.py: every default of the ensemble

def _stacked_weights(models: Sequence[keras.Model]) -> List[keras.Variable]:
    return [keras.Variable(np.stack([m.weights[i].numpy() for m in models])) for i in range(len(models[0].weights))]


def _mlp(weights, x):
    """tanh hidden layers and a linear output, for stacked (seed, in, out) kernels."""
    layers = len(weights) // 2
    for index in range(layers):
        kernel, bias = weights[2 * index], weights[2 * index + 1]
        x = tf.matmul(x, kernel) + bias[:, None, :]  # one batched matmul over all seeds
        if index < layers - 1:
            x = tf.tanh(x)
    return x


class MixtureEnsemble:
    """Trains len(seeds) mixture GANs together with simultaneous D/G Adam updates."""

    def __init__(self, seeds: Sequence[int], loss: str = "lsgan", coding: str = MIXTURE.coding,
                 z_dim: int = MIXTURE.z_dim, batch_size: int = MIXTURE.batch_size, d_lr: float = MIXTURE.lr,
                 g_lr: float = MIXTURE.generator_lr):
        if loss not in ENSEMBLE_LOSSES:
            raise ValueError(f"Unknown loss {loss!r}; the mixture study supports {ENSEMBLE_LOSSES}.")
        self.seeds, self.loss, self.coding = list(seeds), loss, losses.resolve_coding(coding)
        self.z_dim, self.batch_size = z_dim, batch_size
        generators, discriminators = [], []
        for seed in self.seeds:
            keras.utils.set_random_seed(seed)
            generator, discriminator = architectures.build("mixture", z_dim=z_dim)
            generators.append(generator)
            discriminators.append(discriminator)
        self.g_weights = _stacked_weights(generators)
        self.d_weights = _stacked_weights(discriminators)
        self.d_optimizer = make_optimizer("adam", d_lr, MIXTURE)
        self.g_optimizer = make_optimizer("adam", g_lr, MIXTURE)
        self.d_optimizer.build(self.d_weights)
        self.g_optimizer.build(self.g_weights)
        self._step = tf.function(self._train_step)
        self._run = tf.function(self._train_steps)
        self._centers = tf.constant(mixture_centers(N_MIXTURE, RADIUS))

    def generate(self, z):
        """G for every seed: z (K, N, z_dim) -> points (K, N, 2)."""
        return _mlp(self.g_weights, z)

    def _per_seed_losses(self, real_scores, fake_scores):
        """(D loss, G loss) per seed, each reduced over its own batch only: shapes (K,)."""
        if self.loss == "lsgan":
            a, b, c = self.coding
            d_loss = 0.5 * tf.reduce_mean((real_scores - b) ** 2, axis=[1, 2]) + 0.5 * tf.reduce_mean(
                (fake_scores - a) ** 2, axis=[1, 2])
            return d_loss, 0.5 * tf.reduce_mean((fake_scores - c) ** 2, axis=[1, 2])
        ce = tf.nn.sigmoid_cross_entropy_with_logits
        d_loss = tf.reduce_mean(ce(tf.ones_like(real_scores), real_scores), axis=[1, 2]) + tf.reduce_mean(
            ce(tf.zeros_like(fake_scores), fake_scores), axis=[1, 2])
        return d_loss, tf.reduce_mean(ce(tf.ones_like(fake_scores), fake_scores), axis=[1, 2])

    def _train_step(self, real, z):
        with tf.GradientTape() as d_tape, tf.GradientTape() as g_tape:
            fake = self.generate(z)
            d_loss, g_loss = self._per_seed_losses(_mlp(self.d_weights, real), _mlp(self.d_weights, fake))
            d_total, g_total = tf.reduce_sum(d_loss), tf.reduce_sum(g_loss)
        d_gradients = d_tape.gradient(d_total, self.d_weights)
        g_gradients = g_tape.gradient(g_total, self.g_weights)
        self.d_optimizer.apply(d_gradients, self.d_weights)
        self.g_optimizer.apply(g_gradients, self.g_weights)
        return d_loss, g_loss

    def train_step(self, real, z):
        """One simultaneous update of every seed: real (K, B, 2), z (K, B, z_dim)."""
        return self._step(tf.convert_to_tensor(real, tf.float32), tf.convert_to_tensor(z, tf.float32))

    def _train_steps(self, first_step, count):
        """`count` updates with data and noise drawn in the graph (stateless, keyed by step)."""
        seeds = len(self.seeds)
        for step in tf.range(first_step, first_step + count):
            key = tf.stack([tf.constant(20171022, tf.int64), tf.cast(step, tf.int64)])
            keys = tf.random.experimental.stateless_split(key, 3)
            index = tf.random.stateless_uniform([seeds, self.batch_size], keys[0], 0, N_MIXTURE, dtype=tf.int32)
            real = tf.gather(self._centers, index) + tf.random.stateless_normal([seeds, self.batch_size, 2], keys[1], stddev=STD)
            z = tf.random.stateless_normal([seeds, self.batch_size, self.z_dim], keys[2])
            self._train_step(real, z)

    def train(self, first_step: int, count: int) -> None:
        """Runs `count` updates (steps first_step .. first_step + count - 1) in one graph call."""
        self._run(tf.constant(first_step, tf.int64), tf.constant(count, tf.int64))

    def evaluate(self, num_samples: int = 2500, seed: int = 0) -> List[Dict[str, float]]:
        """Mode statistics of num_samples fresh samples for every seed."""
        z = draw_z(np.random.default_rng(seed), (len(self.seeds), num_samples, self.z_dim))
        points = self.generate(z).numpy()
        return [mode_statistics(p, mixture_centers(N_MIXTURE, RADIUS), STD) for p in points]

    def samples(self, num_samples: int = 2500, seed: int = 0) -> np.ndarray:
        """(K, num_samples, 2) generated points."""
        z = draw_z(np.random.default_rng(seed), (len(self.seeds), num_samples, self.z_dim))
        return self.generate(z).numpy()


def sample_real(rng: np.random.Generator, seeds: int, batch_size: int) -> np.ndarray:
    """(seeds, batch, 2) mixture samples: a uniformly chosen ls.py centre plus N(0, std^2)."""
    centers = mixture_centers(N_MIXTURE, RADIUS)
    index = rng.integers(0, N_MIXTURE, size=(seeds, batch_size))
    return (centers[index] + rng.normal(0.0, STD, size=(seeds, batch_size, 2))).astype(np.float32)
