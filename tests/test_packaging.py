"""The project as a package: `pip install .` gives an importable lsgan_tf with its console
scripts and `import lsgan_tf` alone loads no TensorFlow (each command's --help:
tests/cli/test_help_and_examples.py)."""

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, subprocess_env

CONSOLE_SCRIPTS = ["lsgan-train", "lsgan-export", "lsgan-evaluate", "lsgan-sample",
                   "lsgan-prep-digits", "lsgan-prep-hwdb", "lsgan-prep-lsun", "lsgan-prep-cats", "lsgan-prep-hwdb-synthetic"]
@pytest.mark.slow
def test_pip_install_gives_the_package_and_its_console_scripts(tmp_path):
    """Installs a copy of the checkout (pip builds in the source tree) into a fresh folder."""
    source, target = tmp_path / "source", tmp_path / "site"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "runs", "build", "*.egg-info", "__pycache__", ".pytest_cache", "results"))
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                              "--target", str(target), str(source)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    assert sorted(os.listdir(target / "bin")) == sorted(CONSOLE_SCRIPTS)
    for name in ("digits", "hwdb100"):  # the shipped generators travel as package data
        assert sorted(os.listdir(target / "lsgan_tf" / "pretrained" / name)) == [
            "MODEL_CARD.md", "generator_float16.tflite", "metadata.json"]
    assert sorted(os.listdir(target / "lsgan_tf" / "evaluation" / "weights")) == [  # so do the scoring classifiers
        "character_classifier.npz", "digit_classifier.npz"]
    env = subprocess_env(PYTHONPATH=str(target))
    where = subprocess.run([sys.executable, "-c", "import sys, lsgan_tf; print(lsgan_tf.__file__, 'tensorflow' in sys.modules)"],
                           capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert where.stdout.split() == [str(target / "lsgan_tf" / "__init__.py"), "False"], where.stderr[-2000:]
    for script, expected in (("lsgan-train", "--dataset"), ("lsgan-prep-hwdb", "skip_corrupt"), ("lsgan-sample", "--model")):
        result = subprocess.run([str(target / "bin" / script), "--help"], capture_output=True, text=True, env=env,
                                cwd=str(tmp_path), timeout=300)
        assert expected in result.stdout, (script, result.stderr[-2000:])  # absl exits 1 after --help


def test_public_api():
    import lsgan_tf
    from lsgan_tf import GAN, ConditionalGAN, TrainConfig, architectures, losses, presets

    assert issubclass(ConditionalGAN, GAN) and TrainConfig().dataset == "digits"
    assert "digits" in architectures.ARCHITECTURES and "-110" in losses.CODINGS and presets.get("digits").steps == 50001
    with pytest.raises(AttributeError):
        getattr(lsgan_tf, "no_such_name")
