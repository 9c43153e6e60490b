"""GAN objectives: least squares (LSGAN), non-saturating (NS-GAN) and Wasserstein.

Every function takes the discriminator's raw outputs (scores or logits, no sigmoid applied)
and returns a scalar. Equation numbers refer to Mao et al., "On the Effectiveness of Least
Squares Generative Adversarial Networks" (TPAMI); docs/PAPERS.md §1 has the details.

The gradient penalties (`dragan_penalty`, `wgan_gp_penalty`) live in
`lsgan_tf.penalties` and are re-exported here so the whole objective is one import.
"""

from __future__ import annotations

from typing import Sequence, Tuple, Union

import keras
from keras import ops

from lsgan_tf.penalties import dragan_penalty, wgan_gp_penalty

__all__ = [
    "CODINGS",
    "REDUCTIONS",
    "resolve_coding",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "ns_discriminator_loss",
    "ns_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
    "dragan_penalty",
    "wgan_gp_penalty",
]

Coding = Union[str, Sequence[float]]

# a-b-c coding: a = target for fake data in D's loss, b = target for real data,
# c = the value G wants D to output for fake data.
CODINGS = {
    "-110": (-1.0, 1.0, 0.0),  # Eq. 13: Pearson chi^2 (b - c = 1, b - a = 2); TPAMI default.
    "011": (0.0, 1.0, 1.0),  # Eq. 14 (ICCV Eq. 9): least squares classification labels.
}

# "mean": the paper's expectation, 1/2 E[(D - t)^2].
# "sum": the authors' code, tf.nn.l2_loss = 1/2 sum over the batch.
REDUCTIONS = ("mean", "sum")


def resolve_coding(coding: Coding) -> Tuple[float, float, float]:
    """Returns the (a, b, c) targets for a coding name ("-110", "011") or an explicit triple."""
    if isinstance(coding, str):
        if coding not in CODINGS:
            raise ValueError(
                f"Unknown LSGAN coding {coding!r}; valid codings are "
                f"{sorted(CODINGS)} or an explicit (a, b, c) tuple of floats."
            )
        return CODINGS[coding]
    values = tuple(coding)
    if len(values) != 3:
        raise ValueError(
            f"An explicit LSGAN coding must be an (a, b, c) triple, got {coding!r}; "
            f"named codings are {sorted(CODINGS)}."
        )
    return tuple(float(v) for v in values)


def _loss_precision(scores):
    """Scores as float32, or float64 when they already are: losses of reduced-precision
    (mixed-precision) networks are computed in float32, never in less than the scores' own."""
    scores = ops.convert_to_tensor(scores)
    return scores if keras.backend.standardize_dtype(scores.dtype) == "float64" else ops.cast(scores, "float32")


def _half_squared_error(scores, target: float, reduction: str):
    """1/2 * reduce((scores - target)^2) with reduce = mean or sum over every element."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"Unknown reduction {reduction!r}; valid reductions are {list(REDUCTIONS)}.")
    squared = ops.square(_loss_precision(scores) - target)
    reduced = ops.mean(squared) if reduction == "mean" else ops.sum(squared)
    return 0.5 * reduced


def least_squares_discriminator_loss(
    real_scores, fake_scores, coding: Coding = "-110", reduction: str = "mean"
):
    """LSGAN discriminator objective (Eq. 2 of the ICCV paper, Eq. 13/14 codings).

    1/2 E_x[(D(x) - b)^2] + 1/2 E_z[(D(G(z)) - a)^2].
    """
    a, b, _ = resolve_coding(coding)
    return _half_squared_error(real_scores, b, reduction) + _half_squared_error(
        fake_scores, a, reduction
    )


def least_squares_generator_loss(fake_scores, coding: Coding = "-110", reduction: str = "mean"):
    """LSGAN generator objective: 1/2 E_z[(D(G(z)) - c)^2]."""
    _, _, c = resolve_coding(coding)
    return _half_squared_error(fake_scores, c, reduction)


def _sigmoid_cross_entropy(logits, label: float):
    """Mean sigmoid cross-entropy of logits against a constant label, computed stably."""
    logits = _loss_precision(logits)
    labels = ops.full_like(logits, label)
    return ops.mean(ops.binary_crossentropy(labels, logits, from_logits=True))


def ns_discriminator_loss(real_logits, fake_logits):
    """Regular GAN discriminator: sigmoid cross-entropy, real -> 1, fake -> 0 (no label smoothing)."""
    return _sigmoid_cross_entropy(real_logits, 1.0) + _sigmoid_cross_entropy(fake_logits, 0.0)


def ns_generator_loss(fake_logits):
    """Non-saturating generator loss: E_z[-log sigmoid(D(G(z)))]."""
    return _sigmoid_cross_entropy(fake_logits, 1.0)


def wasserstein_discriminator_loss(real_scores, fake_scores):
    """WGAN critic loss without the penalty: E[D(fake)] - E[D(real)]."""
    return ops.mean(_loss_precision(fake_scores)) - ops.mean(_loss_precision(real_scores))


def wasserstein_generator_loss(fake_scores):
    """WGAN generator loss: -E[D(fake)]."""
    return -ops.mean(_loss_precision(fake_scores))
