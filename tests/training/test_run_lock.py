"""One trainer per run directory: a second trainer is refused, naming the holder; a lock left
by a SIGKILLed trainer does not block the next one."""

import os
import signal
import subprocess
import sys

import pytest

from lsgan_tf.config import TrainConfig
from lsgan_tf.errors import ConfigError, RunDirectoryLocked
from lsgan_tf.runs import RunDir
from lsgan_tf.training.loop import train
from lsgan_tf.training.run_lock import run_directory_lock
from tests.conftest import subprocess_env

HOLD = """
import sys, time
from lsgan_tf.runs import RunDir
from lsgan_tf.runs import RunDir
from lsgan_tf.training.run_lock import run_directory_lock
with run_directory_lock(RunDir(sys.argv[1])) as claim:
    claim()
    print("locked", flush=True)
    time.sleep(600)
"""


def start_holder(run_dir):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(run_dir)], stdout=subprocess.PIPE, text=True,
                              env=subprocess_env())
    assert holder.stdout.readline().strip() == "locked"
    return holder


def tiny_run(run_dir) -> TrainConfig:
    return TrainConfig(dataset="mixture", steps=2, batch_size=16, out_dir=str(run_dir), log_every=1,
                       sample_every=2, checkpoint_every=2)


@pytest.mark.slow
def test_a_second_trainer_is_refused_and_a_killed_one_leaves_no_lock(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    holder = start_holder(run_dir)
    try:
        with pytest.raises(RunDirectoryLocked, match=f"--out_dir={run_dir} is being trained by PID {holder.pid} on "):
            train(tiny_run(run_dir), log=lambda line: None)
        assert not (run_dir / "checkpoints").exists()  # nothing was written by the refused trainer
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert train(tiny_run(run_dir), log=lambda line: None)["step"] == 2
    assert f"PID {os.getpid()}" in (run_dir / "train.lock").read_text()


def test_the_lock_is_a_usage_error_and_is_released_after_the_block(tmp_path):
    assert issubclass(RunDirectoryLocked, ConfigError)  # train.py: "train.py: error: ...", exit 2
    with run_directory_lock(RunDir(tmp_path)):
        pass
    with run_directory_lock(RunDir(tmp_path)):  # not blocked by our own finished block
        pass


def test_taking_the_lock_changes_nothing_until_the_trainer_claims_the_run(tmp_path):
    lock = tmp_path / "train.lock"
    lock.write_text("PID 1 on elsewhere since 2026-01-01 00:00:00\n")
    with run_directory_lock(RunDir(tmp_path)) as claim:
        assert lock.read_text() == "PID 1 on elsewhere since 2026-01-01 00:00:00\n"
        claim()
        assert lock.read_text().startswith(f"PID {os.getpid()} on ")
