"""`sample.py --pretrained`: generators shipped inside the package, sampled with LiteRT alone
(TensorFlow blocked, as on a phone), listed, and a wrong name or flag pair refused in one line.

The shipped folder is pointed at a folder laid out as experiments/ship_pretrained.py lays it out,
holding the float16 export of a trained test run."""

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from lsgan_tf import pretrained
from tests.conftest import ROOT, run_script, subprocess_env, user_env
from tests.export.test_export import BLOCK_TENSORFLOW, exports  # noqa: F401  (the session's exported runs)

# sample.py with lsgan_tf.pretrained.FOLDER pointed at argv[1], TensorFlow blocked.
WITH_FOLDER = BLOCK_TENSORFLOW.replace("sys.argv = [\"sample.py\"] + sys.argv[1:]",
                                       "import lsgan_tf.pretrained as p\np.FOLDER = sys.argv[1]\n"
                                       "sys.argv = [\"sample.py\"] + sys.argv[2:]")


@pytest.fixture
def shipped(exports, tmp_path, monkeypatch):  # noqa: F811  (the fixture)
    """A pretrained folder holding `demo` (the digits export) and `chars` (the conditional one)."""
    folder = tmp_path / "pretrained"
    for name, source in (("demo", "digits"), ("chars", "hwdb")):
        export = exports[source][1]
        (folder / name).mkdir(parents=True)
        for file in (pretrained.MODEL_FILE, "metadata.json"):
            shutil.copyfile(export / "tflite" / file, folder / name / file)
        shutil.copyfile(export / pretrained.CARD_FILE, folder / name / pretrained.CARD_FILE)
    (folder / "empty").mkdir()  # a folder without a model is not listed
    monkeypatch.setattr(pretrained, "FOLDER", str(folder))
    return folder


def sample(folder, *flags):
    return subprocess.run([sys.executable, "-c", WITH_FOLDER, str(folder), *flags], capture_output=True, text=True,
                          timeout=300, env=subprocess_env(), cwd=ROOT)


def test_names_paths_and_summaries(shipped):
    assert pretrained.names() == ["chars", "demo"]
    assert pretrained.model_path("demo") == str(shipped / "demo" / pretrained.MODEL_FILE)
    assert pretrained.summary("demo") == (f"demo: digits 0-9 of small variability (rendered, shifted; TPAMI 4.3.1), "
                                          f"28x28x1 (model card: {shipped / 'demo' / pretrained.CARD_FILE})")
    assert pretrained.summary("chars").startswith("chars: handwritten Chinese characters (GB2312 level 1), 28x28x1; "
                                                  "one of 4 classes, asked for by label (of 3,755 label codes): 啊国中座 ")
    with pytest.raises(ValueError, match="no shipped generator 'nope'; shipped: chars, demo."):
        pretrained.model_path("nope")


@pytest.mark.slow
def test_a_shipped_generator_samples_without_tensorflow(shipped, tmp_path):
    for name, extra in (("demo", []), ("chars", ["--labels=中,国"])):
        npy = tmp_path / f"{name}.npy"
        result = sample(shipped, f"--pretrained={name}", "--num=6", f"--out={tmp_path / name}.png", f"--npy={npy}",
                        *extra)
        assert result.returncode == 0, result.stderr[-3000:]
        assert np.load(npy).shape[0] == 6 and (tmp_path / f"{name}.png").exists()


@pytest.mark.slow
def test_list_and_wrong_names(shipped, tmp_path):
    listed = sample(shipped, "--pretrained=list")
    assert listed.returncode == 0 and [line.split(":")[0] for line in listed.stdout.splitlines()] == ["chars", "demo"]
    unknown = sample(shipped, "--pretrained=nope", f"--out={tmp_path / 'g.png'}")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert "--pretrained: no shipped generator 'nope'; shipped: chars, demo." in unknown.stderr
    for flags in (["--pretrained=demo", f"--model={tmp_path / 'g.tflite'}"], [f"--out={tmp_path / 'g.png'}"]):
        result = sample(shipped, *flags)
        assert result.returncode == 2 and "give one of --model (an export), --pretrained" in result.stderr


@pytest.mark.slow
def test_the_shipped_generators_draw_what_their_cards_say(tmp_path):
    """The generators in the package itself: the digits one draws every class, recognisably, with
    LiteRT alone; the characters one draws a different image for each class asked."""
    assert pretrained.names() == ["digits", "hwdb100"]
    npy = tmp_path / "digits.npy"
    result = sample(pretrained.FOLDER, "--pretrained=digits", "--num=1000", f"--out={tmp_path / 'digits.png'}",
                    f"--npy={npy}")
    assert result.returncode == 0, result.stderr[-3000:]
    from lsgan_tf.evaluation import classifiers
    from lsgan_tf.evaluation.features import classifier_statistics

    scores = classifier_statistics(classifiers.load_classifier(classifiers.DIGITS), np.load(npy), pixel_range=(0, 255))
    assert scores["classes_covered"] == 10 and scores["mean_confidence"] > 0.85, scores["class_shares"]
    with open(os.path.join(pretrained.FOLDER, "digits", pretrained.CARD_FILE), encoding="utf-8") as handle:
        card = handle.read()
    assert "Steps: 50,001" in card and "| classes_covered | 10 |" in card
    npy = tmp_path / "hwdb100.npy"
    result = sample(pretrained.FOLDER, "--pretrained=hwdb100", "--num=4", "--labels=啊,啊,阿,阿",
                    f"--out={tmp_path / 'chars.png'}", f"--npy={npy}", "--seed=0")
    assert result.returncode == 0, result.stderr[-3000:]
    images = np.load(npy).astype(float)
    assert images.shape == (4, 28, 28, 1) and images.std() > 10
    asked = sample(pretrained.FOLDER, "--pretrained=hwdb100", "--labels=中", f"--out={tmp_path / 'no.png'}")
    assert asked.returncode == 2 and "had no training data" in asked.stderr


def card_figures(name):
    """{metric: value} of the "The shipped file" table of a shipped generator's card."""
    with open(os.path.join(pretrained.FOLDER, name, pretrained.CARD_FILE), encoding="utf-8") as handle:
        section = handle.read().split("## The shipped file", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| (\w+) \| ([\d.]+) \|$", section, re.MULTILINE))


@pytest.mark.slow
def test_each_cards_figures_are_what_lsgan_evaluate_gives_on_any_machine(tmp_path):
    """`lsgan-evaluate --pretrained=NAME` in a fresh cache gives the card's figures: FD-digits of
    the digits generator twice, in two processes with two empty caches, to the last digit."""
    runs = [("digits", "first"), ("digits", "second"), ("hwdb100", "first")]
    scores = {}
    for name, machine in runs:
        out = tmp_path / f"{name}_{machine}.json"
        result = run_script("evaluate.py", f"--pretrained={name}", f"--out={out}", timeout=600,
                            env={**user_env(), "XDG_CACHE_HOME": str(tmp_path / machine)})
        assert result.returncode == 0, result.stderr[-3000:]
        scores[name, machine] = json.loads(out.read_text())
    first, second = scores["digits", "first"], scores["digits", "second"]
    assert first["fd_digits"] == second["fd_digits"] and first["extractor"]["sha256"] == second["extractor"]["sha256"]
    for name in ("digits", "hwdb100"):
        figures = card_figures(name)
        assert figures, name
        for metric, value in figures.items():
            assert f"{scores[name, 'first'][metric]:.4g}" == value, (name, metric)
