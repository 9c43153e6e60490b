"""The sampling-only install (LiteRT, numpy, Pillow, absl-py; README "Install"): every console
script that needs more says so in one line with what to install (exit 2, no traceback), and the
.tflite path of lsgan-sample runs. Modules are hidden from a child process by a finder that
refuses them, as in an environment where they are not installed."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT, subprocess_env

HIDE = """
import sys
HIDDEN = set(sys.argv[1].split(","))
class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ImportError(f"{name} is not installed in this test")
sys.meta_path.insert(0, Hide())
module, sys.argv = sys.argv[2], [sys.argv[3]] + sys.argv[4:]
import importlib
importlib.import_module(module).run()
"""
NOT_IN_THE_SAMPLING_INSTALL = "tensorflow,tensorflow_datasets,keras,tqdm,matplotlib,scipy,lmdb,mplfonts"


def command(module, program, *flags):
    return subprocess.run([sys.executable, "-c", HIDE, NOT_IN_THE_SAMPLING_INSTALL, module, program, *flags],
                          capture_output=True, text=True, timeout=300, env=subprocess_env(), cwd=ROOT)


@pytest.mark.slow
@pytest.mark.parametrize("module,program,needs", [
    ("lsgan_tf.cli.train", "lsgan-train", "tensorflow"),
    ("lsgan_tf.cli.export", "lsgan-export", "tensorflow"),
    ("lsgan_tf.cli.evaluate", "lsgan-evaluate", "tensorflow"),
    ("lsgan_tf.cli.prep_digits", "lsgan-prep-digits", "tqdm, matplotlib"),
    ("lsgan_tf.cli.prep_hwdb", "lsgan-prep-hwdb", "tensorflow, tqdm"),
    ("lsgan_tf.cli.prep_lsun", "lsgan-prep-lsun", "tensorflow, tqdm, lmdb"),
    ("lsgan_tf.cli.prep_cats", "lsgan-prep-cats", "tensorflow, tqdm"),
    ("lsgan_tf.cli.prep_hwdb_synthetic", "lsgan-prep-hwdb-synthetic", "tqdm, scipy"),
])
def test_a_command_that_needs_more_says_what_in_one_line(module, program, needs):
    result = command(module, program, "--help")
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith(f"{program}: error: needs {needs}") and "pip install" in lines[0]


@pytest.mark.slow
def test_sampling_a_shipped_generator_needs_nothing_more_and_a_saved_model_says_so(tmp_path):
    result = command("lsgan_tf.cli.sample", "lsgan-sample", "--pretrained=digits", "--num=4",
                     f"--out={tmp_path / 'grid.png'}")
    assert result.returncode == 0 and (tmp_path / "grid.png").exists(), result.stderr[-2000:]
    (tmp_path / "saved").mkdir()
    for flag in (f"--model={tmp_path / 'saved'}", f"--run_dir={tmp_path}"):
        result = command("lsgan_tf.cli.sample", "lsgan-sample", flag, f"--out={tmp_path / 'no.png'}")
        lines = result.stderr.splitlines()
        assert result.returncode == 2 and len(lines) == 1 and "needs TensorFlow" in lines[0], result.stderr[-2000:]
        assert "pip install lsgan-tf" in lines[0]
