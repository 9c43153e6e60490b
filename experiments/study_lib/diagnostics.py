"""Measurements of what D tells G about the fake batch as a whole (docs/RESULTS.md, the
digits plateau).

A batch norm whose statistics come from the fake batch alone (D's FC(500) BN in TPAMI Table
5) subtracts the batch mean of every unit, so its backward pass gives gradients that sum to
zero over the batch: dx_i = gamma / sigma * (dy_i - mean(dy) - y_i * mean(dy * y)). When all
fakes are alike, D's input Jacobian is the same for every sample and the summed input
gradient -- the gradient with respect to a change shared by the whole batch, such as a darker
background -- vanishes with it. `shared_change_gradients` measures that quantity.
"""

from __future__ import annotations

import contextlib
from typing import Dict, Iterator, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

from lsgan_tf.gan import global_step


def _restoring_non_trainable(model):
    """The values of every non-trainable variable (BN moving statistics), to put back after a
    training-mode measurement so that it leaves no trace on the run."""
    variables = model.generator.non_trainable_variables + model.discriminator.non_trainable_variables
    return variables, [v.numpy() for v in variables]


@contextlib.contextmanager
def frozen_batch_norms(network, names: Sequence[str]) -> Iterator[None]:
    """Within the block the named BN layers of `network` normalise with their moving statistics
    even in training mode (Keras runs a non-trainable BN in inference mode)."""
    layers = [network.get_layer(name) for name in names]
    for layer in layers:
        layer.trainable = False
    try:
        yield
    finally:
        for layer in layers:
            layer.trainable = True


def shared_change_gradients(model, z, real: Optional[np.ndarray] = None, labels=None,
                            frozen: Sequence[str] = ()) -> Dict[str, float]:
    """G's loss gradient with respect to each fake image (D and G in training mode, as in the G
    update), summarised per batch:

    - shared_gradient_norm: ||sum_i g_i||, the gradient for a change added to every fake;
    - per_sample_gradient_norm: the mean of ||g_i||;
    - alignment: shared / (batch * per-sample): 1 when all g_i agree, about 1/sqrt(batch) when
      they point anywhere, 0 when they cancel;
    - brightness_gradient: dL_G/dc for c added to every pixel of every fake (negative: brighter
      fakes lower G's loss);
    - fake_mean, fake_pixel_std: G's mean pixel value and its per-pixel standard deviation over
      the batch (averaged over pixels); real_mean, real_pixel_std the same for `real`.

    `frozen` names BN layers of D that use their moving statistics instead of the fake batch's
    (the same weights without batch statistics there). BN moving statistics are restored
    afterwards, so a measurement does not change the run.
    """
    variables, values = _restoring_non_trainable(model)
    try:
        fake = tf.convert_to_tensor(model.generate(z, labels, training=True))
        with tf.GradientTape() as tape, frozen_batch_norms(model.discriminator, frozen):
            tape.watch(fake)
            loss = model.generator_objective(model.discriminate(fake, labels, training=True))
        gradients = tape.gradient(loss, fake).numpy().reshape(len(fake), -1)
    finally:
        for variable, value in zip(variables, values):
            variable.assign(value)
    shared = float(np.linalg.norm(gradients.sum(axis=0)))
    per_sample = float(np.linalg.norm(gradients, axis=1).mean())
    images = fake.numpy().reshape(len(fake), -1)
    record = {
        "shared_gradient_norm": shared,
        "per_sample_gradient_norm": per_sample,
        "alignment": shared / max(len(gradients) * per_sample, 1e-30),
        "brightness_gradient": float(gradients.sum()),
        "fake_mean": float(images.mean()),
        "fake_pixel_std": float(images.std(axis=0).mean()),
    }
    if real is not None:
        real = np.asarray(real).reshape(len(real), -1)
        record.update(real_mean=float(real.mean()), real_pixel_std=float(real.std(axis=0).mean()))
    return record


class SharedGradientRecorder(keras.callbacks.Callback):
    """Calls `shared_change_gradients` every `every` steps on a fixed z and real batch and
    hands each record (with its step) to `sink`."""

    def __init__(self, every: int, z: np.ndarray, real: np.ndarray, sink):
        super().__init__()
        self.every, self.z, self.real, self.sink = every, z, real, sink

    def on_train_batch_end(self, batch, logs=None):
        step = global_step(self.model)
        if step % self.every == 0:
            self.sink({"step": step, **shared_change_gradients(self.model, self.z, self.real)})
