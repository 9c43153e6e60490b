"""train.py end to end: a short default run leaves a checkpoint and a sample grid and prints no
TensorFlow C++ log line; bad flags stop before any work with a message naming the flag."""

import functools
import json
import os

import numpy as np
import pytest
from PIL import Image

from tests.conftest import TF_LOG_LINE, run_script, user_env

run_train = functools.partial(run_script, "train.py")


@pytest.mark.slow
def test_short_default_run_writes_checkpoint_grid_and_config(tmp_path):
    out = tmp_path / "run"
    result = run_train("--steps=6", "--sample_every=3", "--batch_size=16", f"--out_dir={out}", env=user_env())
    assert result.returncode == 0, result.stderr[-3000:]
    assert not TF_LOG_LINE.search(result.stderr), result.stderr[-3000:]
    assert "step 6/6" in result.stdout
    config = json.loads((out / "config.json").read_text())
    assert config["dataset"] == "digits" and config["arch"] == "digits" and config["coding"] == "-110"
    assert config["z_dim"] == 100 and config["lr"] == pytest.approx(2e-4)
    assert sorted(os.listdir(out / "samples")) == ["step_000003.png", "step_000006.png"]
    grid = np.asarray(Image.open(out / "samples" / "step_000006.png"))
    assert grid.shape == (8 * 30 + 2, 8 * 30 + 2)  # 8x8 grid of 28x28 with 2-pixel padding
    assert any(name.startswith("ckpt-6") for name in os.listdir(out / "checkpoints"))
    # (resuming through the command: tests/training/test_run_safety.py)


@pytest.mark.slow
@pytest.mark.parametrize(
    "flags,message",
    [  # one of each way a flag is refused; tests/training/test_training.py checks every message in-process
        (["--loss=hinge"], "flag --loss=hinge: value should be one of <lsgan|lsgan_gp|nsgan|wgan_gp>"),
        (["--dataset=imagenet"], "error: --dataset: Unknown dataset 'imagenet'; expected one of ['cats', "),
        (["--dataset=lsun"], "error: --data_dir is required for --dataset=lsun."),
        (["--arch_option=variant=no_bn"], "error: --arch_option: Unknown stability variant"),
    ],
)
def test_bad_flags_exit_nonzero_with_the_flag_named(tmp_path, flags, message):
    """Each bad flag ends in one message naming it (absl's own for a value outside an enum's
    choices), exit status 2 (absl: 1), no traceback, and no run directory."""
    result = run_train(*flags, f"--out_dir={tmp_path / 'run'}", timeout=120)
    assert result.returncode == (1 if "value should be one of" in message else 2), result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "run").exists()
