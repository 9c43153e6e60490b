"""FastConv2DTranspose / FastConv2D equal Keras' layers: outputs, gradients (first and second
order), serialisation; every `transposed_conv` method equals tf.nn.conv2d_transpose."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf.kernels import conv as fast_conv
from lsgan_tf.kernels.conv import FastConv2D, FastConv2DTranspose, fastest_method, transposed_conv
from lsgan_tf.penalties import dragan_penalty

# (input size, C_in, C_out, kernel, stride, output_padding): every shape the papers' generators
# use (Table 5's 4 -> 7, 3x3 and 5x5 doubling, Table 1's stride 1) and odd cases (even kernel,
# kernel smaller than the stride, odd input, an even kernel at stride 1).
CASES = [(4, 8, 5, 3, 2, 0), (7, 6, 4, 3, 2, None), (4, 8, 5, 5, 2, None), (7, 3, 4, 3, 1, None),
         (5, 3, 2, 5, 2, None), (4, 3, 2, 4, 2, None), (4, 3, 2, 1, 2, None), (3, 2, 3, 2, 3, None),
         (5, 3, 2, 2, 1, None)]
# (input size, C_in, C_out, kernel, stride) of D's convs: 5x5 stride 2 on even and odd sizes, etc.
CONV_CASES = [(8, 3, 4, 5, 2), (7, 4, 6, 5, 2), (6, 2, 3, 3, 1), (9, 3, 2, 3, 3), (8, 2, 3, 4, 2)]


def _random(shape, seed):
    return tf.constant(np.random.default_rng(seed).standard_normal(shape), tf.float32)


@pytest.mark.parametrize("method", ["phases", "native"])
@pytest.mark.parametrize("size,c_in,c_out,kernel,stride,output_padding", CASES)
def test_every_method_equals_conv2d_transpose(method, size, c_in, c_out, kernel, stride, output_padding):
    x, weights = _random((2, size, size, c_in), size), _random((kernel, kernel, c_out, c_in), kernel)
    output_size = keras.layers.Conv2DTranspose(c_out, kernel, stride, "same", output_padding=output_padding) \
        .compute_output_shape(x.shape)[1:3]
    expected = tf.nn.conv2d_transpose(x, weights, (2, *output_size, c_out), stride, "SAME")
    got = transposed_conv(x, weights, (stride, stride), output_size, method=method)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)
    if stride == 1 and kernel % 2:
        flipped = transposed_conv(x, weights, (1, 1), output_size, method="flipped_conv")
        np.testing.assert_allclose(flipped.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)


def test_method_choice_is_measured_once_per_machine_and_kept(tmp_path, monkeypatch):
    """The fastest applicable method wins, is stored in the cache file, and is read back
    (not measured again) by later calls; a stored choice is never replaced."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    timed = []
    speeds = {"phases": 2.0, "native": 3.0, "flipped_conv": 1.0}
    monkeypatch.setattr(fast_conv, "_median_seconds",
                        lambda methods, *shape: timed.extend(methods) or {m: speeds[m] for m in methods})
    stride_two = ((64, 4, 4, 512), (5, 5, 256, 512), (2, 2), (8, 8))
    stride_one = ((64, 7, 7, 256), (3, 3, 128, 256), (1, 1), (7, 7))
    assert fastest_method(*stride_two) == "phases" and sorted(timed) == ["native", "phases"]
    assert fastest_method(*stride_one) == "flipped_conv" and len(timed) == 5  # flipped conv applies here
    speeds.update(phases=9.0)
    assert fastest_method(*stride_two) == "phases" and len(timed) == 5  # read back, not measured
    path = tmp_path / "lsgan_tf" / fast_conv.METHODS_FILE
    stored = json.loads(path.read_text())
    assert sorted(stored.values()) == ["flipped_conv", "phases"] and all(tf.__version__ in key for key in stored)
    path.write_text("{not json")
    assert fastest_method(*stride_two) == "native" and len(timed) == 7  # unreadable: measured again


def test_measured_choice_is_a_real_timing(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert fastest_method((1, 4, 4, 8), (3, 3, 4, 8), (2, 2), (8, 8)) in ("phases", "native")
    assert len(json.loads((tmp_path / "lsgan_tf" / fast_conv.METHODS_FILE).read_text())) == 1


def test_unknown_methods_are_refused():
    with pytest.raises(ValueError, match="flipped_conv needs stride 1"):
        transposed_conv(tf.zeros((1, 4, 4, 2)), tf.zeros((3, 3, 2, 2)), (2, 2), (8, 8), method="flipped_conv")
    with pytest.raises(ValueError, match="expected one of"):
        transposed_conv(tf.zeros((1, 4, 4, 2)), tf.zeros((3, 3, 2, 2)), (2, 2), (8, 8), method="im2col")


def _assert_same_outputs_and_gradients(reference, layer, x, seed):
    reference.build(x.shape)
    layer.build(x.shape)
    layer.set_weights(reference.get_weights())
    upstream = tf.random.stateless_normal(reference.compute_output_shape(x.shape), seed=(1, seed))

    def forward_and_gradients(network):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = network(x)
            loss = tf.reduce_sum(y * upstream)
        return [y] + tape.gradient(loss, [x] + network.trainable_variables)

    expected, got = forward_and_gradients(reference), forward_and_gradients(layer)
    assert got[0].shape == expected[0].shape
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("size,c_in,c_out,kernel,stride,output_padding", CASES)
def test_transposed_layer_matches_keras_conv2d_transpose(size, c_in, c_out, kernel, stride, output_padding):
    options = dict(filters=c_out, kernel_size=kernel, strides=stride, padding="same", output_padding=output_padding,
                   kernel_initializer="random_normal", bias_initializer="random_normal")
    _assert_same_outputs_and_gradients(keras.layers.Conv2DTranspose(**options), FastConv2DTranspose(**options),
                                       _random((3, size, size, c_in), size * kernel), kernel)


@pytest.mark.parametrize("size,c_in,c_out,kernel,stride", CONV_CASES)
def test_conv_layer_matches_keras_conv2d(size, c_in, c_out, kernel, stride):
    options = dict(filters=c_out, kernel_size=kernel, strides=stride, padding="same",
                   kernel_initializer="random_normal", bias_initializer="random_normal")
    _assert_same_outputs_and_gradients(keras.layers.Conv2D(**options), FastConv2D(**options),
                                       _random((3, size, size, c_in), size * kernel), kernel)


@pytest.mark.parametrize("c_in", [3, 64])  # 64 channels: the input gradient takes the "phases" path
def test_conv_layer_second_derivatives_match_keras(c_in):
    """The gradient penalties differentiate D's input gradient with respect to D's weights."""
    def critic(conv_class):
        keras.utils.set_random_seed(3)
        inputs = keras.Input((8, 8, c_in))
        hidden = conv_class(4, 5, strides=2, padding="same", kernel_initializer="random_normal")(inputs)
        hidden = keras.layers.LeakyReLU(negative_slope=0.2)(hidden)
        hidden = conv_class(6, 3, strides=2, padding="same", kernel_initializer="random_normal")(hidden)
        return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(hidden)))

    reference, fast = critic(keras.layers.Conv2D), critic(FastConv2D)
    fast.set_weights(reference.get_weights())
    real = _random((4, 8, 8, c_in), c_in)

    def penalty_gradients(network):
        with tf.GradientTape() as tape:
            penalty = dragan_penalty(network, real, seed=7)
        return tape.gradient(penalty, network.trainable_variables)

    got, expected = penalty_gradients(fast), penalty_gradients(reference)
    # The penalty does not depend on the last biases: None in both.
    assert [g is None for g in got] == [g is None for g in expected] and got[0] is not None
    for a, b in zip(got, expected):
        if b is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("layer_class", [FastConv2DTranspose, FastConv2D])
def test_serialises_and_rejects_what_it_does_not_implement(layer_class):
    layer = layer_class(4, 3, strides=2, padding="same")
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(clone) is layer_class and clone.strides == (2, 2)
    with pytest.raises(ValueError, match="padding='same'"):
        layer_class(4, 3, strides=2, padding="valid")
