"""Shared test setup: quiet TensorFlow, common fixtures. lsgan_tf is installed in the virtualenv
(`make setup`: pip install -e .); pytest puts the project root first on the import path (tests/
is a package), so `tests.fixtures` imports."""

import fcntl
import os
import re
import shutil
import subprocess
import sys

import keras
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PYTHONHASHSEED", "0")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


@pytest.fixture(scope="session")
def official_digits_tarball():
    """The authors' published small-variability digits (../shared/data), or skip if absent."""
    path = os.path.join(SHARED, "data", "small_variability_digits_official.tar.gz")
    if not os.path.exists(path):
        pytest.skip(f"{path} not found (it lives in ../shared beside the checkout)")
    return path


def subprocess_env(**extra):
    """Environment for running the project's scripts in a child process."""
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env.update(extra)
    return env


def shared_across_workers(tmp_path_factory, name, make):
    """A folder made once per test run by `make(folder)` and shared by every pytest-xdist worker
    (under the run's common temporary root, guarded by a file lock): an expensive fixture, such
    as a trained classifier, is then built once instead of once per worker."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the workers' basetemps are siblings in one run's folder
    folder = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / f"{name}.done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (root / f"{name}.done").touch()
    return folder


def run_script(path, *flags, env=None, timeout=300):
    """Runs one of the project's scripts (path relative to the checkout) in a child process."""
    return subprocess.run([sys.executable, os.path.join(ROOT, path), *flags], capture_output=True, text=True,
                          timeout=timeout, env=env or subprocess_env(), cwd=ROOT)


def user_env():
    """A child environment with TensorFlow's own log level as a user has it (unset)."""
    return {name: value for name, value in subprocess_env().items()
            if name not in ("TF_CPP_MIN_LOG_LEVEL", "LSGAN_TF_VERBOSE")}


TF_LOG_LINE = re.compile(r"^[IWEF]\d{4} |absl::InitializeLog", re.MULTILINE)  # a TensorFlow C++ log line
NOISE = re.compile(r"Warning|Traceback|^INFO: ", re.MULTILINE)  # a Python warning, a traceback, a logging line


def assert_quiet(result, command: str) -> None:
    """The child process `command` succeeded and left no TensorFlow C++ line, Python warning or
    traceback on stderr (what a user sees by default)."""
    assert result.returncode == 0, (command, result.stderr[-3000:])
    assert not TF_LOG_LINE.search(result.stderr) and not NOISE.search(result.stderr), (command, result.stderr[-3000:])


@pytest.fixture
def float64():
    """Builds every Keras layer, variable and random draw in float64 for one test."""
    previous_floatx, previous_policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")  # a policy set by an earlier test would win over floatx
    yield
    keras.config.set_dtype_policy(previous_policy)
    keras.config.set_floatx(previous_floatx)
