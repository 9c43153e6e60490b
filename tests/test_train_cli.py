"""train.py end to end: a short default run leaves a checkpoint and a sample grid and prints no
TensorFlow C++ log line; bad flags stop before any work with a message naming the flag."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.conftest import ROOT, TF_LOG_LINE, subprocess_env, user_env


def run_train(*flags, timeout=300, env=None):
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "train.py"), *flags],
        capture_output=True, text=True, timeout=timeout, env=env or subprocess_env(), cwd=ROOT,
    )


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

    resumed = run_train("--steps=8", "--sample_every=3", "--batch_size=16", f"--out_dir={out}")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resumed from step 6" in resumed.stdout and "step 8/8" in resumed.stdout


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--dataset=imagenet"], "dataset"),
        (["--loss=hinge"], "loss"),
        (["--coding=101"], "coding"),
        (["--steps=0"], "--steps"),
        (["--dataset=digits", "--conditional"], "--conditional"),
        (["--dataset=lsun"], "data_dir"),
        (["--arch_option=depth=3"], "--arch_option=depth=3: expected NAME=VALUE with NAME one of"),
        (["--arch_option=d_fc_norm=maybe"], "d_fc_norm takes a value of type bool"),
        (["--arch_option=variant=no_bn"], "--arch_option: Unknown stability variant"),
    ],
)
def test_bad_flags_exit_nonzero_with_the_flag_named(tmp_path, flags, message):
    result = run_train(*flags, f"--out_dir={tmp_path / 'run'}", timeout=120)
    assert result.returncode != 0
    assert message in result.stderr
