"""TF-GAN 2.1.0 modules loaded by file path, without the package `__init__` (which does not
import on TensorFlow >= 2.16). Used only as an independent reference in tests."""

import functools
import importlib.util
import os
import sys
import types

import pytest


@functools.lru_cache(maxsize=1)
def _package_root() -> str:
    """The installed package's folder, found without executing its __init__."""
    spec = importlib.util.find_spec("tensorflow_gan")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("tensorflow-gan is not installed (pip install --no-deps -r requirements-oracle.txt)")
    return list(spec.submodule_search_locations)[0]


def _ensure_stub_package(name: str, path: str) -> None:
    if name not in sys.modules:
        module = types.ModuleType(name)
        module.__path__ = [path]
        sys.modules[name] = module


def load(dotted: str):
    """Loads `tensorflow_gan.<dotted>` (e.g. "python.losses.losses_impl") from its file."""
    root = _package_root()
    full_name = f"tensorflow_gan.{dotted}"
    if full_name in sys.modules:
        return sys.modules[full_name]
    parts = full_name.split(".")
    for depth in range(1, len(parts)):
        package = ".".join(parts[:depth])
        _ensure_stub_package(package, os.path.join(root, *parts[1:depth]))
    if dotted == "python.losses.losses_impl":
        load("python.contrib_utils")
    elif dotted == "python.eval.classifier_metrics":
        load("python.eval.eval_utils")
        _stub_tensorflow_probability()
    path = os.path.join(root, *parts[1:]) + ".py"
    spec = importlib.util.spec_from_file_location(full_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[full_name] = module
    spec.loader.exec_module(module)
    return module


def _stub_tensorflow_probability() -> None:
    """classifier_metrics imports tensorflow_probability only for tfp.stats.covariance (in the
    Frechet distance); TFP 0.25 needs tf_keras, so this stands in with the same definition:
    the biased sample covariance (divided by N)."""
    if "tensorflow_probability" in sys.modules:
        return
    import tensorflow as tf

    def covariance(x):
        x = tf.convert_to_tensor(x)
        centred = x - tf.reduce_mean(x, axis=0, keepdims=True)
        return tf.matmul(centred, centred, transpose_a=True) / tf.cast(tf.shape(x)[0], x.dtype)

    module = types.ModuleType("tensorflow_probability")
    module.stats = types.SimpleNamespace(covariance=covariance)
    sys.modules["tensorflow_probability"] = module
