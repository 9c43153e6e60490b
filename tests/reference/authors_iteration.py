"""The authors' LSGAN training iteration, stated independently of lsgan_tf, in TF1 graph mode.

Written from what the authors' TF1 code does (xudonmao/LSGAN: the digits and the
conditional Chinese-character scripts; xudonmao/improved_LSGAN: ls.py, the Gaussian
mixture), with raw TensorFlow ops only, in a `tf.compat.v1` graph run by a `Session`:

- convolutions are `tf.nn.conv2d` / `tf.nn.conv2d_transpose` with SAME padding and explicit
  output shapes, plus a bias; fully connected layers are `matmul` plus a bias;
- batch norm is `tf.nn.moments` over the batch (and the spatial axes of a feature map),
  `tf.nn.batch_normalization` with epsilon 1e-5 and a learned scale and offset, and moving
  averages updated in place with decay 0.9 every time the layer runs in training mode (the
  `updates_collections=None` setting of `tf.contrib.layers.batch_norm`);
- LS losses are `tf.nn.l2_loss` (half the batch sum) times `loss_scale` (1 in the digits and
  character scripts, 0.5 in ls.py; 1 / batch gives lsgan_tf's mean reduction); the NS-GAN
  baseline is the mean sigmoid cross-entropy;
- one `tf.compat.v1.train.AdamOptimizer` (epsilon 1e-8) per network;
- an alternating iteration is two `Session.run` calls on the same real batch and z: the D
  update (G(z) computed, D run on the real batch and on G(z)), then the G update (G(z)
  computed again, D run on it again). Each of those network runs updates its BN moving
  averages, so per iteration G's are updated twice and D's three times;
- a simultaneous iteration (ls.py) computes both networks' gradients from one forward pass,
  then applies both updates.

Where the authors' graph leaves an order open it is fixed here, and lsgan_tf follows the same
order: D's moving averages are updated by the real batch before the fake one (the authors'
two in-place updates of one variable in one `Session.run` race), and both simultaneous
gradients are taken before either update is applied (ls.py's single `Session.run` of both
optimizers does not order them).

Nothing here imports lsgan_tf; variables are named `layer/kind` so that a test can load the
same initial values into both implementations.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1

BN_DECAY = 0.9
BN_EPSILON = 1e-5
ADAM_EPSILON = 1e-8
# 0.2 as the float32 number it is in a float32 model (and in TF's LeakyRelu op, which stores
# its slope as a 32-bit attribute even in float64 graphs).
LEAKY_SLOPE = float(np.float32(0.2))


class Layers:
    """Variables created from given initial values, and the layer ops of the authors' code.

    `bn_chain` orders the moving-average updates of every BN layer within one Session.run:
    each update waits for the previous update of the same layer.
    """

    def __init__(self, initial: Dict[str, np.ndarray], dtype: tf.DType = tf.float32):
        self.initial = initial
        self.dtype = dtype
        self.variables: Dict[str, tf.Variable] = {}
        self.bn_chain: Dict[str, List[tf.Operation]] = {}
        self.training = True

    def var(self, name: str) -> tf.Variable:
        if name not in self.variables:
            if name not in self.initial:
                raise KeyError(f"no initial value for {name}")
            self.variables[name] = v1.Variable(
                self.initial[name].astype(self.dtype.as_numpy_dtype), name=name.replace("/", "__"), use_resource=True
            )
        return self.variables[name]

    def linear(self, x, name: str):
        return tf.matmul(x, self.var(f"{name}/kernel")) + self.var(f"{name}/bias")

    def conv(self, x, name: str, stride: int):
        y = tf.nn.conv2d(x, self.var(f"{name}/kernel"), strides=[1, stride, stride, 1], padding="SAME")
        return y + self.var(f"{name}/bias")

    def deconv(self, x, name: str, out_hw: Tuple[int, int], stride: int):
        kernel = self.var(f"{name}/kernel")  # (k, k, out_channels, in_channels)
        shape = tf.stack([tf.shape(x)[0], out_hw[0], out_hw[1], kernel.shape[2]])
        y = tf.nn.conv2d_transpose(x, kernel, shape, strides=[1, stride, stride, 1], padding="SAME")
        return tf.reshape(y, [-1, out_hw[0], out_hw[1], kernel.shape[2]]) + self.var(f"{name}/bias")

    def batch_norm(self, x, name: str):
        """Batch statistics over every axis but the last; in-place moving averages."""
        mean, variance = tf.nn.moments(x, axes=list(range(len(x.shape) - 1)))
        moving_mean, moving_variance = self.var(f"{name}/moving_mean"), self.var(f"{name}/moving_variance")
        with tf.control_dependencies(self.bn_chain.get(name, [])):
            updates = [
                moving_mean.assign(BN_DECAY * moving_mean.read_value() + (1 - BN_DECAY) * mean),
                moving_variance.assign(BN_DECAY * moving_variance.read_value() + (1 - BN_DECAY) * variance),
            ]
        self.bn_chain[name] = updates
        with tf.control_dependencies(updates):
            return tf.nn.batch_normalization(
                x, mean, variance, self.var(f"{name}/beta"), self.var(f"{name}/gamma"), BN_EPSILON
            )

    def new_run(self) -> None:
        """Starts the BN update order of another Session.run."""
        self.bn_chain = {}


def lrelu(x):
    return tf.maximum(x, LEAKY_SLOPE * x)


@dataclasses.dataclass
class Networks:
    """G(layers, z, labels) and D(layers, images, labels) of one architecture."""

    generator: Callable
    discriminator: Callable
    generator_prefix: str = "g_"
    discriminator_prefix: str = "d_"


def digits_networks(kernel: int = 3, fc_norm: str = "spatial", d_fc_norm: bool = True) -> Networks:
    """TPAMI Table 5. G: FC(4*4*512) BN ReLU -> TCONV(K,S2) 256 [7] BN ReLU -> 128 [14] BN ReLU
    -> 1 [28] tanh; BN of the FC output per channel of the 4x4x512 map ("spatial") or per unit
    of the flat vector ("flat", the authors' code). D: CONV(K5,S2,20) LReLU -> CONV(K5,S2,50)
    BN LReLU -> FC(500) [BN] LReLU -> FC(1)."""

    def generator(n: Layers, z, labels=None):
        h = n.linear(z, "g_fc")
        if fc_norm == "flat":
            h = n.batch_norm(h, "g_fc_bn")
        h = tf.reshape(h, [-1, 4, 4, 512])
        if fc_norm == "spatial":
            h = n.batch_norm(h, "g_fc_bn")
        h = tf.nn.relu(h)
        h = tf.nn.relu(n.batch_norm(n.deconv(h, "g_tconv1", (7, 7), 2), "g_tconv1_bn"))
        h = tf.nn.relu(n.batch_norm(n.deconv(h, "g_tconv2", (14, 14), 2), "g_tconv2_bn"))
        return tf.tanh(n.deconv(h, "g_out", (28, 28), 2))

    def discriminator(n: Layers, x, labels=None):
        h = lrelu(n.conv(x, "d_conv1", 2))
        h = lrelu(n.batch_norm(n.conv(h, "d_conv2", 2), "d_conv2_bn"))
        h = tf.reshape(h, [-1, 7 * 7 * 50])
        h = n.linear(h, "d_fc1")
        if d_fc_norm:
            h = n.batch_norm(h, "d_fc1_bn")
        return n.linear(lrelu(h), "d_out")

    del kernel  # the kernel size is the shape of the initial values
    return Networks(generator, discriminator)


def mixture_networks() -> Networks:
    """ls.py: G z -> FC(128) tanh -> FC(128) tanh -> FC(2); D x -> FC(128) tanh x 2 -> FC(1)."""

    def mlp(n: Layers, x, prefix: str):
        h = tf.tanh(n.linear(x, f"{prefix}_fc1"))
        h = tf.tanh(n.linear(h, f"{prefix}_fc2"))
        return n.linear(h, f"{prefix}_out")

    return Networks(lambda n, z, labels=None: mlp(n, z, "g"), lambda n, x, labels=None: mlp(n, x, "d"))


def conditional_character_networks(num_classes: int, image_size: int = 28) -> Networks:
    """The conditional character GAN (ICCV 3.3). Each network maps the one-hot label linearly
    (weight and bias) to a vector y. G: concat[z, y] -> FC(128*s/4*s/4) BN ReLU -> reshape ->
    TCONV(K5,S2,128) BN ReLU -> TCONV(K5,S2,1) sigmoid. D: concat[x, tile(y)] -> CONV(K5,S2)
    LReLU -> concat tile(y) -> CONV(K5,S2,320) BN LReLU -> flatten, concat y -> FC(1024) BN
    LReLU -> concat y -> FC(1)."""
    base = image_size // 4

    def label_vector(n: Layers, labels, name: str):
        return n.linear(tf.one_hot(labels, num_classes, dtype=n.dtype), name)

    def tile(h, y):
        shape = tf.shape(h)
        return tf.concat([h, tf.tile(y[:, None, None, :], [1, shape[1], shape[2], 1])], axis=3)

    def generator(n: Layers, z, labels):
        h = tf.concat([z, label_vector(n, labels, "g_label_map")], axis=1)
        h = tf.nn.relu(n.batch_norm(n.linear(h, "g_fc"), "g_fc_bn"))
        h = tf.reshape(h, [-1, base, base, 128])
        h = tf.nn.relu(n.batch_norm(n.deconv(h, "g_tconv1", (2 * base, 2 * base), 2), "g_tconv1_bn"))
        return tf.sigmoid(n.deconv(h, "g_out", (image_size, image_size), 2))

    def discriminator(n: Layers, x, labels):
        y = label_vector(n, labels, "d_label_map")
        h = lrelu(n.conv(tile(x, y), "d_conv1", 2))
        h = lrelu(n.batch_norm(n.conv(tile(h, y), "d_conv2", 2), "d_conv2_bn"))
        h = tf.reshape(h, [-1, base * base * 320])
        h = lrelu(n.batch_norm(n.linear(tf.concat([h, y], axis=1), "d_fc1"), "d_fc1_bn"))
        return n.linear(tf.concat([h, y], axis=1), "d_out")

    return Networks(generator, discriminator)


@dataclasses.dataclass
class Objective:
    """The loss family: "lsgan" with (a, b, c) targets and `loss_scale` times half-sums, or
    "nsgan" (mean sigmoid cross-entropy, real -> 1, fake -> 0; G: fake -> 1)."""

    family: str = "lsgan"
    coding: Tuple[float, float, float] = (-1.0, 1.0, 0.0)
    loss_scale: float = 1.0

    def discriminator(self, real_scores, fake_scores):
        if self.family == "nsgan":
            return self._cross_entropy(real_scores, 1.0) + self._cross_entropy(fake_scores, 0.0)
        a, b, _ = self.coding
        return self.loss_scale * (tf.nn.l2_loss(real_scores - b) + tf.nn.l2_loss(fake_scores - a))

    def generator(self, fake_scores):
        if self.family == "nsgan":
            return self._cross_entropy(fake_scores, 1.0)
        return self.loss_scale * tf.nn.l2_loss(fake_scores - self.coding[2])

    @staticmethod
    def _cross_entropy(logits, label: float):
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=label * tf.ones_like(logits), logits=logits))


class AuthorsIteration:
    """Builds the authors' training graph once and runs iterations of it in a Session."""

    def __init__(
        self,
        networks: Networks,
        initial: Dict[str, np.ndarray],
        objective: Objective,
        *,
        image_shape: Sequence[int],
        z_dim: int,
        d_lr: float,
        g_lr: float,
        beta1: float = 0.5,
        beta2: float = 0.999,
        epsilon: float = ADAM_EPSILON,
        simultaneous: bool = False,
        conditional: bool = False,
        dtype: tf.DType = tf.float32,
    ):
        self.graph = tf.Graph()
        self.simultaneous = simultaneous
        with self.graph.as_default():
            n = self.layers = Layers(initial, dtype)
            self.real = v1.placeholder(dtype, [None, *image_shape], name="real")
            self.z = v1.placeholder(dtype, [None, z_dim], name="z")
            self.labels = v1.placeholder(tf.int32, [None], name="labels") if conditional else None
            G = lambda: networks.generator(n, self.z, self.labels)  # noqa: E731
            D = lambda x: networks.discriminator(n, x, self.labels)  # noqa: E731

            # The D update's Session.run: G(z), D(real), D(G(z)).
            n.new_run()
            fake = G()
            self.d_loss = objective.discriminator(D(self.real), D(fake))
            g_step_scores = D(fake) if simultaneous else None
            d_vars = self._variables(networks.discriminator_prefix)
            g_vars = self._variables(networks.generator_prefix)
            # Hyperparameters in the graph's dtype: from Python floats AdamOptimizer would keep
            # its beta powers (and lr, betas, epsilon) in float32 even in a float64 graph.
            number = dtype.as_numpy_dtype
            d_optimizer, g_optimizer = (
                v1.train.AdamOptimizer(number(lr), beta1=number(beta1), beta2=number(beta2), epsilon=number(epsilon))
                for lr in (d_lr, g_lr)
            )
            if simultaneous:
                # ls.py: one forward pass, both gradients, then both updates.
                self.g_loss = objective.generator(g_step_scores)
                d_grads = tf.gradients(self.d_loss, d_vars)
                g_grads = tf.gradients(self.g_loss, g_vars)
                with tf.control_dependencies(d_grads + g_grads):
                    self.d_train = tf.group(
                        d_optimizer.apply_gradients(zip(d_grads, d_vars)),
                        g_optimizer.apply_gradients(zip(g_grads, g_vars)),
                    )
                self.g_train = None
            else:
                self.d_train = d_optimizer.minimize(self.d_loss, var_list=d_vars)
                # The G update's Session.run: G(z) again, D(G(z)) again.
                n.new_run()
                self.g_loss = objective.generator(D(G()))
                self.g_train = g_optimizer.minimize(self.g_loss, var_list=g_vars)
            self.session = v1.Session(graph=self.graph)
            self.session.run(v1.global_variables_initializer())

    def _variables(self, prefix: str) -> List[tf.Variable]:
        """The trainable variables of one network (BN moving averages are not trained)."""
        return [
            variable for name, variable in sorted(self.layers.variables.items())
            if name.startswith(prefix) and "/moving_" not in name
        ]

    def step(self, real: np.ndarray, z: np.ndarray, labels: Optional[np.ndarray] = None) -> Dict[str, float]:
        """One training iteration on a real batch and a z batch; returns its D and G losses."""
        feed = {self.real: real, self.z: z}
        if self.labels is not None:
            feed[self.labels] = labels
        if self.simultaneous:
            _, d_loss, g_loss = self.session.run([self.d_train, self.d_loss, self.g_loss], feed)
            return {"d_loss": float(d_loss), "g_loss": float(g_loss)}
        _, d_loss = self.session.run([self.d_train, self.d_loss], feed)
        _, g_loss = self.session.run([self.g_train, self.g_loss], feed)
        return {"d_loss": float(d_loss), "g_loss": float(g_loss)}

    def values(self) -> Dict[str, np.ndarray]:
        """Every variable's current value (weights and BN moving averages), by name."""
        names = sorted(self.layers.variables)
        return dict(zip(names, self.session.run([self.layers.variables[name] for name in names])))
