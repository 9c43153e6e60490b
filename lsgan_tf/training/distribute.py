"""tf.distribute strategies for --strategy=default|mirrored|multi_worker.

- mirrored: `MirroredStrategy` over every local GPU (or the logical CPU devices a test sets up).
- multi_worker: `MultiWorkerMirroredStrategy` configured by the TF_CONFIG environment variable;
  Keras' `fit` shards the input per worker. Every worker writes checkpoints (a collective
  operation); only the chief's land in the run directory.

Batch norm in D follows the papers' separate calls on the real and the fake batch; under a
strategy each replica normalises its own sub-batch of reals and of fakes, unless the run
uses --sync_bn (Keras `synchronized=True`: statistics over the global batch, one extra
all-reduce per BN layer).
"""

from __future__ import annotations

import json
import os

import tensorflow as tf

from lsgan_tf.errors import ConfigError


def make_strategy(name: str) -> tf.distribute.Strategy:
    """The strategy for a --strategy value."""
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise ConfigError("--strategy=multi_worker needs the TF_CONFIG environment variable (cluster and task).")
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def worker_is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes the run directory (always, except non-chief multi-workers)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not os.environ.get("TF_CONFIG"):
        return True
    task = json.loads(os.environ["TF_CONFIG"]).get("task", {})
    cluster = json.loads(os.environ["TF_CONFIG"]).get("cluster", {})
    if "chief" in cluster:
        return task.get("type") == "chief"
    return task.get("type") == "worker" and task.get("index", 0) == 0
