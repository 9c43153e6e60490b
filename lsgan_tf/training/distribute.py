"""tf.distribute strategies for --strategy=default|mirrored|multi_worker.

- mirrored: `MirroredStrategy` over every local GPU (or the logical CPU devices a test sets up),
  with an explicit all-reduce (`mirrored_strategy`).
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
from typing import Optional, Sequence

import tensorflow as tf

from lsgan_tf.errors import ConfigError


def mirrored_strategy(devices: Optional[Sequence[str]] = None) -> tf.distribute.MirroredStrategy:
    """MirroredStrategy over `devices` (default: every local GPU, else the CPU) that sums gradients
    with NCCL (NcclAllReduce) when every device is a GPU and by ReductionToOneDevice otherwise.
    TensorFlow's default all-reduce, its collective ops, numbers the collectives of every new
    strategy from the same keys, so a second strategy in one process that reduces tensors of
    other shapes or dtypes fails ("Shape mismatch in the collective instance 100",
    tensorflow/tensorflow#62790: a notebook training two models, a study of several runs); these
    two keep no keys across strategies."""
    if devices is None:
        devices = [device.name for device in tf.config.list_logical_devices("GPU")] or None
    on_gpus = bool(devices) and all("gpu" in device.lower() for device in devices)
    reduce = tf.distribute.NcclAllReduce() if on_gpus else tf.distribute.ReductionToOneDevice()
    return tf.distribute.MirroredStrategy(devices, cross_device_ops=reduce)


def make_strategy(name: str) -> tf.distribute.Strategy:
    """The strategy for a --strategy value."""
    if name == "mirrored":
        return mirrored_strategy()
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
