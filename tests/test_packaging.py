"""The project as a package: `pip install .` gives an importable lsgan_tf with its console
scripts, `import lsgan_tf` alone loads no TensorFlow, and every command-line tool shows in its
`--help` every flag it has (absl would otherwise list the flags of shared modules, such as the
converters' --overwrite, only under --helpfull)."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, subprocess_env

TOOLS = ["train.py", "export.py", "evaluate.py", "sample.py",
         "data_prep/digits.py", "data_prep/hwdb.py", "data_prep/lsun.py", "data_prep/cats.py", "data_prep/hwdb_synthetic.py"]
NO_TENSORFLOW = ("data_prep/digits.py", "data_prep/hwdb_synthetic.py")  # no TF start-up to quiet: no --verbose
CONSOLE_SCRIPTS = ["lsgan-train", "lsgan-export", "lsgan-evaluate", "lsgan-sample",
                   "lsgan-prep-digits", "lsgan-prep-hwdb", "lsgan-prep-lsun", "lsgan-prep-cats", "lsgan-prep-hwdb-synthetic"]
FLAG_LINE = re.compile(r"^\s+--(?:\[no\])?(\w+)", re.MULTILINE)


def project_flags(helpfull: str):
    """The flags --helpfull lists under the project's own modules (not absl's)."""
    sections = re.split(r"^(\S.*):$", helpfull, flags=re.MULTILINE)
    own = ""
    for title, body in zip(sections[1::2], sections[2::2]):
        if title.startswith(("lsgan_tf", "train.py", "export.py")) or title.endswith(".py"):
            own += body
    return set(FLAG_LINE.findall(own))


# Runs a tool with --help, then prints what --helpfull would (absl's FLAGS.get_help()): one
# process (one TensorFlow start-up) per tool instead of two.
BOTH_HELPS = """
import runpy, sys
from absl import flags
sys.argv = [sys.argv[1], "--help"]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit:
    pass
print(HELPFULL)
print(flags.FLAGS.get_help())
"""
HELPFULL = "----- helpfull -----"


@pytest.mark.slow
def test_every_tool_lists_its_own_flags_and_every_flag_its_help_mentions():
    processes = {tool: subprocess.Popen([sys.executable, "-c", BOTH_HELPS.replace("HELPFULL", repr(HELPFULL)),
                                         os.path.join(ROOT, tool)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=subprocess_env())
                 for tool in TOOLS}
    outputs = {}
    for tool, process in processes.items():
        outputs[tool, "--help"], outputs[tool, "--helpfull"] = process.communicate(timeout=300)[0].split(HELPFULL)
    for tool in TOOLS:
        shown = set(FLAG_LINE.findall(outputs[tool, "--help"]))
        assert "verbose" in shown or tool in NO_TENSORFLOW, tool
        assert {"verbose", "out", "model", "run_dir", "dataset"} & project_flags(outputs[tool, "--helpfull"]), tool
        missing = project_flags(outputs[tool, "--helpfull"]) - shown
        assert not missing, f"{tool} --help omits {sorted(missing)}"
        # Flags the flags' help texts refer to (not those of another tool: "A train.py --out_dir.").
        flag_help = outputs[tool, "--help"].split("\nflags:\n", 1)[1]
        mentioned = set(re.findall(r"(?<!\.py )--(\w+)", flag_help)) - {"no"}
        assert mentioned <= shown | {"helpfull", "helpshort", "help", "helpxml"}, f"{tool}: {sorted(mentioned - shown)}"


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
