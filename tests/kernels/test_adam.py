"""FusedAdam (one ResourceApplyAdam kernel per variable) against Adam written out in numpy
(Kingma & Ba, Algorithm 1) and against Keras' own Adam."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf.kernels.adam import FusedAdam

LR, BETA_1, BETA_2, EPSILON = 2e-4, 0.5, 0.999, 1e-8


def numpy_adam(weights, gradients):
    """Algorithm 1 of Kingma & Ba with the bias correction folded into the step size."""
    weights, m, v = weights.astype(np.float64), np.zeros_like(weights, np.float64), np.zeros_like(weights, np.float64)
    for t, g in enumerate(gradients, start=1):
        m = BETA_1 * m + (1 - BETA_1) * g
        v = BETA_2 * v + (1 - BETA_2) * g * g
        alpha = LR * np.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
        weights = weights - alpha * m / (np.sqrt(v) + EPSILON)
    return weights


def run(optimizer, weights, gradients):
    variable = keras.Variable(weights)
    optimizer.build([variable])
    apply = tf.function(lambda g: optimizer.apply([g], [variable]))
    for g in gradients:
        apply(tf.constant(g))
    return variable.numpy(), optimizer


def test_fused_adam_matches_algorithm_1_and_keras_adam():
    rng = np.random.default_rng(0)
    weights = rng.normal(0, 0.02, (64, 33)).astype(np.float32)
    gradients = [rng.normal(0, 1e-2, weights.shape).astype(np.float32) for _ in range(6)]
    fused, optimizer = run(FusedAdam(LR, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON), weights, gradients)
    keras_adam, _ = run(keras.optimizers.Adam(LR, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON), weights, gradients)
    reference = numpy_adam(weights, gradients)
    assert np.abs(fused - weights).max() > 5e-4  # six steps of about lr each
    np.testing.assert_allclose(fused, reference, rtol=0, atol=1e-7)
    np.testing.assert_allclose(fused, keras_adam, rtol=0, atol=1e-7)
    assert int(optimizer.iterations.numpy()) == 6
    m = optimizer._momentums[0].numpy()  # the moment slots are Keras' own (checkpoints unchanged)
    expected_m = sum((1 - BETA_1) * BETA_1 ** (5 - i) * g for i, g in enumerate(gradients))
    np.testing.assert_allclose(m, expected_m, rtol=1e-5, atol=1e-9)


def test_fused_adam_takes_keras_update_where_the_kernel_does_not_apply():
    rng = np.random.default_rng(1)
    weights = rng.normal(0, 0.02, (10, 4)).astype(np.float32)
    gradients = [rng.normal(0, 1e-2, weights.shape).astype(np.float32) for _ in range(3)]
    fused, _ = run(FusedAdam(LR, beta_1=BETA_1, amsgrad=True), weights, gradients)
    keras_adam, _ = run(keras.optimizers.Adam(LR, beta_1=BETA_1, amsgrad=True), weights, gradients)
    np.testing.assert_array_equal(fused, keras_adam)


@pytest.mark.parametrize("name", ["adam", "rmsprop"])
def test_make_optimizer_uses_fused_adam(name):
    from lsgan_tf.presets import PRESETS
    from lsgan_tf.training.build import make_optimizer

    optimizer = make_optimizer(name, 1e-3, PRESETS["digits"])
    assert isinstance(optimizer, FusedAdam) == (name == "adam")
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(restored) is type(optimizer) and restored.get_config() == optimizer.get_config()
