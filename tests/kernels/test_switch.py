"""--kernels=fast|keras: both build the same variables and train the same iteration (to float32
rounding), a checkpoint of one restores under the other, and the Keras internals the fast
kernels read are there (when a Keras release drops one, this test names it and the layers fall
back to Keras' own path)."""

import numpy as np
import pytest

from lsgan_tf import kernels
from lsgan_tf.config import TrainConfig
from lsgan_tf.kernels.adam import FusedAdam
from lsgan_tf.kernels.batch_norm import BatchNorm
from lsgan_tf.kernels.conv import FastConv2D, FastConv2DTranspose
from lsgan_tf.training.build import build_gan


def test_the_keras_internals_the_fast_kernels_read_are_there():
    assert kernels.missing_internals() == ()


def test_without_an_internal_the_fast_layers_take_keras_path(monkeypatch, capsys):
    """As a Keras release without `_reduction_axes` would make it: the fused batch norm and Adam
    leave their own paths and compute Keras' (equal outputs and updates), and nothing breaks."""
    import keras

    from lsgan_tf.kernels import internals

    monkeypatch.setattr(internals, "missing_internals", lambda: ("keras.layers.BatchNormalization._reduction_axes",))
    internals.fast_path_available.cache_clear()
    try:
        assert not kernels.fast_path_available() and not kernels.fast_path_available()
        said = capsys.readouterr().err.splitlines()  # one line a process, naming what is missing
        assert len(said) == 1 and "BatchNormalization._reduction_axes" in said[0] and "Keras' own path" in said[0]
        x = np.random.default_rng(0).standard_normal((4, 3, 3, 2)).astype(np.float32)
        ours, theirs = BatchNorm(), keras.layers.BatchNormalization()
        ours.build(x.shape), theirs.build(x.shape)
        assert not ours._own_path_applies(x, True, None)
        np.testing.assert_allclose(ours(x, training=True), theirs(x, training=True), atol=1e-6)
        variable, gradient = keras.Variable(np.ones(3, np.float32)), np.array([0.1, -0.2, 0.3], np.float32)
        reference = keras.Variable(np.ones(3, np.float32))
        FusedAdam(1e-2).apply([gradient], [variable])
        keras.optimizers.Adam(1e-2).apply([gradient], [reference])
        np.testing.assert_allclose(variable.numpy(), reference.numpy(), atol=1e-7)
    finally:
        internals.fast_path_available.cache_clear()


def layer_types(model):
    return sorted({type(layer).__name__ for net in (model.generator, model.discriminator) for layer in net.layers})


@pytest.mark.parametrize("dataset", ["digits", "lsun64"])
def test_each_setting_builds_its_layers_and_the_same_variables(dataset):
    fast = build_gan(TrainConfig(dataset=dataset, data_dir="/", z_dim=8).resolve(data_needed=False))
    plain = build_gan(TrainConfig(dataset=dataset, data_dir="/", z_dim=8, kernels="keras").resolve(data_needed=False))
    assert {"FastConv2D", "FastConv2DTranspose", "BatchNorm"} <= set(layer_types(fast))
    assert not {"FastConv2D", "FastConv2DTranspose", "BatchNorm"} & set(layer_types(plain))
    assert isinstance(fast.d_optimizer, FusedAdam) and not isinstance(plain.d_optimizer, FusedAdam)
    for a, b in zip(fast.generator.weights + fast.discriminator.weights,
                    plain.generator.weights + plain.discriminator.weights):
        assert a.path == b.path and a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())  # the same seed, the same initial weights


@pytest.mark.slow
def test_both_settings_train_the_same_iteration_and_share_checkpoints(tmp_path):
    """Two iterations with either setting from the same weights: every variable within the
    float32 bound of the authors'-iteration test, 12% of its own update (Adam's first steps are
    lr * sign(gradient), and float32 rounding decides the sign of near-zero gradients: the note
    in tests/test_authors_iteration.py). Variables initialised to zero (the biases) are left out
    there and here for that reason."""
    from lsgan_tf.training.loop import train
    from tests.test_authors_iteration import FLOAT32_WEIGHT_TOLERANCE

    settings = dict(dataset="digits", steps=2, batch_size=8, z_dim=8, sample_every=2, checkpoint_every=2, log_every=2)
    initial = build_gan(TrainConfig(**settings).resolve())
    runs = {name: train(TrainConfig(kernels=name, out_dir=str(tmp_path / name), **settings), log=lambda line: None)
            for name in ("fast", "keras")}
    fast, plain = (runs[name]["model"] for name in ("fast", "keras"))
    weights = [net.weights for model in (initial, fast, plain) for net in (model.generator, model.discriminator)]
    for start, a, b in zip(weights[0] + weights[1], weights[2] + weights[3], weights[4] + weights[5]):
        if np.any(start.numpy()) or "moving" in a.path:
            update = np.linalg.norm(b.numpy() - start.numpy())
            assert np.linalg.norm(a.numpy() - b.numpy()) <= FLOAT32_WEIGHT_TOLERANCE * update, a.path
    # a run trained with the fast kernels resumes with Keras' own (a fallback never strands a run)
    resumed = train(TrainConfig(kernels="keras", out_dir=str(tmp_path / "fast"), **{**settings, "steps": 3}),
                    log=lambda line: None)
    assert resumed["step"] == 3
    assert not any(isinstance(layer, (FastConv2D, FastConv2DTranspose)) for layer in resumed["model"].generator.layers)
