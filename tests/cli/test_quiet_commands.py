"""An installed user's default runs are quiet: no TensorFlow C++ line, no Python warning, no
traceback on stderr, from training to export to both ways of sampling, and the converters."""

import subprocess
import sys

import pytest

from tests.conftest import TF_LOG_LINE, assert_quiet, run_script, user_env


@pytest.mark.slow
@pytest.mark.full
def test_train_export_sample_and_convert_print_no_noise(tmp_path):
    run, exported = tmp_path / "run", tmp_path / "exported"
    commands = [
        ("train.py", "--steps=2", "--batch_size=4", "--z_dim=8", "--sample_every=2", f"--out_dir={run}"),
        ("export.py", f"--run_dir={run}", f"--out={exported}", "--quantize=none"),
        ("sample.py", f"--model={exported / 'saved_model' / '1'}", "--num=4", f"--out={tmp_path / 'a.png'}"),
        ("sample.py", f"--model={exported / 'tflite' / 'generator.tflite'}", "--num=4", f"--out={tmp_path / 'b.png'}"),
        ("data_prep/digits.py", f"--out={tmp_path / 'digits'}", "--per_class=2"),
    ]
    for command in commands:
        assert_quiet(run_script(*command, env=user_env()), command[0])


LIBRARY_USE = """
import numpy as np
from lsgan_tf import architectures
generator, _ = architectures.build("digits")
print(generator(np.zeros((1, 100), np.float32)).shape)
"""


@pytest.mark.slow
def test_the_library_keeps_tensorflow_start_up_lines_off_the_terminal(tmp_path):
    def use(**extra):
        return subprocess.run([sys.executable, "-c", LIBRARY_USE], capture_output=True, text=True, timeout=300,
                              cwd=tmp_path, env={**user_env(), **extra})

    assert_quiet(use(), "from lsgan_tf import architectures")
    verbose = use(LSGAN_TF_VERBOSE="1")
    assert verbose.returncode == 0 and TF_LOG_LINE.search(verbose.stderr)  # the lines exist; the default hides them
