"""Shared test setup: quiet TensorFlow, the project root on sys.path, common fixtures."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PYTHONHASHSEED", "0")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import pytest  # noqa: E402


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
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env.update(extra)
    return env
