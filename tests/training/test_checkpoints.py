"""A damaged newest checkpoint is moved aside and the next older one resumes the run exactly;
no readable checkpoint, or one of another model, is a clear error; checkpoints are found from
their files, whatever the state file says. (Every command against every fault, with hashes of the
run directory: test_run_safety.py.)"""

import os

import numpy as np
import pytest

from lsgan_tf.config import TrainConfig
from lsgan_tf.errors import CheckpointError
from lsgan_tf.training.loop import train


def run(out_dir, steps, lines=None, **extra):
    config = TrainConfig(dataset="mixture", steps=steps, batch_size=16, out_dir=str(out_dir), log_every=2,
                         sample_every=2, checkpoint_every=2, keep_checkpoints=5, **extra)
    record = lines.append if lines is not None else (lambda line: None)
    return train(config, log=record, warn=record)


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
def test_a_checkpoint_of_another_model_is_an_error_naming_the_setting(tmp_path):
    run(tmp_path / "other", 2)
    (tmp_path / "other" / "config.json").unlink()  # else the settings check (z_dim differs) stops it first
    with pytest.raises(CheckpointError, match="does not fit the model .* written with --z_dim=256, this builds --z_dim=8"):
        run(tmp_path / "other", 4, z_dim=8)


@pytest.mark.slow
def test_export_and_evaluate_restore_the_newest_readable_checkpoint_and_move_nothing(tmp_path):
    from lsgan_tf.errors import RunError
    from lsgan_tf.training.build import restore_model

    run(tmp_path / "run", 4)
    checkpoints = tmp_path / "run" / "checkpoints"
    truncate_data(checkpoints, 4)
    warnings = []
    model, _, _ = restore_model(str(tmp_path / "run"), log=warnings.append)
    assert int(model.g_optimizer.iterations.numpy()) == 2
    assert len(warnings) == 1 and "ckpt-4 cannot be read" in warnings[0] and "using an older one" in warnings[0]
    assert (checkpoints / "ckpt-4.index").exists() and not (checkpoints / "corrupt").exists()
    with pytest.raises(RunError, match="--checkpoint=.*ckpt-4 cannot be read"):
        restore_model(str(tmp_path / "run"), str(checkpoints / "ckpt-4"))
    with pytest.raises(RunError, match="no such checkpoint"):
        restore_model(str(tmp_path / "run"), str(checkpoints / "ckpt-40"))


@pytest.mark.slow
def test_a_run_whose_checkpoints_were_all_moved_aside_is_not_restarted_from_step_0(tmp_path):
    run(tmp_path / "run", 4)
    checkpoints = tmp_path / "run" / "checkpoints"
    for step in (2, 4):
        truncate_data(checkpoints, step)
    with pytest.raises(CheckpointError, match="no checkpoint in .* can be read .* moved to .*corrupt"):
        run(tmp_path / "run", 6)
    with pytest.raises(CheckpointError, match="unreadable and is in .*corrupt.* not restarted from step 0"):
        run(tmp_path / "run", 6)  # only corrupt/ is left
    assert sorted(os.listdir(checkpoints / "corrupt")) == [
        "ckpt-2.data-00000-of-00001", "ckpt-2.index", "ckpt-4.data-00000-of-00001", "ckpt-4.index"]
    assert not (checkpoints / "ckpt-2.index").exists()


def test_the_state_file_is_rewritten_from_the_files_and_the_manager_keeps_its_count(tmp_path):
    """A state file that lists nothing (0.2.0's quarantine left such) or misses checkpoints: the
    checkpoints are listed from their files, and once the state is rewritten the manager deletes
    the oldest beyond max_to_keep as if it had written them all."""
    import tensorflow as tf

    from lsgan_tf.training.checkpoints import listed_checkpoints, write_state

    variable = tf.Variable(1.0)
    checkpoint = tf.train.Checkpoint(v=variable)
    manager = tf.train.CheckpointManager(checkpoint, str(tmp_path), max_to_keep=5)
    for step in (1, 2, 3):
        manager.save(checkpoint_number=step)
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: ""\n')
    assert [os.path.basename(path) for path in listed_checkpoints(str(tmp_path))] == ["ckpt-1", "ckpt-2", "ckpt-3"]
    with pytest.raises(ValueError, match="Invalid checkpoint state"):  # what TensorFlow makes of it
        tf.train.CheckpointManager(checkpoint, str(tmp_path), max_to_keep=2)
    write_state(str(tmp_path))
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("ckpt-3")
    manager = tf.train.CheckpointManager(checkpoint, str(tmp_path), max_to_keep=2)
    manager.save(checkpoint_number=4)
    assert [os.path.basename(path) for path in listed_checkpoints(str(tmp_path))] == ["ckpt-3", "ckpt-4"]
    for path in listed_checkpoints(str(tmp_path)):
        for name in os.listdir(tmp_path):
            if name.startswith(os.path.basename(path)):
                os.remove(tmp_path / name)
    write_state(str(tmp_path))  # none left: no state file, which TensorFlow reads as "no checkpoint"
    assert not (tmp_path / "checkpoint").exists() and tf.train.latest_checkpoint(str(tmp_path)) is None
