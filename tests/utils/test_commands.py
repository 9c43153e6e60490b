"""Commands named as the user runs them: console scripts once installed, scripts in a checkout."""

import pytest

from lsgan_tf.export.run import readme_text
from lsgan_tf.utils.commands import CONSOLE_SCRIPTS, as_the_user_runs_them

USAGE = "  python train.py --steps=3\n  python data_prep/hwdb_synthetic.py --out=x\n  python data_prep/hwdb.py --src=y\n"


def test_an_installed_user_sees_the_console_scripts(monkeypatch):
    monkeypatch.setattr("sys.argv", ["/venv/bin/lsgan-train", "--help"])
    assert as_the_user_runs_them(USAGE) == ("  lsgan-train --steps=3\n  lsgan-prep-hwdb-synthetic --out=x\n"
                                            "  lsgan-prep-hwdb --src=y\n")
    assert "lsgan-sample --model=tflite/generator.tflite" in readme_text(
        "digits", 100, None, 1, 1, (28, 28, 1), (-1.0, 1.0), "normal", 1024)


@pytest.mark.parametrize("argv0", ["train.py", "/repo/data_prep/digits.py"])
def test_a_checkout_user_sees_the_scripts(monkeypatch, argv0):
    monkeypatch.setattr("sys.argv", [argv0])
    assert as_the_user_runs_them(USAGE) == USAGE


def test_every_console_script_is_declared_in_pyproject():
    import tomllib

    from tests.conftest import ROOT

    with open(f"{ROOT}/pyproject.toml", "rb") as handle:
        declared = tomllib.load(handle)["project"]["scripts"]
    assert set(declared) == set(CONSOLE_SCRIPTS)
