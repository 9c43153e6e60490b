"""Adam as one TensorFlow kernel per variable.

Keras 3's Adam updates each variable with about ten element-wise ops (two moment updates, a
square root, a division, three assignments), each a pass over the variable's memory.
TensorFlow's `ResourceApplyAdam` kernel computes the same update in one pass:

  alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
  m += (g - m) * (1 - beta_1);  v += (g^2 - v) * (1 - beta_2)
  w -= m * alpha / (sqrt(v) + epsilon)

which is Keras' formula term for term (Kingma & Ba, Algorithm 1 with the "epsilon hat" of
its Section 2), so the weights agree to float rounding (tests/kernels/test_adam.py). The
moment slots are Keras' own, so checkpoints are unchanged. Cases the kernel does not cover
(AMSGrad, sparse gradients, other dtypes, other backends, a Keras without the internals read
here: kernels.fast_path_available) take Keras' own update.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from lsgan_tf.kernels.internals import fast_path_available


def _resource(variable) -> tf.Variable:
    """The tf.Variable behind a Keras variable (inside an optimizer update: this device's copy)."""
    return variable.value if isinstance(variable, keras.Variable) else variable


@keras.saving.register_keras_serializable(package="lsgan_tf")
class FusedAdam(keras.optimizers.Adam):
    """Keras' Adam, each variable's update computed by TensorFlow's one-pass Adam kernel."""

    def update_step(self, gradient, variable, learning_rate):
        """One Adam update of `variable` (Kingma & Ba, Algorithm 1) in one kernel."""
        dtype = variable.dtype
        if (self.amsgrad or isinstance(gradient, tf.IndexedSlices) or dtype != "float32"
                or keras.backend.backend() != "tensorflow" or not fast_path_available()):
            return super().update_step(gradient, variable, learning_rate)
        local_step = tf.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=_resource(variable).handle,
            m=_resource(self._momentums[index]).handle,
            v=_resource(self._velocities[index]).handle,
            beta1_power=tf.pow(tf.cast(self.beta_1, dtype), local_step),
            beta2_power=tf.pow(tf.cast(self.beta_2, dtype), local_step),
            lr=tf.cast(learning_rate, dtype),
            beta1=tf.cast(self.beta_1, dtype),
            beta2=tf.cast(self.beta_2, dtype),
            epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype),
        )
