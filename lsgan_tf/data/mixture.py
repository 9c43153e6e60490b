"""The 2-D Gaussian mixture of TPAMI Table 4 (the authors' ls.py), as an infinite tf.data sampler."""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import tensorflow as tf

from lsgan_tf.data.pipeline import without_autotune

N_MIXTURE = 9
RADIUS = 1.0
STD = 0.01


def mixture_centers(n_mixture: int = N_MIXTURE, radius: float = RADIUS) -> np.ndarray:
    """Centres at theta = linspace(0, 2 pi, n_mixture), endpoints included, as in ls.py.

    With the default 9 the first and last centres coincide: 8 distinct modes, one of them
    drawn twice as often.
    """
    theta = np.linspace(0.0, 2.0 * math.pi, n_mixture)
    return np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1).astype(np.float32)


def mixture_dataset(
    batch_size: int,
    n_mixture: int = N_MIXTURE,
    radius: float = RADIUS,
    std: float = STD,
    seed: Optional[int] = None,
) -> tf.data.Dataset:
    """Infinite batches (batch_size, 2): a uniformly chosen centre plus N(0, std^2) noise.

    Batch k is drawn with the stateless seed (seed, k), so a seeded stream is reproducible;
    seed=None picks a random seed.
    """
    centers = tf.constant(mixture_centers(n_mixture, radius))
    base_seed = int(np.random.randint(2**31)) if seed is None else int(seed)

    def sample(step):
        key = tf.stack([tf.constant(base_seed, tf.int64), step])
        index_seed, noise_seed = tf.unstack(tf.random.experimental.stateless_split(key, 2))
        index = tf.random.stateless_uniform([batch_size], index_seed, 0, n_mixture, dtype=tf.int32)
        noise = tf.random.stateless_normal([batch_size, 2], noise_seed, stddev=std)
        return tf.gather(centers, index) + noise

    dataset = tf.data.Dataset.counter().map(sample, num_parallel_calls=tf.data.AUTOTUNE)
    return without_autotune(dataset.prefetch(tf.data.AUTOTUNE))
