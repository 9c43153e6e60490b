"""The loss-family registry: each entry routes to the paper's functions with the run's coding and
reduction, carries the paper's penalty weight, D steps and Adam settings into the resolved
config, and a family registered from outside trains with no other change."""

import keras
import numpy as np
import pytest
from keras import ops

from lsgan_tf import architectures, losses, objectives, penalties, presets
from lsgan_tf.config import TrainConfig
from lsgan_tf.data.mixture import mixture_dataset
from lsgan_tf.gan import GAN

REAL = np.array([[0.9], [0.2], [-0.4], [1.3]], np.float32)
FAKE = np.array([[-0.7], [0.1], [0.5], [-1.2]], np.float32)


@pytest.mark.parametrize("coding", ["-110", "011"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_least_squares_families_pass_the_coding_and_reduction(coding, reduction):
    for name in ("lsgan", "lsgan_gp"):
        objective = objectives.get(name)
        assert float(objective.discriminator_loss(REAL, FAKE, coding, reduction)) == pytest.approx(
            float(losses.least_squares_discriminator_loss(REAL, FAKE, coding, reduction)))
        assert float(objective.generator_loss(FAKE, coding, reduction)) == pytest.approx(
            float(losses.least_squares_generator_loss(FAKE, coding, reduction)))
        assert objective.sums_over_batch(reduction) == (reduction == "sum")


def test_other_families_route_to_their_own_losses():
    nsgan, wgan = objectives.get("nsgan"), objectives.get("wgan_gp")
    assert float(nsgan.discriminator_loss(REAL, FAKE, "-110", "sum")) == pytest.approx(
        float(losses.ns_discriminator_loss(REAL, FAKE)))
    assert float(nsgan.generator_loss(FAKE, "-110", "sum")) == pytest.approx(float(losses.ns_generator_loss(FAKE)))
    assert float(wgan.discriminator_loss(REAL, FAKE, "-110", "mean")) == pytest.approx(float(FAKE.mean() - REAL.mean()))
    assert float(wgan.generator_loss(FAKE, "-110", "mean")) == pytest.approx(float(-FAKE.mean()))
    assert not nsgan.sums_over_batch("sum") and not wgan.sums_over_batch("sum")


def test_penalties_are_the_papers():
    critic = lambda x: ops.sum(x * x, axis=1)  # grad = 2x: the penalty has a closed form
    real = np.array([[0.3, -0.1], [0.2, 0.4]], np.float32)
    for name, direct in (("lsgan_gp", lambda: penalties.dragan_penalty(critic, real, c=2.0, seed=5)),
                         ("wgan_gp", lambda: penalties.wgan_gp_penalty(critic, real, -real, seed=5))):
        penalty = objectives.get(name).penalty(critic, real, -real, c=2.0, seed=5)
        assert float(penalty) == pytest.approx(float(direct()))
    assert objectives.get("lsgan").penalty is None and objectives.get("nsgan").penalty is None


def test_family_settings_reach_the_resolved_config():
    """TPAMI 4.3.2: LSGAN-GP trains with Adam(1e-4, 0.5, 0.9) and lambda = 150 on half-sum terms
    (150/64 on means); WGAN-GP with lambda = 10 and five D updates; the others keep the preset's."""
    digits = presets.get("digits")
    gp = TrainConfig(dataset="digits", loss="lsgan_gp").resolve(data_needed=False)
    assert (gp.lr, gp.g_lr, gp.beta_1, gp.beta_2, gp.d_steps) == (1e-4, 1e-4, 0.5, 0.9, 1)
    assert gp.gp_weight == pytest.approx(150.0 / 64)
    assert TrainConfig(dataset="digits", loss="lsgan_gp", reduction="sum").resolve().gp_weight == 150.0
    wgan = TrainConfig(dataset="digits", loss="wgan_gp").resolve()
    assert (wgan.lr, wgan.beta_2, wgan.d_steps, wgan.gp_weight) == (1e-4, 0.9, 5, 10.0)
    plain = TrainConfig(dataset="digits", loss="nsgan").resolve()
    assert (plain.lr, plain.beta_2, plain.d_steps, plain.gp_weight) == (digits.lr, digits.beta_2, 1, 0.0)
    assert TrainConfig(dataset="digits", loss="wgan_gp", gp_weight=3.0).resolve().gp_weight == 3.0
    # A preset with a G rate of its own (the mixture) gets the family's rate for G too.
    assert TrainConfig(dataset="mixture", loss="lsgan_gp").resolve().g_lr == 1e-4


@pytest.fixture
def hinge():
    """A hinge-loss family registered for one test (the docs/DESIGN.md example)."""
    objective = objectives.register(objectives.Objective(
        name="hinge",
        discriminator_loss=lambda real, fake, coding, reduction: (
            ops.mean(ops.relu(1.0 - real)) + ops.mean(ops.relu(1.0 + fake))),
        generator_loss=lambda fake, coding, reduction: -ops.mean(fake),
    ))
    yield objective
    del objectives.OBJECTIVES["hinge"]


def test_a_registered_family_trains_without_other_changes(hinge):
    assert TrainConfig(dataset="mixture", loss="hinge").resolve().gp_weight == 0.0
    with pytest.raises(ValueError, match="registered already"):
        objectives.register(hinge)
    keras.utils.set_random_seed(0)
    generator, discriminator = architectures.build("mixture", z_dim=8)
    model = GAN(generator, discriminator, seed=0)
    model.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-3), objective="hinge")
    history = model.fit(mixture_dataset(64, seed=0).take(2), epochs=1, verbose=0, shuffle=False).history
    d_loss = history["d_loss"][-1]
    assert np.isfinite(d_loss) and 0.0 < d_loss < 4.0 and history["gp"][-1] == 0.0


def test_unknown_families_are_named():
    with pytest.raises(ValueError, match="lsgan.*nsgan"):
        objectives.get("hinge")
