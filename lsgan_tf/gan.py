"""GAN training as Keras 3 models: `GAN` (unconditional) and `ConditionalGAN` (integer labels).

`train_step` runs `d_steps` discriminator updates, then one generator update, for the loss
family (`lsgan_tf.objectives`) given to `compile`: `lsgan` (least squares, Eq. 13 "-110" or
Eq. 14 "011" coding), `nsgan` (the regular GAN baseline), `lsgan_gp` (LSGAN plus the
DRAGAN-style penalty of TPAMI 4.3.2), `wgan_gp`, or any family registered there.

D is called separately on the real and on the fake batch, as in the authors' code, so batch
norm in D sees separate statistics. The G update reuses the noise of the last D update (the
authors' code feeds the same z to both updates of an iteration); with `d_steps > 1` every D
update draws fresh noise and all of them use the same real batch (the batch `fit` delivers).

The authors' iteration runs G's forward pass twice on that z, once for the D update and once
for the G update. G's weights do not change in between and training-mode BN uses the batch's
own statistics, so both passes give the same G(z): `train_step` runs it once, on G's tape, and
uses it for both updates (a G forward pass less per iteration, with identical gradients). The
only other effect of the second pass is a second update of G's BN moving averages with the
same batch statistics; m * (m * avg + (1 - m) * x) + (1 - m) * x = m^2 * avg + (1 - m^2) * x,
so the single pass updates them with momentum m^2 and they match the authors' values too.

Under `tf.distribute` every replica's loss is scaled so that the sum of the replicas'
gradients (what the optimizer applies) is the gradient of the loss over the global batch:
mean-reduced terms are divided by the number of replicas, sum-reduced terms are not.
"""

from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterator, Optional, Tuple, Union

import keras
import tensorflow as tf
from keras import ops

from lsgan_tf import losses, objectives
from lsgan_tf.architectures.blocks import LabelProjection
from lsgan_tf.noise import NOISE_DISTRIBUTIONS
from lsgan_tf.utils.replica_random import replica_share_of_global_draw

METRIC_NAMES = ("d_loss", "g_loss", "d_real", "d_fake", "gp")


def global_step(model: "GAN") -> int:
    """The number of generator updates so far (works for distributed variables too)."""
    return int(tf.convert_to_tensor(model.g_optimizer.iterations.value).numpy())


def _batch_norm_layers(network: keras.Model) -> Iterator[keras.layers.BatchNormalization]:
    for layer in network.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            yield layer
        elif isinstance(layer, keras.Model):
            yield from _batch_norm_layers(layer)


@contextlib.contextmanager
def squared_batch_norm_momentum(network: keras.Model) -> Iterator[None]:
    """Within this block (at trace time), every BN layer of `network` updates its moving
    averages with momentum m^2: one call then does what two calls on the same batch do."""
    norms = list(_batch_norm_layers(network))
    momenta = [layer.momentum for layer in norms]
    for layer, momentum in zip(norms, momenta):
        layer.momentum = momentum**2
    try:
        yield
    finally:
        for layer, momentum in zip(norms, momenta):
            layer.momentum = momentum


@keras.saving.register_keras_serializable(package="lsgan_tf")
class GAN(keras.Model):
    """An unconditional GAN: `fit` on batches of images; `call(z)` returns G(z)."""

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        z_dim: Optional[int] = None,
        seed: Optional[int] = None,
        noise: str = "normal",
        **kwargs,
    ):
        """`noise`: z ~ N(0, I) ("normal", the papers' text) or U(-1, 1) ("uniform", the
        authors' digit code)."""
        super().__init__(**kwargs)
        if noise not in NOISE_DISTRIBUTIONS:
            raise ValueError(f"Unknown noise {noise!r}; expected one of {NOISE_DISTRIBUTIONS}.")
        self.generator = generator
        self.discriminator = discriminator
        self.z_dim = int(z_dim or generator.inputs[0].shape[-1])
        self.noise = noise
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.ema_generator: Optional[keras.Model] = None
        self.ema_decay = 0.0
        self.built = True

    def enable_ema(self, decay: float = 0.999) -> None:
        """Keeps an exponential moving average of G's weights (used for samples and export):
        after every G update, ema = decay * ema + (1 - decay) * weights; BN statistics are copied."""
        if not 0.0 < decay < 1.0:
            raise ValueError(f"EMA decay must be in (0, 1), got {decay}.")
        self.ema_decay = float(decay)
        self.ema_generator = keras.models.clone_model(self.generator)
        self.ema_generator.set_weights(self.generator.get_weights())

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator to sample and export with: the EMA copy when enabled."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def _update_ema(self) -> None:
        for average, weight in zip(self.ema_generator.trainable_weights, self.generator.trainable_weights):
            average.assign(self.ema_decay * average + (1.0 - self.ema_decay) * weight)
        for average, weight in zip(self.ema_generator.non_trainable_weights, self.generator.non_trainable_weights):
            average.assign(weight)

    # ----------------------------------------------------------------- configuration
    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer,
        g_optimizer: keras.optimizers.Optimizer,
        objective: Union[str, objectives.Objective] = "lsgan",
        coding: losses.Coding = "-110",
        reduction: str = "mean",
        gp_weight: Optional[float] = None,
        gp_c: float = 30.0,
        d_steps: Optional[int] = None,
        simultaneous_updates: bool = False,
        **kwargs,
    ) -> None:
        """Sets the two optimizers and the objective.

        Args:
          d_optimizer, g_optimizer: one optimizer per network.
          objective: a loss family of `lsgan_tf.objectives` (or its name).
          coding: LSGAN a-b-c coding, "-110", "011" or an (a, b, c) tuple (LSGAN families only).
          reduction: "mean" (the paper's expectation) or "sum" (the authors' half batch sum).
          gp_weight: penalty weight; None takes the family's paper weight for `reduction`.
          gp_c: the LSGAN-GP perturbation scale c.
          d_steps: discriminator updates per generator update; None takes the family's.
          simultaneous_updates: compute both updates from one forward pass and apply them
            together (the Gaussian-mixture script); requires d_steps == 1.
        """
        super().compile(**kwargs)
        objective = objectives.get(objective) if isinstance(objective, str) else objective
        d_steps = objective.critic_steps if d_steps is None else int(d_steps)
        if reduction not in losses.REDUCTIONS:
            raise ValueError(f"Unknown reduction {reduction!r}; expected one of {list(losses.REDUCTIONS)}.")
        if d_steps < 1:
            raise ValueError(f"d_steps must be >= 1, got {d_steps}.")
        if simultaneous_updates and d_steps != 1:
            raise ValueError("simultaneous_updates requires d_steps == 1.")
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.objective = objective
        self.coding = losses.resolve_coding(coding)
        self.reduction = reduction
        self.gp_weight = float(objective.default_penalty_weight(reduction) if gp_weight is None else gp_weight)
        self.gp_c = float(gp_c)
        self.d_steps = d_steps
        self.simultaneous_updates = bool(simultaneous_updates)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in METRIC_NAMES}
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        return list(getattr(self, "trackers", {}).values())

    def get_config(self) -> Dict[str, Any]:
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "z_dim": self.z_dim,
            "seed": self.seed,
            "noise": self.noise,
        }

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "GAN":
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)

    # --------------------------------------------------------- conditioning hooks
    def unpack_batch(self, data) -> Tuple[Any, Any]:
        """(images, labels) of a training batch; labels is None for an unconditional GAN."""
        if isinstance(data, (tuple, list)):
            data = data[0]
        return data, None

    def generate(self, z, labels=None, training: bool = False):
        """G(z) (G(z, y) for a conditional GAN)."""
        return self.generator(z, training=training)

    def discriminate(self, images, labels=None, training: bool = True):
        """D's raw scores for a batch (D(x, y) for a conditional GAN)."""
        return self.discriminator(images, training=training)

    # ------------------------------------------------------------------- sampling
    def call(self, inputs, training: bool = False):
        """Samples images from noise: G(z) (or G(z, y) given [z, labels])."""
        return self.generator(inputs, training=training)

    def sample_noise(self, batch_size):
        """z of shape (batch_size, z_dim) from the model's noise distribution and seed stream
        (under tf.distribute: this replica's rows of the global batch's z)."""
        if self.noise == "uniform":
            draw = lambda shape: keras.random.uniform(shape, -1.0, 1.0, seed=self.seed_generator)
        else:
            draw = lambda shape: keras.random.normal(shape, seed=self.seed_generator)
        return replica_share_of_global_draw(draw, (batch_size, self.z_dim))

    # ------------------------------------------------------------------ objective
    def discriminator_objective(self, real_scores, fake_scores):
        """D's adversarial loss (without a penalty) for the compiled loss family."""
        return self.objective.discriminator_loss(real_scores, fake_scores, self.coding, self.reduction)

    def generator_objective(self, fake_scores):
        """G's loss for the compiled loss family."""
        return self.objective.generator_loss(fake_scores, self.coding, self.reduction)

    def gradient_penalty(self, real, fake, labels):
        """The family's gradient penalty (unweighted), or 0 for families without one."""
        if self.objective.penalty is None:
            return ops.zeros((), dtype=keras.config.floatx())
        critic = lambda x: self._scores(x, labels)
        return self.objective.penalty(critic, real, fake, c=self.gp_c, seed=self.seed_generator)

    def _scores(self, images, labels):
        """D's scores in floatx (float32) whatever the networks compute in: the losses, the
        penalty's gradient norms and the reported values are float32 under mixed precision too."""
        return ops.cast(self.discriminate(images, labels, training=True), keras.config.floatx())

    def _replica_scales(self) -> Tuple[float, float]:
        """(scale of the adversarial terms, scale of mean terms) for this replica's gradients."""
        mean_scale = 1.0 / tf.distribute.get_strategy().num_replicas_in_sync
        return (1.0 if self.objective.sums_over_batch(self.reduction) else mean_scale), mean_scale

    # ------------------------------------------------------------------- training
    def _discriminator_loss(self, real, fake, labels):
        """(loss for this replica's gradient, reported D loss) on one real and one fake batch."""
        adversarial_scale, mean_scale = self._replica_scales()
        real_scores = self._scores(real, labels)
        fake_scores = self._scores(fake, labels)
        adversarial = self.discriminator_objective(real_scores, fake_scores)
        penalty = self.gradient_penalty(real, fake, labels)
        self.trackers["d_loss"].update_state(adversarial + self.gp_weight * penalty)
        self.trackers["d_real"].update_state(ops.mean(real_scores))
        self.trackers["d_fake"].update_state(ops.mean(fake_scores))
        self.trackers["gp"].update_state(penalty)
        return adversarial_scale * adversarial + mean_scale * self.gp_weight * penalty

    def _generator_loss(self, fake, labels):
        """G's loss for this replica's gradient, given G's output (recorded on a tape)."""
        adversarial_scale, _ = self._replica_scales()
        loss = self.generator_objective(self._scores(fake, labels))
        self.trackers["g_loss"].update_state(loss)
        return adversarial_scale * loss

    @staticmethod
    def _apply(optimizer, tape, loss, network):
        """One optimizer update of `network` from the gradient of `loss`.

        A label map's gradient arrives as IndexedSlices (one slice per batch row, so a class
        seen twice has two slices). Keras 3's Adam squares each slice before the duplicate
        rows are summed, so its second moment gets sum(g_k^2) instead of (sum g_k)^2 and the
        update differs from the authors' dense one-hot matmul; the slices are summed into a
        dense gradient first (tests/test_authors_iteration.py, conditional case).

        Under a loss-scale optimizer (mixed_float16) the gradient is of the loss times its
        dynamic scale, which `apply` divides out again after checking that it is finite.
        """
        variables = network.trainable_variables
        scale = (optimizer.scale_loss(ops.ones_like(loss))
                 if isinstance(optimizer, keras.optimizers.LossScaleOptimizer) else None)
        gradients = [
            tf.convert_to_tensor(gradient) if isinstance(gradient, tf.IndexedSlices) else gradient
            for gradient in tape.gradient(loss, variables, output_gradients=scale)
        ]
        optimizer.apply(gradients, variables)

    def _discriminator_update(self, real, fake, labels):
        with tf.GradientTape() as tape:
            loss = self._discriminator_loss(real, fake, labels)
        self._apply(self.d_optimizer, tape, loss, self.discriminator)

    def _discriminator_step(self, real, labels, z):
        """A D update of its own (the first d_steps - 1 of an iteration)."""
        self._discriminator_update(real, self.generate(z, labels, training=True), labels)

    def _discriminator_and_generator_step(self, real, labels, z):
        """The last D update, then the G update, from one G(z) kept on G's tape (module doc)."""
        with tf.GradientTape() as g_tape:
            with squared_batch_norm_momentum(self.generator):
                fake = self.generate(z, labels, training=True)
            with g_tape.stop_recording():
                self._discriminator_update(real, tf.stop_gradient(fake), labels)
            g_loss = self._generator_loss(fake, labels)
        self._apply(self.g_optimizer, g_tape, g_loss, self.generator)
        if self.ema_generator is not None:
            self._update_ema()

    def _simultaneous_step(self, real, labels, z):
        """Both gradients from the same G(z), then both updates (the authors' ls.py)."""
        with tf.GradientTape() as d_tape, tf.GradientTape() as g_tape:
            fake = self.generate(z, labels, training=True)
            d_loss = self._discriminator_loss(real, fake, labels)
            g_loss = self._generator_loss(fake, labels)
        self._apply(self.d_optimizer, d_tape, d_loss, self.discriminator)
        self._apply(self.g_optimizer, g_tape, g_loss, self.generator)
        if self.ema_generator is not None:
            self._update_ema()

    def train_step(self, data):
        """One GAN iteration: `d_steps` D updates, then one G update (or one simultaneous update)."""
        real, labels = self.unpack_batch(data)
        for tracker in self.trackers.values():  # report this iteration, not a running mean
            tracker.reset_state()
        batch_size = ops.shape(real)[0]
        if self.simultaneous_updates:
            self._simultaneous_step(real, labels, self.sample_noise(batch_size))
        else:
            for _ in range(self.d_steps - 1):
                self._discriminator_step(real, labels, self.sample_noise(batch_size))
            self._discriminator_and_generator_step(real, labels, self.sample_noise(batch_size))
        logs = {name: tracker.result() for name, tracker in self.trackers.items()}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras 3.15 reduces multi-worker logs with strategy.reduce("MEAN", v, axis=0), which
            # fails on scalars; give each value the batch axis it expects (reduced away again).
            logs = {name: ops.reshape(value, (1,)) for name, value in logs.items()}
        return logs


@keras.saving.register_keras_serializable(package="lsgan_tf")
class ConditionalGAN(GAN):
    """A class-conditional GAN: `fit` on (images, integer labels); `call([z, labels])`."""

    @property
    def num_classes(self) -> int:
        """The number of classes G's label map accepts."""
        projections = [layer for layer in self.generator.layers if isinstance(layer, LabelProjection)]
        if len(projections) != 1:
            raise ValueError("A conditional generator needs exactly one LabelProjection layer.")
        return projections[0].num_classes

    def unpack_batch(self, data) -> Tuple[Any, Any]:
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError(
                "ConditionalGAN expects (images, labels) batches; got a batch without labels. "
                "Use a labelled dataset (or the unconditional GAN)."
            )
        return data[0], data[1]

    def generate(self, z, labels=None, training: bool = False):
        return self.generator([z, labels], training=training)

    def discriminate(self, images, labels=None, training: bool = True):
        return self.discriminator([images, labels], training=training)
