"""The authors' LSGAN training iteration, stated independently of lsgan_tf, in TF1 graph mode.

Written from what the authors' TF1 code does (xudonmao/improved_LSGAN: the small-variability
digits, small_variance_datasets/; xudonmao/LSGAN: the conditional characters, mcgan.py and
train_chn.py, and the Gaussian mixture, stability_comparison/mixture_gaussian/ls.py), with raw
TensorFlow ops only, in a `tf.compat.v1` graph run by a `Session`. Every number comes from the
constants table beside this file (tests/reference/constants.py, each value with its source),
never from lsgan_tf: the layer widths, kernels and strides, the initialisers (drawn here, by
this module's own generator), the Adam settings and the loss scale.

- convolutions are `tf.nn.conv2d` / `tf.nn.conv2d_transpose` with SAME padding and explicit
  output shapes, plus a bias; fully connected layers are `matmul` plus a bias (ops.py);
- batch norm is `tf.nn.moments` over the batch (and the spatial axes of a feature map),
  `tf.nn.batch_normalization` with the table's epsilon and a learned scale and offset, and
  moving averages updated in place with the table's decay every time the layer runs in training
  mode (the `updates_collections=None` setting of `tf.contrib.layers.batch_norm`);
- LS losses are `tf.nn.l2_loss` (half the batch sum) times the scale of the table's `loss`:
  1 for "half_sum" (the digits and character scripts), 0.5 for "quarter_sum" (ls.py), and
  1 / batch for "half_mean" (lsgan_tf's mean reduction, a listed difference); the NS-GAN
  baseline is the mean sigmoid cross-entropy;
- one `tf.compat.v1.train.AdamOptimizer` per network;
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
initial values drawn here into lsgan_tf's networks.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1

LOSS_SCALES = {"half_sum": 1.0, "quarter_sum": 0.5}  # x tf.nn.l2_loss; "half_mean" is 1 / batch


def draw_initial(shape: Sequence[int], init: Tuple[str, float], rng: np.random.Generator) -> np.ndarray:
    """An initial value as TF1's initialisers draw it: ("normal", std), ("truncated_normal", std)
    (values beyond two std drawn again), ("orthogonal", gain) (Saxe et al.: the Q of a Gaussian
    matrix's QR, signs fixed by R's diagonal, over the flattened (fan-in, fan-out) shape),
    ("constant", value)."""
    kind, scale = init
    if kind == "constant":
        return np.full(shape, scale, np.float64)
    if kind == "normal":
        return rng.normal(0.0, scale, shape)
    if kind == "truncated_normal":
        values = rng.normal(0.0, 1.0, shape)
        while np.any(outside := np.abs(values) > 2.0):
            values[outside] = rng.normal(0.0, 1.0, int(outside.sum()))
        return scale * values
    if kind == "orthogonal":
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        q, r = np.linalg.qr(rng.normal(0.0, 1.0, (max(rows, cols), min(rows, cols))))
        q = q * np.sign(np.diag(r))
        return scale * (q.T if rows < cols else q).reshape(shape)
    raise ValueError(f"unknown initialiser {kind!r}")


class Layers:
    """Variables drawn from the table's initialisers, and the layer ops of the authors' code.

    `bn_chain` orders the moving-average updates of every BN layer within one Session.run:
    each update waits for the previous update of the same layer.
    """

    def __init__(self, constants: Dict[str, Any], dtype: tf.DType, seed: int):
        self.constants = constants
        self.dtype = dtype
        self.rng = np.random.default_rng(seed)
        self.initial: Dict[str, np.ndarray] = {}
        self.variables: Dict[str, tf.Variable] = {}
        self.bn_chain: Dict[str, List[tf.Operation]] = {}
        # The slope as the float32 number it is in a float32 model (TF's LeakyRelu op stores it
        # as a 32-bit attribute even in float64 graphs).
        self.leaky_slope = float(np.float32(constants["lrelu_slope"])) if "lrelu_slope" in constants else None

    def var(self, name: str, shape: Sequence[int], init: Tuple[str, float]) -> tf.Variable:
        if name not in self.variables:
            self.initial[name] = draw_initial([int(size) for size in shape], init, self.rng)
            self.variables[name] = v1.Variable(
                self.initial[name].astype(self.dtype.as_numpy_dtype), name=name.replace("/", "__"), use_resource=True
            )
        return self.variables[name]

    def _bias(self, name: str, units: int) -> tf.Variable:
        return self.var(f"{name}/bias", [units], ("constant", self.constants["bias_init"]))

    def linear(self, x, name: str, units: int):
        kernel = self.var(f"{name}/kernel", [x.shape[-1], units], self.constants["dense_init"])
        return tf.matmul(x, kernel) + self._bias(name, units)

    def conv(self, x, name: str, filters: int, stride: int):
        k = self.constants["d_conv_kernel"]
        kernel = self.var(f"{name}/kernel", [k, k, x.shape[-1], filters], self.constants["conv_init"])
        y = tf.nn.conv2d(x, kernel, strides=[1, stride, stride, 1], padding="SAME")
        return y + self._bias(name, filters)

    def deconv(self, x, name: str, filters: int, out_hw: int, stride: int):
        k = self.constants["g_tconv_kernel"]
        kernel = self.var(f"{name}/kernel", [k, k, filters, x.shape[-1]], self.constants["tconv_init"])
        shape = tf.stack([tf.shape(x)[0], out_hw, out_hw, filters])
        y = tf.nn.conv2d_transpose(x, kernel, shape, strides=[1, stride, stride, 1], padding="SAME")
        return tf.reshape(y, [-1, out_hw, out_hw, filters]) + self._bias(name, filters)

    def batch_norm(self, x, name: str):
        """Batch statistics over every axis but the last; in-place moving averages."""
        decay, channels = self.constants["bn_decay"], [x.shape[-1]]
        mean, variance = tf.nn.moments(x, axes=list(range(len(x.shape) - 1)))
        moving_mean = self.var(f"{name}/moving_mean", channels, ("constant", 0.0))
        moving_variance = self.var(f"{name}/moving_variance", channels, ("constant", 1.0))
        with tf.control_dependencies(self.bn_chain.get(name, [])):
            updates = [
                moving_mean.assign(decay * moving_mean.read_value() + (1 - decay) * mean),
                moving_variance.assign(decay * moving_variance.read_value() + (1 - decay) * variance),
            ]
        self.bn_chain[name] = updates
        with tf.control_dependencies(updates):
            return tf.nn.batch_normalization(
                x, mean, variance, self.var(f"{name}/beta", channels, ("constant", 0.0)),
                self.var(f"{name}/gamma", channels, ("constant", 1.0)), self.constants["bn_epsilon"]
            )

    def lrelu(self, x):
        return tf.maximum(x, self.leaky_slope * x)

    def new_run(self) -> None:
        """Starts the BN update order of another Session.run."""
        self.bn_chain = {}


@dataclasses.dataclass
class Networks:
    """G(layers, z, labels) and D(layers, images, labels) of one architecture."""

    generator: Callable
    discriminator: Callable
    generator_prefix: str = "g_"
    discriminator_prefix: str = "d_"


def _output_sizes(image_size: int, strides: Sequence[int]) -> List[int]:
    """The explicit output size of each TCONV, as the scripts write them (s/4, s/2, s)."""
    return [image_size // int(np.prod(strides[index + 1:])) for index in range(len(strides))]


def digits_networks(c: Dict[str, Any], image_size: int = 28) -> Networks:
    """improved_LSGAN small_variance_datasets/arch.py generator_digit / discriminator_digit
    (TPAMI Table 5), sized by the table: G FC BN ReLU -> TCONVs BN ReLU -> TCONV tanh, with BN
    of the FC output over the flat vector ("flat", arch.py:44) or per channel of the reshaped
    map ("spatial"); D CONVs [BN] LReLU -> FC [BN] LReLU -> FC(1)."""
    tconvs, convs = c["g_tconv"], c["d_conv"]
    sizes = _output_sizes(image_size, [stride for _, stride in tconvs])
    base = -(-sizes[0] // tconvs[0][1])  # arch.py:45: 4x4 under the 7x7 of the first TCONV
    activations = {"tanh": tf.tanh, "sigmoid": tf.sigmoid}

    def generator(n: Layers, z, labels=None):
        h = n.linear(z, "g_fc", c["g_fc_units"])
        if c["g_fc_norm"] == "flat":
            h = n.batch_norm(h, "g_fc_bn")
        h = tf.reshape(h, [-1, base, base, c["g_fc_units"] // (base * base)])
        if c["g_fc_norm"] == "spatial":
            h = n.batch_norm(h, "g_fc_bn")
        h = tf.nn.relu(h)
        for index, ((filters, stride), size) in enumerate(zip(tconvs[:-1], sizes), start=1):
            h = tf.nn.relu(n.batch_norm(n.deconv(h, f"g_tconv{index}", filters, size, stride), f"g_tconv{index}_bn"))
        (filters, stride) = tconvs[-1]
        return activations[c["g_output"]](n.deconv(h, "g_out", filters, sizes[-1], stride))

    def discriminator(n: Layers, x, labels=None):
        h = x
        for index, ((filters, stride), norm) in enumerate(zip(convs, c["d_conv_norm"]), start=1):
            h = n.conv(h, f"d_conv{index}", filters, stride)
            h = n.lrelu(n.batch_norm(h, f"d_conv{index}_bn") if norm else h)
        h = tf.reshape(h, [-1, int(np.prod(h.shape[1:]))])
        *hidden, outputs = c["d_fc_units"]
        for index, (units, norm) in enumerate(zip(hidden, c["d_fc_norm"]), start=1):
            h = n.linear(h, f"d_fc{index}", units)
            h = n.lrelu(n.batch_norm(h, f"d_fc{index}_bn") if norm else h)
        return n.linear(h, "d_out", outputs)

    return Networks(generator, discriminator)


def mixture_networks(c: Dict[str, Any]) -> Networks:
    """ls.py: G z -> FC(128) tanh -> FC(128) tanh -> FC(2); D x -> FC(128) tanh x 2 -> FC(1)."""
    activation = {"tanh": tf.tanh}[c["hidden_activation"]]

    def mlp(n: Layers, x, prefix: str):
        h = x
        for index, units in enumerate(c[f"{prefix}_hidden"], start=1):
            h = activation(n.linear(h, f"{prefix}_fc{index}", units))
        return n.linear(h, f"{prefix}_out", c[f"{prefix}_outputs"])

    return Networks(lambda n, z, labels=None: mlp(n, z, "g"), lambda n, x, labels=None: mlp(n, x, "d"))


def conditional_character_networks(c: Dict[str, Any], num_classes: int, image_size: int = 28,
                                   channels: int = 1) -> Networks:
    """LSGAN/mcgan.py (ICCV 3.3). Each network maps the one-hot label linearly (weight and bias,
    :51 and :79) to y of `label_dim`. G (:75-94): concat[z, y] -> FC BN ReLU -> reshape ->
    TCONV(K5,S2,128) BN ReLU -> TCONV(K5,S2,1) sigmoid. D (:46-73): CONV(K5,S2, c_dim + y_size)
    LReLU on the image (:54) -> concat tile(y) (:56) -> CONV(K5,S2, 64 + y_size) BN LReLU (:58) ->
    flatten, concat y (:60-61) -> FC(1024) BN LReLU (:63) -> concat y (:65) -> FC(1) (:67).
    `label_on_input` (not mcgan.py's: a listed lsgan-tf option) concatenates tile(y) to the image
    before the first conv as well."""
    label_dim = c["label_dim"]
    base = image_size // 4
    widths = (channels + label_dim, 64 + label_dim)  # mcgan.py:54, 58
    (g_hidden, g_stride), (g_out, _) = c["g_tconv"]
    fc_channels = c["g_fc_units"] // (7 * 7)  # mcgan.py:83,85: 128 * s4 * s4 with s4 = 7 at 28x28

    def label_vector(n: Layers, labels, name: str):
        return n.linear(tf.one_hot(labels, num_classes, dtype=n.dtype), name, label_dim)

    def tile(h, y):
        shape = tf.shape(h)
        return tf.concat([h, tf.tile(y[:, None, None, :], [1, shape[1], shape[2], 1])], axis=3)

    def generator(n: Layers, z, labels):
        h = tf.concat([z, label_vector(n, labels, "g_label_map")], axis=1)
        h = tf.nn.relu(n.batch_norm(n.linear(h, "g_fc", fc_channels * base * base), "g_fc_bn"))
        h = tf.reshape(h, [-1, base, base, fc_channels])
        h = tf.nn.relu(n.batch_norm(n.deconv(h, "g_tconv1", g_hidden, 2 * base, g_stride), "g_tconv1_bn"))
        return tf.sigmoid(n.deconv(h, "g_out", g_out, image_size, 2))

    def discriminator(n: Layers, x, labels):
        y = label_vector(n, labels, "d_label_map")
        h = tile(x, y) if c["label_on_input"] else x
        h = n.lrelu(n.conv(h, "d_conv1", widths[0], 2))
        h = n.lrelu(n.batch_norm(n.conv(tile(h, y), "d_conv2", widths[1], 2), "d_conv2_bn"))
        h = tf.reshape(h, [-1, base * base * widths[1]])
        hidden, outputs = c["d_fc_units"]
        h = n.lrelu(n.batch_norm(n.linear(tf.concat([h, y], axis=1), "d_fc1", hidden), "d_fc1_bn"))
        return n.linear(tf.concat([h, y], axis=1), "d_out", outputs)

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


CODINGS = {"-110": (-1.0, 1.0, 0.0), "011": (0.0, 1.0, 1.0)}  # (a, b, c): TPAMI Eq. 13 and 14


def objective_of(c: Dict[str, Any], family: str, batch: int) -> Objective:
    """The loss of a constants table: its coding, and its `loss` as a factor on l2_loss."""
    scale = 1.0 / batch if c["loss"] == "half_mean" else LOSS_SCALES[c["loss"]]
    return Objective(family=family, coding=CODINGS[c["coding"]], loss_scale=scale)


class AuthorsIteration:
    """Builds the authors' training graph once from a constants table and runs iterations of it."""

    def __init__(
        self,
        networks: Networks,
        constants: Dict[str, Any],
        objective: Objective,
        *,
        image_shape: Sequence[int],
        z_dim: int,
        conditional: bool = False,
        dtype: tf.DType = tf.float32,
        seed: int = 0,
    ):
        self.graph = tf.Graph()
        simultaneous = self.simultaneous = constants["updates"] == "simultaneous"
        with self.graph.as_default():
            n = self.layers = Layers(constants, dtype, seed)
            self.real = v1.placeholder(dtype, [None, *image_shape], name="real")
            self.z = v1.placeholder(dtype, [None, z_dim], name="z")
            self.labels = v1.placeholder(tf.int32, [None], name="labels") if conditional else None
            G = lambda: networks.generator(n, self.z, self.labels)
            D = lambda x: networks.discriminator(n, x, self.labels)
            # The D update's Session.run: G(z), D(real), D(G(z)).
            n.new_run()
            fake = G()
            self.d_loss = objective.discriminator(D(self.real), D(fake))
            g_step_scores = D(fake) if simultaneous else None
            d_vars = self._variables(networks.discriminator_prefix)
            g_vars = self._variables(networks.generator_prefix)
            # Hyperparameters in the graph's dtype, rounded through float32 as Keras' update
            # computes with them: from Python floats AdamOptimizer would keep its beta powers (and
            # lr, betas, epsilon) in float32 even in a float64 graph.
            number = lambda value: dtype.as_numpy_dtype(np.float32(value))
            d_optimizer, g_optimizer = (
                v1.train.AdamOptimizer(number(constants[lr]), beta1=number(constants["beta_1"]),
                                       beta2=number(constants["beta_2"]), epsilon=number(constants["epsilon"]))
                for lr in ("d_lr", "g_lr")
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

    @property
    def initial(self) -> Dict[str, np.ndarray]:
        """The initial value of every variable (drawn here from the table's initialisers), by name."""
        return self.layers.initial

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
