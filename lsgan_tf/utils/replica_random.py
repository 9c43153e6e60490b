"""Random draws under tf.distribute that match one device drawing for the global batch."""

from __future__ import annotations

from typing import Callable, Sequence

import tensorflow as tf


def replica_share_of_global_draw(draw: Callable[[tuple], tf.Tensor], shape: Sequence) -> tf.Tensor:
    """`draw(shape)` for this replica's rows of the global batch.

    Under tf.distribute every replica draws the numbers of the whole global batch (shape[0] rows
    per replica) from the same seed stream and keeps its own rows, so N replicas use exactly
    the random numbers one device would draw for the global batch, and never the same numbers
    on two replicas. Outside a strategy (or with one replica) it is `draw(shape)`.
    """
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    if replicas == 1:
        return draw(tuple(shape))
    rows = shape[0]
    values = draw((rows * replicas,) + tuple(shape[1:]))
    return values[context.replica_id_in_sync_group * rows:][:rows]
