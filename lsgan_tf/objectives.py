"""The loss families, one registry entry each: what D and G minimise, the gradient penalty and
its weight, D updates per G update, and the optimizer settings the family trains with.

The maths lives in `losses.py` and `penalties.py` as pure functions of D's scores; an
`Objective` adapts them to one calling convention, so that `GAN.train_step` never asks which
family it runs, and `TrainConfig.resolve` fills a run's settings from the entry:

    discriminator_loss(real_scores, fake_scores, coding, reduction) -> scalar
    generator_loss(fake_scores, coding, reduction) -> scalar
    penalty(critic, real, fake, c, seed) -> scalar (unweighted)

A new family is one `register` call (docs/DESIGN.md shows a hinge-loss example).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, Mapping, Optional

from lsgan_tf import losses, penalties, presets

# The batch over which the authors' LSGAN-GP weight (lambda = 150) balances half-sum LS terms;
# against mean-reduced terms the same balance is 150 / 64.
PAPER_BATCH_SIZE = 64
# Adam(1e-4, 0.5, 0.9): TPAMI 4.3.2's LSGAN-GP settings, as in the WGAN-GP paper.
GRADIENT_PENALTY_ADAM = {"lr": 1e-4, "beta_1": 0.5, "beta_2": 0.9}


@dataclasses.dataclass(frozen=True)
class Objective:
    """One loss family and the training settings that come with it."""

    name: str
    discriminator_loss: Callable[..., Any]
    generator_loss: Callable[..., Any]
    least_squares: bool = False  # takes the a-b-c coding, and a "sum" reduction sums over the batch
    penalty: Optional[Callable[..., Any]] = None
    penalty_weights: Mapping[str, float] = dataclasses.field(default_factory=dict)  # by reduction
    critic_steps: int = 1
    optimizer: Mapping[str, float] = dataclasses.field(default_factory=dict)  # preset fields it overrides

    def default_penalty_weight(self, reduction: str = "mean") -> float:
        """The paper's penalty weight under `reduction` (0 for a family without a penalty)."""
        return float(self.penalty_weights.get(reduction, 0.0))

    def sums_over_batch(self, reduction: str) -> bool:
        """Whether the adversarial terms are batch sums (LS terms with reduction "sum"), which a
        replica's gradient must not divide by the number of replicas."""
        return self.least_squares and reduction == "sum"

    def adjust_preset(self, preset: presets.Preset) -> presets.Preset:
        """The dataset's preset with this family's optimizer settings and D steps (a preset with a
        G learning rate of its own gets the family's rate for G too)."""
        overrides: Dict[str, Any] = dict(self.optimizer)
        if self.critic_steps != 1:
            overrides["d_steps"] = self.critic_steps
        if "lr" in overrides and preset.g_lr is not None:
            overrides["g_lr"] = overrides["lr"]
        return dataclasses.replace(preset, **overrides)


def _least_squares_discriminator(real_scores, fake_scores, coding, reduction):
    return losses.least_squares_discriminator_loss(real_scores, fake_scores, coding, reduction)


def _least_squares_generator(fake_scores, coding, reduction):
    return losses.least_squares_generator_loss(fake_scores, coding, reduction)


def _ns_discriminator(real_scores, fake_scores, coding, reduction):
    return losses.ns_discriminator_loss(real_scores, fake_scores)


def _ns_generator(fake_scores, coding, reduction):
    return losses.ns_generator_loss(fake_scores)


def _wasserstein_discriminator(real_scores, fake_scores, coding, reduction):
    return losses.wasserstein_discriminator_loss(real_scores, fake_scores)


def _wasserstein_generator(fake_scores, coding, reduction):
    return losses.wasserstein_generator_loss(fake_scores)


def _dragan_penalty(critic, real, fake, c, seed):
    return penalties.dragan_penalty(critic, real, c=c, seed=seed)


def _wgan_gp_penalty(critic, real, fake, c, seed):
    return penalties.wgan_gp_penalty(critic, real, fake, seed=seed)


OBJECTIVES: Dict[str, Objective] = {}


def register(objective: Objective) -> Objective:
    """Adds a loss family to the registry (`--loss=NAME` then trains it)."""
    if objective.name in OBJECTIVES:
        raise ValueError(f"A loss family named {objective.name!r} is registered already.")
    OBJECTIVES[objective.name] = objective
    return objective


def get(name: str) -> Objective:
    """The registered family `name`, or a ValueError listing the registered ones."""
    if name not in OBJECTIVES:
        raise ValueError(f"Unknown loss family {name!r}; expected one of {sorted(OBJECTIVES)}.")
    return OBJECTIVES[name]


# LSGAN (ICCV Eq. 2; TPAMI Eq. 13/14 codings).
register(Objective("lsgan", _least_squares_discriminator, _least_squares_generator, least_squares=True))
# The regular GAN with the non-saturating G loss, the papers' baseline.
register(Objective("nsgan", _ns_discriminator, _ns_generator))
# LSGAN-GP (TPAMI 4.3.2): LSGAN plus the DRAGAN-style penalty, lambda = 150 on half-sum terms.
register(Objective(
    "lsgan_gp", _least_squares_discriminator, _least_squares_generator, least_squares=True,
    penalty=_dragan_penalty, penalty_weights={"sum": 150.0, "mean": 150.0 / PAPER_BATCH_SIZE},
    optimizer=GRADIENT_PENALTY_ADAM,
))
# WGAN-GP (Gulrajani et al.): lambda = 10, five critic updates per G update.
register(Objective(
    "wgan_gp", _wasserstein_discriminator, _wasserstein_generator,
    penalty=_wgan_gp_penalty, penalty_weights={"sum": 10.0, "mean": 10.0},
    critic_steps=5, optimizer=GRADIENT_PENALTY_ADAM,
))
