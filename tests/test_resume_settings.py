"""Re-running into a run directory: model settings must match the stored config.json (a diff
otherwise); other settings may change and are kept in its history; the default run directory
is per dataset and loss."""

import json

import pytest

from lsgan_tf.config import ConfigError
from lsgan_tf.training import TrainConfig, train


def run(out_dir, **settings):
    config = TrainConfig(**{"dataset": "mixture", "steps": 2, "batch_size": 16, "out_dir": str(out_dir),
                            "log_every": 2, "sample_every": 2, "checkpoint_every": 2, **settings})
    lines = []
    return train(config, log=lines.append), lines


def test_a_different_loss_or_coding_is_refused_with_a_diff(tmp_path):
    run(tmp_path)
    before = (tmp_path / "config.json").read_text()
    with pytest.raises(ConfigError, match=r"--loss: the run has 'lsgan', the command gives 'nsgan'"):
        run(tmp_path, loss="nsgan", steps=4)
    with pytest.raises(ConfigError, match=r"--coding: the run has '011'.*--z_dim: the run has 256, the command gives 8"):
        run(tmp_path, coding="-110", z_dim=8, steps=4)
    assert (tmp_path / "config.json").read_text() == before  # nothing overwritten


def test_changeable_settings_are_applied_and_kept_in_the_history(tmp_path):
    run(tmp_path)
    result, lines = run(tmp_path, steps=4, lr=5e-5)
    assert result["step"] == 4 and any("lr 0.0001 -> 5e-05" in line for line in lines)
    record = json.loads((tmp_path / "config.json").read_text())
    assert record["lr"] == 5e-5 and record["steps"] == 4
    assert [start["changed"] for start in record["history"]] == [{}, {"steps": [2, 4], "lr": [0.0001, 5e-05], "g_lr": [0.001, 5e-05]}]


def test_the_default_run_directory_is_per_dataset_and_loss():
    assert TrainConfig(dataset="mixture").resolve().out_dir == "runs/mixture-lsgan"
    assert TrainConfig(dataset="digits", loss="nsgan").resolve().out_dir == "runs/digits-nsgan"
    assert TrainConfig(dataset="mixture", out_dir="elsewhere").resolve().out_dir == "elsewhere"


def test_a_given_lr_wins_over_the_mixture_preset_for_both_networks():
    """--lr given sets G's rate too, even when it equals the preset's D rate (1e-4); the
    mixture's own G rate (1e-3) applies only when no rate is given."""
    from lsgan_tf.training import build_gan, learning_rates

    assert learning_rates(TrainConfig(dataset="mixture", lr=1e-4).resolve()) == (1e-4, 1e-4)
    assert learning_rates(TrainConfig(dataset="mixture").resolve()) == (1e-4, 1e-3)
    assert learning_rates(TrainConfig(dataset="mixture", lr=3e-4, g_lr=2e-3).resolve()) == (3e-4, 2e-3)
    model = build_gan(TrainConfig(dataset="mixture", lr=1e-4).resolve())
    assert float(model.g_optimizer.learning_rate) == pytest.approx(1e-4)
