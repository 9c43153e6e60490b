"""lsgan_tf's training iteration equals the authors' TF1 iteration (tests/reference).

The reference builds its graph, draws its initial weights and sets its Adam from the constants
table of the authors' runs (tests/reference/constants.py), with lsgan-tf's listed differences
(docs/PAPERS.md §6) applied as each case says; lsgan_tf builds its model from the preset and
flags alone, then takes the reference's initial values by variable name (a width or kernel that
differs fails there). Both see the same real batches and z; after 10 iterations every weight,
every BN moving statistic and every iteration's D and G losses agree. lsgan_tf runs G(z) once per iteration and updates G's BN moving averages with momentum
0.9^2 (gan.py); the reference runs G twice, as the authors' code does.

Both run in float64. In float32 two correct implementations part after one iteration: Adam's
first step is about lr * sign(gradient), so a gradient element whose sign is decided by
rounding moves by lr in one and not in the other, and the runs drift apart (measured: 4e-5
relative in the first G loss, 10% by the tenth). In float64 the same comparison agrees to
about 1e-13 (the BN moving mean after a zero-gradient bias, below, inherits its noise: up
to 9e-9), so any difference in the math shows. Two float32 details of the runtimes are
matched rather than changed: the Adam hyperparameters are rounded to float32 values on both
sides (Keras converts Python numbers through float32 inside its update), and the reference's
LeakyReLU slope is float32(0.2) (TF's LeakyRelu op stores its slope as a 32-bit attribute).

A bias that feeds a batch norm has no effect on any output (BN subtracts the batch mean) and
an exact gradient of zero; both implementations leave it at rounding noise, so it is checked
to stay ~0 rather than compared relatively.

`test_float32_production_path` runs three cases in float32 through the kernels train.py uses
(FusedBatchNormV3, the one-pass Adam kernel) for three iterations against the reference in
float32, with the looser tolerance that float32's rounding allows (stated there), and checks
that the tolerance still catches a wrong BN or Adam epsilon.

Found by this test: Keras 3's Adam mishandles the IndexedSlices gradient of a label map when
a class occurs twice in a batch (gan.py `_apply` now sums the slices first).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, Tuple

import keras
import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf.config import TrainConfig
from lsgan_tf.training.build import build_gan
from tests.paper_differences import reference_constants
from tests.reference.authors_iteration import (
    AuthorsIteration,
    conditional_character_networks,
    digits_networks,
    mixture_networks,
    objective_of,
)

ITERATIONS = 10
RELATIVE_TOLERANCE = 1e-6  # measured: losses <= 2.2e-13, weights <= 1.6e-8 (docs/RESULTS.md)
ZERO_GRADIENT_BOUND = 1e-9  # measured: ~1e-11
# ls.py's losses are half lsgan_tf's --reduction=sum losses; Adam divides the factor out but for
# its epsilon, which weighs 2x more against the smaller gradients: measured after 10 iterations,
# losses 4.6e-7 and weights 6.5e-6 relative (float64).
LS_PY_SCALE_TOLERANCE = 5e-5
NETWORKS = {"digits": digits_networks, "mixture": mixture_networks}


@dataclasses.dataclass
class Case:
    """One configuration of lsgan_tf and the constants of the reference run it is compared with.

    `defaults`: the reference applies lsgan-tf's listed default differences (else it is the
    authors' run as it was); `options`: the listed option rows it applies; `sizes`: test-size
    settings given to both sides alike (not constants of the papers)."""

    dataset: str
    settings: Dict[str, Any] = dataclasses.field(default_factory=dict)
    defaults: bool = True
    options: Tuple[str, ...] = ()
    family: str = "lsgan"
    batch: int = 16
    sizes: Dict[str, int] = dataclasses.field(default_factory=dict)
    loss_ratio: float = 1.0  # lsgan_tf's loss / the reference's

    def config(self, tmp_path) -> TrainConfig:
        settings = dict(self.settings, batch_size=self.batch, out_dir=str(tmp_path / "run"))
        if self.family != "lsgan":
            settings["loss"] = self.family
        if self.dataset == "hwdb":
            (tmp_path / "gnt").mkdir(exist_ok=True)
            settings.update(data_dir=str(tmp_path / "gnt"), z_dim=self.sizes["z_dim"], arch_option=(
                f"label_dim={self.sizes['label_dim']}", f"image_size={self.sizes['image_size']}",
                *settings.get("arch_option", ())))
        return TrainConfig(dataset=self.dataset, **settings).resolve()

    def reference(self, dtype: tf.DType, **breakage) -> AuthorsIteration:
        constants = {**reference_constants(self.dataset, defaults=self.defaults, options=self.options), **breakage}
        if self.dataset == "hwdb":
            constants["label_dim"] = self.sizes["label_dim"]
            networks = conditional_character_networks(constants, self.sizes["classes"], self.sizes["image_size"])
            image_shape, z_dim = (self.sizes["image_size"], self.sizes["image_size"], 1), self.sizes["z_dim"]
        else:
            networks = NETWORKS[self.dataset](constants)
            image_shape, z_dim = ((2,) if self.dataset == "mixture" else (28, 28, 1)), constants["z_dim"]
        return AuthorsIteration(networks, constants, objective_of(constants, self.family, self.batch),
                                image_shape=image_shape, z_dim=z_dim, conditional=self.dataset == "hwdb", dtype=dtype)


HWDB_SIZES = dict(z_dim=32, label_dim=16, image_size=16, classes=7)
CASES = {
    "digits_paper_k3": Case("digits"),
    "digits_authors_code": Case("digits", dict(reduction="sum", noise="uniform",
                                               arch_option=("kernel_size=5", "fc_norm=flat")), defaults=False),
    "digits_no_fc_norm": Case("digits", dict(arch_option=("d_fc_norm=false",)), options=("d_fc_norm",)),
    "digits_nsgan": Case("digits", family="nsgan"),
    "mixture_mean": Case("mixture", batch=64),
    "mixture_ls_py_scale": Case("mixture", dict(reduction="sum"), defaults=False, batch=64, loss_ratio=2.0),
    "hwdb_conditional": Case("hwdb", sizes=HWDB_SIZES),
    "hwdb_label_on_input": Case("hwdb", dict(arch_option=("label_on_input=true",)), options=("label_on_input",),
                                sizes=HWDB_SIZES),
}


def float32_hyperparameters(optimizer) -> None:
    """Rounds lr, betas and epsilon to the float32 numbers Keras' update computes with."""
    for name in ("beta_1", "beta_2", "epsilon"):
        setattr(optimizer, name, float(np.float32(getattr(optimizer, name))))
    optimizer.learning_rate = float(np.float32(float(optimizer.learning_rate)))


def replay_noise(config: TrainConfig, batch: int, iterations: int):
    """The z of each iteration: lsgan_tf's noise stream (a SeedGenerator seeded with --seed)."""
    generator = keras.random.SeedGenerator(config.seed)
    for _ in range(iterations):
        if config.noise == "uniform":
            yield np.asarray(keras.random.uniform((batch, config.z_dim), -1.0, 1.0, seed=generator))
        else:
            yield np.asarray(keras.random.normal((batch, config.z_dim), seed=generator))


def real_batches(case: Case, config: TrainConfig, iterations: int, dtype=np.float64):
    rng = np.random.default_rng(7)
    low, high = config.preset.pixel_range
    shape = (2,) if case.dataset == "mixture" else (case.sizes.get("image_size", 28),) * 2 + (1,)
    for _ in range(iterations):
        images = rng.uniform(low, high, size=(case.batch, *shape)).astype(dtype)
        labels = rng.integers(0, case.sizes["classes"], size=case.batch).astype(np.int32) if case.dataset == "hwdb" else None
        yield images, labels


def model_values(model) -> Dict[str, np.ndarray]:
    return {v.path: v.numpy() for v in model.generator.weights + model.discriminator.weights}


def load_initial(model, initial: Dict[str, np.ndarray]) -> None:
    """Gives lsgan_tf's networks the reference's initial values, by variable name and shape."""
    ours = {v.path: v for v in model.generator.weights + model.discriminator.weights}
    assert set(ours) == set(initial), f"weights on one side only: {sorted(set(ours) ^ set(initial))}"
    for name, variable in ours.items():
        assert tuple(variable.shape) == initial[name].shape, (
            f"{name}: lsgan_tf's shape {tuple(variable.shape)}, the authors' {initial[name].shape}")
        variable.assign(initial[name].astype(variable.dtype))


def stays_at_rounding_noise(reference_value, initial_value) -> bool:
    """A weight with an exact gradient of zero (a bias or label-map bias whose every unit a
    batch norm then normalises): it starts at 0 and the reference leaves it at noise level."""
    return not np.any(initial_value) and np.abs(reference_value).max() <= ZERO_GRADIENT_BOUND


def run_both(case: Case, tmp_path, iterations: int, dtype: tf.DType, **breakage):
    """(lsgan_tf's model, the reference, initial values, per-iteration loss pairs) after `iterations`."""
    config = case.config(tmp_path)
    model = build_gan(config, case.sizes.get("classes"))
    for optimizer in (model.d_optimizer, model.g_optimizer):
        float32_hyperparameters(optimizer)
    reference = case.reference(dtype, **breakage)
    initial = dict(reference.initial)
    load_initial(model, initial)
    losses = []
    batches = real_batches(case, config, iterations, dtype.as_numpy_dtype)
    for (images, labels), z in zip(batches, replay_noise(config, case.batch, iterations)):
        ours = model.train_on_batch(images, labels, return_dict=True)
        theirs = reference.step(images, z, labels)
        losses.append({key: (float(ours[key]), case.loss_ratio * theirs[key]) for key in ("d_loss", "g_loss")})
    return model, reference, initial, losses


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_ten_iterations_equal_the_authors_iteration(name, tmp_path, float64):
    case = CASES[name]
    tolerance = LS_PY_SCALE_TOLERANCE if case.loss_ratio != 1.0 else RELATIVE_TOLERANCE
    model, reference, initial, losses = run_both(case, tmp_path, ITERATIONS, tf.float64)
    for step, pair in enumerate(losses):
        for key, (ours, theirs) in pair.items():
            np.testing.assert_allclose(ours, theirs, rtol=tolerance, err_msg=f"{key} of iteration {step}")

    ours, theirs = model_values(model), reference.values()
    compared = 0
    for variable, value in theirs.items():
        if stays_at_rounding_noise(value, initial[variable]):
            assert np.abs(ours[variable]).max() <= ZERO_GRADIENT_BOUND, variable
            continue
        error = np.linalg.norm(ours[variable] - value) / max(np.linalg.norm(value), 1e-300)
        assert error <= tolerance, f"{variable}: relative error {error:.2e}"
        assert not np.array_equal(value, initial[variable]), f"{variable} did not train"
        compared += 1
    assert compared >= len(theirs) * 2 // 3


def float32_errors(case: Case, tmp_path, **breakage) -> Tuple[float, float]:
    """(largest relative loss difference, largest weight difference relative to the reference's
    update) after FLOAT32_ITERATIONS iterations in float32, the reference broken by `breakage`."""
    model, reference, initial, losses = run_both(case, tmp_path, FLOAT32_ITERATIONS, tf.float32, **breakage)
    loss_error = max(abs(ours - theirs) / abs(theirs) for pair in losses for ours, theirs in pair.values())
    ours = model_values(model)
    weight_error = max(
        np.linalg.norm(ours[name] - value) / np.linalg.norm(value - initial[name])
        for name, value in reference.values().items() if np.any(initial[name]) or "/moving_" in name
    )
    return loss_error, weight_error


FLOAT32_ITERATIONS = 3
FLOAT32_CASES = ("digits_paper_k3", "digits_nsgan", "hwdb_conditional")
# Adam's first steps are about lr * sign(gradient), so an element whose gradient sign float32
# rounding decides moves by lr in one run and not in the other (the note at the top): the runs
# agree to rounding only at first. Measured over these cases after 3 iterations: losses within
# 1.8e-4 relative (digits; 1.6e-7 NS-GAN, 1.7e-6 conditional) on a CPU without AVX-512 and
# 1.1e-3 (digits; 4.7e-7, 1.4e-6) on one with it, whose oneDNN kernels round otherwise; every
# variable within 5.1% of the reference's own update (3.3%, 1.1%), 7.2% (3.8%, 1.2%) with AVX-512.
# With an Adam epsilon of 1e-6 the same runs part by 2.2e-3 to 4.1e-2 in the losses and 20-45% of
# the update, with a BN epsilon of 1e-3 by 2.3e-2 to 0.45 and 230-380% (both CPUs): the weight
# bound separates every breakage with room, the loss bound most of them.
FLOAT32_LOSS_TOLERANCE = 2e-3
FLOAT32_WEIGHT_TOLERANCE = 0.12
BREAKAGES = {"bn_epsilon": 1e-3, "epsilon": 1e-6}  # a BN epsilon 100x, an Adam epsilon 100x the authors'


@pytest.mark.slow
@pytest.mark.parametrize("name", FLOAT32_CASES)
def test_float32_production_path(name, tmp_path):
    """train.py's float32 kernels (fused BN, one-pass Adam) against the reference in float32."""
    loss_error, weight_error = float32_errors(CASES[name], tmp_path)
    assert loss_error <= FLOAT32_LOSS_TOLERANCE and weight_error <= FLOAT32_WEIGHT_TOLERANCE, (loss_error, weight_error)


@pytest.mark.slow
@pytest.mark.parametrize("constant", sorted(BREAKAGES))
def test_float32_tolerance_catches_a_wrong_epsilon(constant, tmp_path):
    loss_error, weight_error = float32_errors(CASES["digits_paper_k3"], tmp_path, **{constant: BREAKAGES[constant]})
    assert loss_error > FLOAT32_LOSS_TOLERANCE or weight_error > FLOAT32_WEIGHT_TOLERANCE, (loss_error, weight_error)
