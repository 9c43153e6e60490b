"""A damaged newest checkpoint is moved aside and the next older one resumes the run exactly;
no readable checkpoint, or one of another model, is a clear error."""

import os

import numpy as np
import pytest

from lsgan_tf.config import TrainConfig
from lsgan_tf.errors import CheckpointError
from lsgan_tf.training.loop import train


def run(out_dir, steps, lines=None, **extra):
    config = TrainConfig(dataset="mixture", steps=steps, batch_size=16, out_dir=str(out_dir), log_every=2,
                         sample_every=2, checkpoint_every=2, keep_checkpoints=5, **extra)
    return train(config, log=(lines.append if lines is not None else (lambda line: None)))


def truncate_data(checkpoint_dir, step):
    path = os.path.join(checkpoint_dir, f"ckpt-{step}.data-00000-of-00001")
    size = os.path.getsize(path)
    with open(path, "r+b") as handle:
        handle.truncate(size // 2)
    return path


def weights(result):
    model = result["model"]
    return [w.numpy() for w in model.generator.weights + model.discriminator.weights]


@pytest.mark.slow
def test_a_truncated_newest_checkpoint_falls_back_to_the_older_one(tmp_path):
    reference = run(tmp_path / "reference", 6)
    run(tmp_path / "run", 4)  # ckpt-2, ckpt-4 (named by step)
    checkpoints = tmp_path / "run" / "checkpoints"
    truncate_data(checkpoints, 4)
    lines = []
    resumed = run(tmp_path / "run", 6, lines)
    warning = next(line for line in lines if line.startswith("warning:"))
    assert "ckpt-4 cannot be read" in warning and "corrupt" in warning
    assert "resumed from step 2" in lines and resumed["step"] == 6
    assert sorted(os.listdir(checkpoints / "corrupt")) == ["ckpt-4.data-00000-of-00001", "ckpt-4.index"]
    for a, b in zip(weights(reference), weights(resumed)):
        np.testing.assert_array_equal(a, b)  # the resume from the older checkpoint is exact


@pytest.mark.slow
def test_no_readable_checkpoint_or_another_model_is_an_error(tmp_path):
    run(tmp_path / "run", 4)
    checkpoints = tmp_path / "run" / "checkpoints"
    for step in (2, 4):
        truncate_data(checkpoints, step)
    with pytest.raises(CheckpointError, match="no checkpoint in .* can be read"):
        run(tmp_path / "run", 6)
    run(tmp_path / "other", 2)
    (tmp_path / "other" / "config.json").unlink()  # else the settings check (z_dim differs) stops it first
    with pytest.raises(CheckpointError, match="does not fit the model"):
        run(tmp_path / "other", 4, z_dim=8)


@pytest.mark.slow
def test_export_and_evaluate_restore_the_newest_readable_checkpoint(tmp_path):
    from lsgan_tf.errors import RunError
    from lsgan_tf.training.build import restore_model

    run(tmp_path / "run", 4)
    truncate_data(tmp_path / "run" / "checkpoints", 4)
    model, _, _ = restore_model(str(tmp_path / "run"))
    assert int(model.g_optimizer.iterations.numpy()) == 2
    with pytest.raises(RunError, match="cannot restore"):
        restore_model(str(tmp_path / "run"), str(tmp_path / "run" / "checkpoints" / "corrupt" / "ckpt-4"))
