"""Batch normalisation as the papers' networks train it: Keras' BatchNormalization with a faster
training pass (one of the fast kernels: lsgan_tf/kernels/__init__.py).

- **Fused kernel.** In training, a 4-D float32 batch is normalised by TensorFlow's
  `FusedBatchNormV3` (one pass forward, one backward) instead of Keras' dozen element-wise
  ops. The math is Keras': the batch mean and biased variance normalise the batch (Ioffe &
  Szegedy, Algorithm 1), and the moving averages are updated with the biased variance (the
  kernel reports the unbiased one, n / (n - 1) times larger; it is scaled back).

Other dtypes (float64) and dense (2-D) features are normalised with Keras' element-wise ops
(the kernel measured slower than them on dense features). Inference, synchronized
(cross-replica) statistics, masks and renorm take Keras' own path, so exported graphs are Keras'
(tests/kernels/test_batch_norm.py compares the two); so does everything when this Keras lacks
`_reduction_axes` (kernels.fast_path_available).
"""

from __future__ import annotations

from typing import Tuple

import keras
import tensorflow as tf
from keras import layers, ops

from lsgan_tf.kernels.internals import fast_path_available


@keras.saving.register_keras_serializable(package="lsgan_tf")
class BatchNorm(layers.BatchNormalization):
    """Keras' BatchNormalization, trained with the fused kernel (module doc)."""

    def _own_path_applies(self, inputs, training, mask) -> bool:
        """Training on the channels (last) axis, without a mask, renorm or cross-replica statistics."""
        return (bool(training) and self.trainable and mask is None and not self.synchronized and not self.renorm
                and fast_path_available() and self._reduction_axes == list(range(len(inputs.shape) - 1))
                and keras.backend.backend() == "tensorflow")

    def _normalize(self, x) -> Tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """(normalised x, batch mean, biased batch variance) of the batch."""
        channels = x.shape[-1]
        gamma = ops.cast(self.gamma, x.dtype) if self.scale else ops.ones((channels,), x.dtype)
        beta = ops.cast(self.beta, x.dtype) if self.center else ops.zeros((channels,), x.dtype)
        if len(x.shape) != 4 or x.dtype != "float32":  # float64, or dense features (the kernel was slower there)
            mean, variance = ops.moments(x, axes=list(range(len(x.shape) - 1)))
            y = ops.batch_normalization(x, mean, variance, axis=-1, offset=beta, scale=gamma, epsilon=self.epsilon)
            return y, mean, variance
        y, mean, unbiased, *_ = tf.raw_ops.FusedBatchNormV3(
            x=x, scale=gamma, offset=beta, mean=tf.zeros((0,)), variance=tf.zeros((0,)), epsilon=self.epsilon,
            is_training=True,
        )
        count = tf.cast(tf.reduce_prod(tf.shape(x)[:-1]), x.dtype)
        return y, mean, unbiased * ((count - 1.0) / count)

    def call(self, inputs, training=None, mask=None):
        if not self._own_path_applies(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        inputs = ops.cast(inputs, keras.backend.result_type(inputs.dtype, "float32"))  # as Keras: BN in >= float32
        outputs, mean, variance = self._normalize(inputs)
        for average, value in ((self.moving_mean, mean), (self.moving_variance, variance)):
            average.assign(ops.cast(average, value.dtype) * self.momentum + value * (1.0 - self.momentum))
        return ops.cast(outputs, self.compute_dtype)
