"""Every training constant of the authors' runs, per dataset, each with where it was read.

Stated independently of lsgan_tf: the values were read from the papers and from the authors'
TensorFlow 1 code, never from lsgan_tf's presets. Sources name the file and line:

- `LSGAN/...`: github.com/xudonmao/LSGAN (ICCV code: the 112x112 scenes, the conditional
  characters, the Gaussian mixture under stability_comparison/); files at commit 97e0b8d,
  ops.py and stability_comparison/mixture_gaussian/ls.py at 89c9cd5;
- `improved_LSGAN/...`: github.com/xudonmao/improved_LSGAN at c71eb44 (TPAMI code: the cats and
  the small-variability digits);
- `ICCV`, `TPAMI`: the papers' sections and tables.

Where a paper and the code differ, the value is the code's (what the authors ran) and the source
says what the paper writes; lsgan_tf's deliberate differences from this table are listed once,
in docs/PAPERS.md ("Where lsgan-tf differs from the authors' runs"), and nowhere else.
`UNSTATED` marks a constant neither the papers nor the code give.

Value vocabulary: `noise` "uniform" (U(-1, 1)) or "normal" (N(0, I)); `loss` "half_sum"
(`tf.nn.l2_loss` per term: half the batch sum of squares) or "quarter_sum" (0.5 * l2_loss);
layer lists are (filters, stride) per layer; initialisers are (kind, scale).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict


@dataclasses.dataclass(frozen=True)
class Constant:
    """One value and where it was read."""

    value: Any
    source: str


UNSTATED = "unstated"
C = Constant

OPS = "LSGAN/ops.py"  # the layer helpers every script of both repositories imports
TF1_ADAM = "tf.train.AdamOptimizer's defaults (beta2=0.999, epsilon=1e-8); the script passes only lr and beta1"

# The layer constants every convolutional net of the papers shares (ops.py).
LAYERS: Dict[str, Constant] = {
    "bn_decay": C(0.9, f"{OPS}:10 (batch_norm momentum=0.9, passed as decay at :18)"),
    "bn_epsilon": C(1e-5, f"{OPS}:10 (batch_norm epsilon=1e-5, passed at :20)"),
    "lrelu_slope": C(0.2, f"{OPS}:88 (lrelu leak=0.2)"),
    "conv_init": C(("truncated_normal", 0.02), f"{OPS}:50,54 (conv2d stddev=0.02, truncated_normal_initializer)"),
    "tconv_init": C(("normal", 0.02), f"{OPS}:63,68 (deconv2d stddev=0.02, random_normal_initializer)"),
    "dense_init": C(("normal", 0.02), f"{OPS}:91,96 (linear stddev=0.02); TPAMI §4.1 (Gaussian, std 0.02)"),
    "bias_init": C(0.0, f"{OPS}:57,79,98 (constant 0)"),
}

DIGITS_MAIN = "improved_LSGAN/small_variance_datasets/main.py"
DIGITS_ARCH = "improved_LSGAN/small_variance_datasets/arch.py"
CATS_MAIN = "improved_LSGAN/cats/main.py"
CATS_ARCH = "improved_LSGAN/cats/arch.py"
CHN = "LSGAN/train_chn.py"
MCGAN = "LSGAN/mcgan.py"
LSUN = "LSGAN/train_lsun.py"
VGG = "LSGAN/vgg.py"
LS = "LSGAN/stability_comparison/mixture_gaussian/ls.py"
FID_RUNS = "TPAMI §4.1 (lr 2e-4, batch 64, beta1 0.5 for every dataset but LSUN scenes) and Table 3"


def _digits_training(script_note: str) -> Dict[str, Constant]:
    return {
        "d_lr": C(2e-4, f"{DIGITS_MAIN}:16; TPAMI §4.1"),
        "g_lr": C(2e-4, f"{DIGITS_MAIN}:16 (one learning_rate for both optimizers, {DIGITS_ARCH}:126-127)"),
        "beta_1": C(0.5, f"{DIGITS_MAIN}:17; TPAMI §4.1"),
        "beta_2": C(0.999, f"{DIGITS_ARCH}:126-127, {TF1_ADAM}"),
        "epsilon": C(1e-8, f"{DIGITS_ARCH}:126-127, {TF1_ADAM}"),
        "batch_size": C(64, f"{DIGITS_MAIN}:18; TPAMI §4.1"),
        "z_dim": C(100, f"{DIGITS_MAIN}:19"),
        "noise": C("uniform", f"{DIGITS_MAIN}:52-53 (np.random.uniform(-1, 1))"),
        "coding": C("-110", f"{DIGITS_ARCH}:94-102 (G target 0, real 1, fake -1); TPAMI Fig. 10 {script_note}"),
        "loss": C("half_sum", f"{DIGITS_ARCH}:95,98,101 (tf.nn.l2_loss)"),
        "steps": C(50_001, f"{DIGITS_MAIN}:22 (max_steps)"),
        "updates": C("alternating", f"{DIGITS_MAIN} train(): D's Session.run, then G's, on the same z"),
    }


TRAINING: Dict[str, Dict[str, Constant]] = {
    "digits": _digits_training("(times.shift)"),
    "digits_rotate": _digits_training(f"(times.shift.rotate: {DIGITS_MAIN}:28's data_path)"),
    "mnist": _digits_training("(its MNIST column runs the same script and net)"),
    "hwdb": {
        "d_lr": C(2e-4, f"{CHN}:14"),
        "g_lr": C(2e-4, f"{CHN}:14 ({MCGAN}:144-145)"),
        "beta_1": C(0.5, f"{CHN}:15"),
        "beta_2": C(0.999, f"{MCGAN}:144-145, {TF1_ADAM}"),
        "epsilon": C(1e-8, f"{MCGAN}:144-145, {TF1_ADAM}"),
        "batch_size": C(64, f"{CHN}:16"),
        "z_dim": C(1024, f"{CHN}:19"),
        "noise": C("uniform", f"{CHN}:67-68"),
        "coding": C("011", f"{MCGAN}:126-131 (G target 1, real 1, fake 0); ICCV Eq. 9"),
        "loss": C("half_sum", f"{MCGAN}:127,129,131 (tf.nn.l2_loss)"),
        "steps": C(1_000_000, f"{CHN}:21 (max_steps, a ceiling; the papers give no length)"),
        "updates": C("alternating", f"{CHN} train(): D's Session.run, then G's"),
    },
    "lsun": {
        "d_lr": C(1e-3, f"{LSUN}:15; TPAMI §4.1 (0.001 for LSUN scenes)"),
        "g_lr": C(1e-3, f"{LSUN}:15 ({VGG}:157-158)"),
        "beta_1": C(0.5, f"{LSUN}:16"),
        "beta_2": C(0.999, f"{VGG}:157-158, {TF1_ADAM}"),
        "epsilon": C(1e-8, f"{VGG}:157-158, {TF1_ADAM}"),
        "batch_size": C(64, f"{LSUN}:17"),
        "z_dim": C(1024, f"{LSUN}:19"),
        "noise": C("uniform", f"{LSUN}:70-71"),
        "coding": C("011", f"{VGG}:138-143 (G target 1, real 1, fake 0)"),
        "loss": C("half_sum", f"{VGG}:139,141,143 (tf.nn.l2_loss)"),
        "steps": C(1_000_000, f"{LSUN}:21 (max_steps, a ceiling; the papers give no length)"),
        "updates": C("alternating", f"{LSUN} train()"),
    },
    "cats": {
        "d_lr": C(2e-4, f"{CATS_MAIN}:16; TPAMI §4.1"),
        "g_lr": C(2e-4, f"{CATS_MAIN}:16"),
        "beta_1": C(0.5, f"{CATS_MAIN}:17"),
        "beta_2": C(0.999, f"{CATS_ARCH} train(), {TF1_ADAM}"),
        "epsilon": C(1e-8, f"{CATS_ARCH} train(), {TF1_ADAM}"),
        "batch_size": C(64, f"{CATS_MAIN}:18"),
        "z_dim": C(100, f"{CATS_MAIN}:19"),
        "noise": C("uniform", f"{CATS_MAIN}:52-53"),
        "coding": C("-110", f"{CATS_ARCH}:122-130 (G target 0, real 1, fake -1)"),
        "loss": C("half_sum", f"{CATS_ARCH}:123,126,129 (tf.nn.l2_loss)"),
        "steps": C(1_000_000, f"{CATS_MAIN}:22 (max_steps, a ceiling; TPAMI picks checkpoints by eye, §4.2.1)"),
        "updates": C("alternating", f"{CATS_MAIN} train()"),
    },
    "mixture": {
        "d_lr": C(1e-4, f"{LS}:46 (disc_learning_rate)"),
        "g_lr": C(1e-3, f"{LS}:47 (gen_learning_rate)"),
        "beta_1": C(0.5, f"{LS}:48"),
        "beta_2": C(0.999, f"{LS}:77,83 (Keras' and TF1's Adam defaults; not passed)"),
        "epsilon": C(1e-8, f"{LS}:49"),
        "batch_size": C(512, f"{LS}:45"),
        "z_dim": C(256, f"{LS}:52"),
        "noise": C("normal", f"{LS}:62-63 (ds.Normal(0, 1))"),
        "coding": C("011", f"{LS}:70-71,81 (G target 1, real 1, fake 0)"),
        "loss": C("quarter_sum", f"{LS}:70,71,81 (0.5 * tf.nn.l2_loss)"),
        "steps": C(35_000, f"{LS}:50 (max_iter)"),
        "updates": C("simultaneous", f"{LS}:101 (one Session.run of both train ops)"),
    },
}
for _dataset in ("lsun64", "cifar10"):
    TRAINING[_dataset] = {
        "d_lr": C(2e-4, FID_RUNS), "g_lr": C(2e-4, FID_RUNS), "beta_1": C(0.5, FID_RUNS),
        "beta_2": C(0.999, "TPAMI §4.1 builds on carpedm20/DCGAN-tensorflow, whose Adam passes only lr and beta1"),
        "epsilon": C(1e-8, "TPAMI §4.1 builds on carpedm20/DCGAN-tensorflow (TF1's Adam default)"),
        "batch_size": C(64, FID_RUNS), "z_dim": C(100, "TPAMI §4.1 (DCGAN-tensorflow's z_dim)"),
        "noise": C("uniform", f"{CATS_MAIN}:52-53 (the TPAMI code's DCGAN runs)"),
        "coding": C("-110", "TPAMI Table 3's LSGANs(-110) column, the coding TPAMI §4.5 advises"),
        "loss": C("half_sum", f"{CATS_ARCH}:123,126,129 (the TPAMI code's loss_l2)"),
        "steps": C(UNSTATED, "TPAMI Table 3 gives no length"),
        "updates": C("alternating", f"{CATS_MAIN} train()"),
    }


def _dcgan(resolution: int, source: str) -> Dict[str, Constant]:
    """The TPAMI code's DCGAN pair (cats/arch.py generator_dcgan, discriminator_dcgan) at `resolution`:
    G from resolution/16, four 5x5 stride-2 TCONVs; D four 5x5 stride-2 convs."""
    base = resolution // 16
    return {
        "g_fc_units": C(512 * base * base, f"{CATS_ARCH}:45 (64*8*s16*s16); {source}"),
        "g_fc_norm": C("flat", f"{CATS_ARCH}:45-46 (g_bn0 on the FC output, then the reshape)"),
        "g_tconv": C(((256, 2), (128, 2), (64, 2), (3, 2)), f"{CATS_ARCH}:47-50"),
        "g_tconv_kernel": C(5, f"{CATS_ARCH}:47-50 with {OPS}:63 (deconv2d k_h=5)"),
        "g_output": C("tanh", f"{CATS_ARCH}:50"),
        "d_conv": C(((64, 2), (128, 2), (256, 2), (512, 2)), f"{CATS_ARCH}:31-34"),
        "d_conv_kernel": C(5, f"{CATS_ARCH}:31-34 with {OPS}:50 (conv2d k_h=5)"),
        "d_conv_norm": C((False, True, True, True), f"{CATS_ARCH}:31-34 (d_bn1..3 from the second conv)"),
        "d_fc_units": C((1,), f"{CATS_ARCH}:35"),
        "d_fc_norm": C((False,), f"{CATS_ARCH}:35"),
    }


# The networks, per --arch, in the vocabulary above; the layer constants of LAYERS apply to all
# but the mixture MLPs, which state their own.
NETWORKS: Dict[str, Dict[str, Constant]] = {
    "digits": {
        "g_fc_units": C(8192, f"{DIGITS_ARCH}:44 (64*8*4*4); TPAMI Table 5 FC(O8192)"),
        "g_fc_norm": C("flat", f"{DIGITS_ARCH}:44-45 (g_bn0 on the FC output, then the reshape)"),
        "g_tconv": C(((256, 2), (128, 2), (1, 2)), f"{DIGITS_ARCH}:46-48; TPAMI Table 5"),
        "g_tconv_kernel": C(5, f"{DIGITS_ARCH}:46-48 with {OPS}:63 (deconv2d k_h=5); TPAMI Table 5 writes K3"),
        "g_output": C("tanh", f"{DIGITS_ARCH}:48; TPAMI Table 5"),
        "d_conv": C(((20, 2), (50, 2)), f"{DIGITS_ARCH}:31-32; TPAMI Table 5"),
        "d_conv_kernel": C(5, f"{DIGITS_ARCH}:31-32 with {OPS}:50; TPAMI Table 5 (K5)"),
        "d_conv_norm": C((False, True), f"{DIGITS_ARCH}:31-32; TPAMI Table 5"),
        "d_fc_units": C((500, 1), f"{DIGITS_ARCH}:34-35; TPAMI Table 5"),
        "d_fc_norm": C((True, False), f"{DIGITS_ARCH}:34 (d_bn2); TPAMI Table 5"),
    },
    "hwdb": {
        "label_dim": C(256, f"{MCGAN}:50-51 (D), 78-79 (G): linear(one_hot, 256)"),
        "g_fc_units": C(128 * 7 * 7, f"{MCGAN}:83 (128*s4*s4)"),
        "g_fc_norm": C("flat", f"{MCGAN}:83,85 (g_bn1 on the FC output, then the reshape)"),
        "g_tconv": C(((128, 2), (1, 2)), f"{MCGAN}:87-91"),
        "g_tconv_kernel": C(5, f"{MCGAN}:87-91 with {OPS}:63"),
        "g_output": C("sigmoid", f"{MCGAN}:91"),
        "d_conv": C(((257, 2), (320, 2)), f"{MCGAN}:54 (c_dim + y_size), 58 (64 + y_size)"),
        "d_conv_kernel": C(5, f"{MCGAN}:54,58 with {OPS}:50"),
        "d_conv_norm": C((False, True), f"{MCGAN}:54,58 (d_bn1 on the second conv)"),
        "d_fc_units": C((1024, 1), f"{MCGAN}:63,67"),
        "d_fc_norm": C((True, False), f"{MCGAN}:63 (d_bn2)"),
        "label_on_input": C(False, f"{MCGAN}:54 (the first conv sees the bare image; the label joins at :56)"),
    },
    "scene112": {
        "g_fc_units": C(256 * 7 * 7, f"{VGG}:68 (256*s16*s16)"),
        "g_fc_norm": C("spatial", f"{VGG}:68-69 (reshape, then g_bn0)"),
        "g_tconv": C(((256, 2), (256, 1), (256, 2), (256, 1), (128, 2), (64, 2), (3, 1)), f"{VGG}:71-90; TPAMI Table 1"),
        "g_tconv_kernel": C(3, f"{VGG}:71-90 (k_h=3, k_w=3)"),
        "g_output": C("tanh", f"{VGG}:92"),
        "d_conv": C(((64, 2), (128, 2), (256, 2), (512, 2)), f"{VGG}:51-54"),
        "d_conv_kernel": C(5, f"{VGG}:51-54 with {OPS}:50"),
        "d_conv_norm": C((False, True, True, True), f"{VGG}:51-54"),
        "d_fc_units": C((1,), f"{VGG}:55"),
        "d_fc_norm": C((False,), f"{VGG}:55"),
    },
    "cat128": _dcgan(128, "TPAMI Table 2"),
    "dcgan64": _dcgan(64, "TPAMI Table 3's LSUN-64 and ImageNet-64 runs"),
    "dcgan32": _dcgan(32, "TPAMI Table 3's CIFAR-10 runs"),
    "mixture": {
        "g_hidden": C((128, 128), f"{LS}:30,32 (n_hidden=128, n_layer=2)"),
        "g_outputs": C(2, f"{LS}:33"),
        "d_hidden": C((128, 128), f"{LS}:36,38"),
        "d_outputs": C(1, f"{LS}:39"),
        "hidden_activation": C("tanh", f"{LS}:32,38"),
        "dense_init": C(("orthogonal", 1.4), f"{LS}:65 (orthogonal_initializer(gain=1.4))"),
        "bias_init": C(0.0, f"{LS}:65 (slim.fully_connected's zero biases)"),
    },
}

# The net each dataset trains (the scripts above).
ARCH_OF = {"digits": "digits", "digits_rotate": "digits", "mnist": "digits", "hwdb": "hwdb", "lsun": "scene112",
           "cats": "cat128", "lsun64": "dcgan64", "cifar10": "dcgan32", "mixture": "mixture"}


def network_constants(arch: str) -> Dict[str, Constant]:
    """The constants of one net: its own, over the shared layer constants (not for the MLPs)."""
    shared = {} if arch == "mixture" else LAYERS
    return {**shared, **NETWORKS[arch]}


def values(constants: Dict[str, Constant]) -> Dict[str, Any]:
    """{name: value} of a constants table."""
    return {name: constant.value for name, constant in constants.items()}
