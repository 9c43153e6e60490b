"""The one pipeline shape every reader ends in: shuffle, repeat, batch, scale, prefetch."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import tensorflow as tf

from lsgan_tf.utils.pixels import PixelRange, from_uint8


def scale_pixels(images, pixel_range: PixelRange = (-1.0, 1.0)):
    """uint8 [0, 255] -> float32 [lo, hi] (the generator's output range)."""
    return from_uint8(tf.cast(images, tf.float32), pixel_range)


def without_autotune(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """The dataset with tf.data's autotuning off (AUTOTUNE parallelism then means one call per
    core, AUTOTUNE prefetch a fixed buffer).

    Measured on the 2-core development machine (docs/PERFORMANCE.md): with autotuning on, a
    `fit` process lands, at random and for its whole life, in a mode where training keeps only
    one core busy (digits Table 5: 94 instead of 180 img/s in 4 of 6 runs; a hand-written loop
    over the same train_step never does). With it off, 16 of 16 runs used both cores. Every
    reader still delivers tens of times what training consumes (bench/pipeline.py).
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def finalize(
    dataset: tf.data.Dataset,
    batch_size: int,
    *,
    shuffle_buffer: int,
    seed: Optional[int] = None,
    repeat: bool = True,
    input_context: Optional[tf.distribute.InputContext] = None,
    pixel_range: Optional[PixelRange] = None,
) -> tf.data.Dataset:
    """Shards for `input_context`, then shuffle, [repeat], batch (drop remainder), [scale],
    prefetch, with autotuning off (`without_autotune`).

    With `pixel_range`, elements are uint8 images (or (image, label) pairs) and each batch is
    scaled to that range after batching: the shuffle buffer holds 1 byte a pixel instead of 4
    (a full 20,000-element buffer of 112x112x3 images: 0.75 GB instead of 3 GB), and the
    scaling is one op per batch instead of one tf.data call per image. Same values and order
    as scaling each element before the shuffle.

    `batch_size` is the global batch. With an input context (from
    `strategy.distribute_datasets_from_function`) each worker reads its own shard and
    batches at the per-replica size, as that API expects. A seed makes the order deterministic
    (and the whole pipeline, since elements are produced in order).
    """
    if input_context is not None:
        if input_context.num_input_pipelines > 1:
            dataset = dataset.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
        batch_size = input_context.get_per_replica_batch_size(batch_size)
    if shuffle_buffer > 1:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    dataset = dataset.batch(batch_size, drop_remainder=True)
    if pixel_range is not None:
        dataset = dataset.map(lambda images, *labels: (scale_pixels(images, pixel_range), *labels)
                              if labels else scale_pixels(images, pixel_range))
    return without_autotune(dataset.prefetch(tf.data.AUTOTUNE))


def from_arrays(
    images: np.ndarray,
    labels: Optional[Sequence[int]] = None,
    *,
    batch_size: int,
    pixel_range: PixelRange = (-1.0, 1.0),
    seed: Optional[int] = None,
    repeat: bool = True,
    input_context: Optional[tf.distribute.InputContext] = None,
) -> tf.data.Dataset:
    """An in-memory uint8 image array (N, H, W[, C]) as batches, fully shuffled every epoch.

    The pixels are scaled once, as one array (4 bytes a pixel in memory: 31 MB for the 10,000
    rendered digits), not per element while training: a per-element map kept two tf.data
    threads waking for every image, and on 2 cores that cost the digits iteration about 30%
    (docs/PERFORMANCE.md, issue #17). Same values and order as scaling each element.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    scaled = scale_pixels(tf.constant(images), pixel_range)
    elements = scaled if labels is None else (scaled, tf.constant(np.asarray(labels, dtype=np.int32)))
    return finalize(
        tf.data.Dataset.from_tensor_slices(elements), batch_size, shuffle_buffer=len(images), seed=seed,
        repeat=repeat, input_context=input_context,
    )
