"""The vectorised mixture trainer: K seeds trained together equal each seed trained alone."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from experiments.study_lib.mixture_ensemble import MixtureEnsemble, sample_real
from lsgan_tf import architectures
from lsgan_tf.gan import GAN

SEEDS = (3, 7, 11)
BATCH = 64
STEPS = 5


def train_alone(seed, loss, real_batches):
    """The reference: the GAN model with ls.py's settings, its own noise stream."""
    keras.utils.set_random_seed(seed)
    generator, discriminator = architectures.build("mixture")
    model = GAN(generator, discriminator, seed=seed)
    model.compile(keras.optimizers.Adam(1e-4, beta_1=0.5, epsilon=1e-8), keras.optimizers.Adam(1e-3, beta_1=0.5, epsilon=1e-8),
                  objective=loss, coding="011", simultaneous_updates=True)
    model.fit(tf.data.Dataset.from_tensor_slices(real_batches), epochs=1, verbose=0, shuffle=False)
    return model


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["lsgan", "nsgan"])
def test_seeds_trained_together_equal_seeds_trained_alone(loss):
    real = sample_real(np.random.default_rng(0), len(SEEDS), BATCH * STEPS).reshape(len(SEEDS), STEPS, BATCH, 2)
    ensemble = MixtureEnsemble(SEEDS, loss=loss, batch_size=BATCH)
    # Replay each GAN's noise stream: a fresh SeedGenerator with the same seed.
    generators = [keras.random.SeedGenerator(seed) for seed in SEEDS]
    for step in range(STEPS):
        z = np.stack([keras.random.normal((BATCH, 256), seed=g).numpy() for g in generators])
        ensemble.train_step(real[:, step], z)
    for k, seed in enumerate(SEEDS):
        alone = train_alone(seed, loss, real[k])
        for stacked, weight in zip(ensemble.g_weights + ensemble.d_weights,
                                   alone.generator.weights + alone.discriminator.weights):
            np.testing.assert_allclose(stacked.numpy()[k], weight.numpy(), atol=2e-5)
    # And the seeds did diverge from each other (no accidental sharing).
    assert not np.allclose(ensemble.g_weights[0].numpy()[0], ensemble.g_weights[0].numpy()[1])


def test_ensemble_evaluation_reports_each_seed():
    ensemble = MixtureEnsemble((0, 1), batch_size=32)
    stats = ensemble.evaluate(num_samples=500)
    assert len(stats) == 2 and {"modes_covered", "high_quality_fraction", "collapsed"} <= set(stats[0])


@pytest.mark.slow
@pytest.mark.full
def test_study_keeps_its_samples_and_rescores_them(tmp_path):
    """The study saves every evaluated step's samples; --rescore scores them again without
    training and gives the same table; both grids (histogram, kernel density) are written."""
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT, subprocess_env

    command = [sys.executable, f"{ROOT}/experiments/mixture_study.py", "--seeds=2", "--steps=20", "--eval_every=10",
               "--speed_steps=0", "--losses=lsgan", f"--out={tmp_path}"]
    subprocess.run(command, check=True, capture_output=True, env=subprocess_env(), timeout=600)
    trained = json.loads((tmp_path / "results.json").read_text())["losses"]["lsgan"]
    with np.load(tmp_path / "samples_lsgan.npz") as saved:
        assert sorted(saved.files) == ["step_10", "step_20"] and saved["step_20"].shape == (2, 2500, 2)
    for name in ("samples_lsgan.png", "density_lsgan.png"):
        (tmp_path / name).unlink()
    subprocess.run(command + ["--rescore"], check=True, capture_output=True, env=subprocess_env(), timeout=600)
    rescored = json.loads((tmp_path / "results.json").read_text())["losses"]["lsgan"]
    assert rescored["history"] == trained["history"] and "sites" in rescored["history"][0]["per_seed"][0]
    assert (tmp_path / "density_lsgan.png").stat().st_size > 1000 and (tmp_path / "samples_lsgan.png").exists()
    assert "concentrated" in (tmp_path / "table.md").read_text()
