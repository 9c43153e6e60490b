"""lsgan_tf's BatchNorm (fused training kernel, per-group statistics) against Keras'
BatchNormalization: outputs, gradients, second derivatives and moving averages."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf.kernels.batch_norm import BatchNorm

SHAPES = [(8, 4, 4, 6), (6, 5)]


def twin_layers(shape):
    """A BatchNorm and a Keras BatchNormalization with the same (non-trivial) weights."""
    ours, keras_bn = BatchNorm(momentum=0.9, epsilon=1e-5), keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
    rng = np.random.default_rng(0)
    for layer in (ours, keras_bn):
        layer.build(shape)
    weights = [rng.normal(1, 0.3, shape[-1]), rng.normal(0, 0.3, shape[-1]), rng.normal(0, 0.5, shape[-1]),
               rng.uniform(0.5, 2, shape[-1])]
    for layer in (ours, keras_bn):
        layer.set_weights([w.astype(np.float32) for w in weights])
    return ours, keras_bn


def outputs_and_gradients(layer, x, upstream, calls):
    """Outputs, d/dx and d/dweights of sum(upstream * y) over `calls` (a list of batch slices)."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.concat([layer(x[s], training=True) for s in calls], axis=0)
        loss = tf.reduce_sum(upstream * y)
    return [y] + tape.gradient(loss, [x] + layer.trainable_variables)


@pytest.mark.parametrize("shape", SHAPES)
def test_training_pass_matches_keras(shape):
    ours, keras_bn = twin_layers(shape)
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(2, 3, shape).astype(np.float32))
    upstream = tf.constant(rng.normal(0, 1, shape).astype(np.float32))
    for a, b in zip(outputs_and_gradients(ours, x, upstream, [slice(None)]),
                    outputs_and_gradients(keras_bn, x, upstream, [slice(None)])):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-5)
    for a, b in zip(ours.non_trainable_weights, keras_bn.non_trainable_weights):  # moving mean, biased variance
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours(x, training=False).numpy(), keras_bn(x, training=False).numpy(), rtol=1e-6, atol=1e-6)


def test_second_derivatives_match_keras():
    """The gradient penalties differentiate D's input gradient: d/dgamma of |dy/dx|^2."""
    shape = (8, 3, 3, 4)
    ours, keras_bn = twin_layers(shape)
    x = tf.constant(np.random.default_rng(3).normal(0, 1, shape).astype(np.float32))
    results = []
    for layer in (ours, keras_bn):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(tf.sin(layer(x, training=True)))
            penalty = tf.reduce_sum(tf.square(inner.gradient(y, x)))
        results.append(outer.gradient(penalty, layer.trainable_variables))
    for a, b in zip(*results):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)
