"""Gradient penalties: DRAGAN-style (LSGAN-GP, TPAMI 4.3.2) and WGAN-GP (Gulrajani et al.).

Both are functions of a discriminator callable (`x -> scores`) so that a conditional
discriminator can be passed as `lambda x: d([x, labels])`. The input gradient needs a
`tf.GradientTape` (Keras 3 has no backend-neutral input gradient); the rest is `keras.ops`.
"""

from __future__ import annotations

from typing import Callable, Union

import keras
import tensorflow as tf
from keras import ops

from lsgan_tf.utils.replica_random import replica_share_of_global_draw

Seed = Union[int, keras.random.SeedGenerator, None]

# Added inside the square root so that a zero gradient (a constant D) has a finite norm
# and a finite derivative: d sqrt(s + eps) / ds = 1 / (2 sqrt(eps)) at s = 0.
GRADIENT_NORM_EPSILON = 1e-10


def _seeds(seed: Seed):
    """Two seeds for two independent draws: a SeedGenerator advances; an int gives (s, s + 1)."""
    if isinstance(seed, int):
        return seed, seed + 1
    return seed, seed


def _uniform(shape, dtype, seed: Seed):
    """U[0, 1) of `shape`; under tf.distribute, this replica's rows of the global batch's draw."""
    return replica_share_of_global_draw(lambda full: keras.random.uniform(full, dtype=dtype, seed=seed), shape)


def _per_sample_uniform(x, seed: Seed):
    """One U[0, 1) draw per sample, shaped to broadcast over x's non-batch axes."""
    return _uniform((ops.shape(x)[0],) + (1,) * (len(x.shape) - 1), x.dtype, seed)


def gradient_norm_penalty(discriminator: Callable, points):
    """E[(||grad_x D(x)||_2 - 1)^2] over a batch of points, NaN-free at zero gradient."""
    points = ops.convert_to_tensor(points, keras.config.floatx())
    with tf.GradientTape() as tape:
        tape.watch(points)
        scores = discriminator(points)
    gradients = tape.gradient(scores, points)
    reduce_axes = list(range(1, len(points.shape)))
    norms = ops.sqrt(ops.sum(ops.square(gradients), axis=reduce_axes) + GRADIENT_NORM_EPSILON)
    return ops.mean(ops.square(norms - 1.0))


def dragan_points(real, c: float = 30.0, seed: Seed = None):
    """x_hat = real + alpha * (perturbed - real), perturbed = real + c * U[0, 1), alpha ~ U(0, 1)
    per sample: the points where the LSGAN-GP penalty is evaluated (the authors' code)."""
    real = ops.convert_to_tensor(real, keras.config.floatx())
    noise_seed, alpha_seed = _seeds(seed)
    perturbed = real + c * _uniform(ops.shape(real), real.dtype, noise_seed)
    return real + _per_sample_uniform(real, alpha_seed) * (perturbed - real)


def wgan_gp_points(real, fake, seed: Seed = None):
    """x_hat = real + alpha * (fake - real), alpha ~ U(0, 1) per sample (uniform, not normal)."""
    real = ops.convert_to_tensor(real, keras.config.floatx())
    fake = ops.convert_to_tensor(fake, keras.config.floatx())
    return real + _per_sample_uniform(real, seed) * (fake - real)


def dragan_penalty(discriminator: Callable, real, c: float = 30.0, seed: Seed = None):
    """The LSGAN-GP penalty (TPAMI 4.3.2, after Kodali et al.), as the authors' code computes it.

    E[(||grad D(x_hat)||_2 - 1)^2] at `dragan_points(real, c)`, with fresh noise on every call
    when `seed` is a SeedGenerator. Multiply by the weight (lambda = 150 in the paper) and add
    it to the D loss.
    """
    return gradient_norm_penalty(discriminator, dragan_points(real, c, seed))


def wgan_gp_penalty(discriminator: Callable, real, fake, seed: Seed = None):
    """The WGAN-GP penalty: E[(||grad D(x_hat)||_2 - 1)^2] at `wgan_gp_points(real, fake)`.

    Multiply by 10 in the standard setup.
    """
    return gradient_norm_penalty(discriminator, wgan_gp_points(real, fake, seed))
