"""MatmulConv2DTranspose equals Keras' Conv2DTranspose: outputs, gradients, serialisation."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf.architectures.transposed_conv import MatmulConv2DTranspose

# (input size, C_in, C_out, kernel, stride, output_padding): every shape the papers' generators
# use (Table 5's 4 -> 7, 3x3 and 5x5 doubling, Table 1's stride 1) and odd cases (even kernel,
# kernel smaller than the stride, odd input, an even kernel at stride 1).
CASES = [(4, 8, 5, 3, 2, 0), (7, 6, 4, 3, 2, None), (4, 8, 5, 5, 2, None), (7, 3, 4, 3, 1, None),
         (5, 3, 2, 5, 2, None), (4, 3, 2, 4, 2, None), (4, 3, 2, 1, 2, None), (3, 2, 3, 2, 3, None),
         (5, 3, 2, 2, 1, None)]


@pytest.mark.parametrize("size,c_in,c_out,kernel,stride,output_padding", CASES)
def test_matches_keras_conv2d_transpose(size, c_in, c_out, kernel, stride, output_padding):
    options = dict(filters=c_out, kernel_size=kernel, strides=stride, padding="same", output_padding=output_padding,
                   kernel_initializer="random_normal", bias_initializer="random_normal")
    reference, layer = keras.layers.Conv2DTranspose(**options), MatmulConv2DTranspose(**options)
    x = tf.constant(np.random.default_rng(size * kernel).standard_normal((3, size, size, c_in)), tf.float32)
    reference.build(x.shape)
    layer.build(x.shape)
    layer.set_weights(reference.get_weights())
    upstream = tf.random.stateless_normal(reference.compute_output_shape(x.shape), seed=(1, kernel))

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


def test_serialises_and_rejects_what_it_does_not_implement():
    layer = MatmulConv2DTranspose(4, 3, strides=2, padding="same", output_padding=0)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(clone) is MatmulConv2DTranspose and clone.output_padding == (0, 0)
    with pytest.raises(ValueError, match="padding='same'"):
        MatmulConv2DTranspose(4, 3, strides=2, padding="valid")
