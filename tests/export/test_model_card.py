"""MODEL_CARD.md: written by every export, naming the files, the settings, the command that trains
the run again and its evaluation."""

import json
import os
import re

from lsgan_tf.config import TrainConfig
from lsgan_tf.export.model_card import training_command
from lsgan_tf.runs import RunDir
from tests.export.test_export import exports  # noqa: F401  (the session's two exported runs)


def test_the_command_names_exactly_the_settings_that_differ_from_the_preset():
    assert training_command(TrainConfig(dataset="digits", out_dir="/r").resolve(data_needed=False)) == (
        "python train.py --dataset=digits --out_dir=RUN")
    config = TrainConfig(dataset="digits", out_dir="/r", steps=1500, noise="uniform", reduction="sum", ema=True,
                         arch_option=("kernel_size=5", "fc_norm=flat"), log_every=7).resolve(data_needed=False)
    words = training_command(config).split()
    assert words[:3] == ["python", "train.py", "--dataset=digits"] and words[-1] == "--out_dir=RUN"
    assert sorted(words[3:-1]) == sorted(["--steps=1500", "--noise=uniform", "--reduction=sum", "--ema=true",
                                          "--arch_option=kernel_size=5", "--arch_option=fc_norm=flat"])
    config = TrainConfig(dataset="hwdb", data_dir="/data/hwdb", out_dir="/r").resolve(data_needed=False)
    assert training_command(config) == "python train.py --dataset=hwdb --data_dir=/data/hwdb --out_dir=RUN"


def test_every_export_writes_a_card_of_its_run(exports, tmp_path):  # noqa: F811  (the fixture)
    for name, (run_dir, folder) in exports.items():
        card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
        listed = re.findall(r"^- `([^`]+)`$", card, flags=re.MULTILINE)
        assert "MODEL_CARD.md" in listed and all(os.path.exists(folder / path) for path in listed), listed
        record = json.loads(open(RunDir(run_dir).config_file).read())
        assert f"--dataset={record['dataset']}" in card and "- Steps: 2 (of 2 asked)" in card
        assert f"lsgan_tf {record['versions']['lsgan_tf']}" in card
        assert "Not evaluated" in card


def test_the_card_carries_the_evaluation_of_the_exported_step(exports, tmp_path):  # noqa: F811  (the fixture)
    import shutil

    from lsgan_tf.export.run import export_run

    run_dir = str(tmp_path / "run")
    shutil.copytree(exports["digits"][0], run_dir)
    evaluation = {"step": 2, "num_samples": 100, "coverage": 0.7, "fd_digits": 12.5,
                  "extractor": {"name": "digit_classifier", "sha256": "ab" * 32}}
    with open(RunDir(run_dir).evaluation_file, "w") as handle:
        json.dump(evaluation, handle)
    export_run(run_dir, str(tmp_path / "out"), formats=())
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Scored on 100 samples at step 2 with digit_classifier (SHA-256 abababababababab...)" in card
    assert "| coverage | 0.7 |" in card and "| fd_digits | 12.5 |" in card
    evaluation["step"] = 1
    with open(RunDir(run_dir).evaluation_file, "w") as handle:
        json.dump(evaluation, handle)
    lines = []
    written = export_run(run_dir, str(tmp_path / "out"), formats=(), log=lines.append)
    assert lines == [f"exporting the digits generator of {run_dir} at step 2 to {tmp_path / 'out'}"] + [
        f"wrote {path}" for path in written] and len(written) == 3  # README.txt, example_requests.json, the card
    assert "evaluation.json scored step 1" in (tmp_path / "out" / "MODEL_CARD.md").read_text(encoding="utf-8")


def cards(exports):  # noqa: F811  (the fixture)
    """The text of every exported and shipped card."""
    from lsgan_tf import pretrained

    paths = [folder / "MODEL_CARD.md" for _, folder in exports.values()]
    paths += [os.path.join(pretrained.FOLDER, name, pretrained.CARD_FILE) for name in pretrained.names()]
    return {str(path): open(path, encoding="utf-8").read() for path in paths}


def test_a_card_says_what_it_draws_and_refers_only_to_what_an_installed_package_holds(exports):  # noqa: F811
    import importlib

    for path, card in cards(exports).items():
        assert "docs/" not in card and ".md §" not in card, path  # the docs are not in an installed package
        draws = re.findall(r"^Draws: (.+)$", card, flags=re.MULTILINE)
        assert len(draws) == 1 and re.search(r"\d+x\d+x\d", draws[0]), path
        names = re.findall(r"`(lsgan_tf(?:\.\w+)+)`", card)
        assert names, path  # the function that builds the architecture
        for name in names:
            module, _, attribute = name.rpartition(".")
            assert callable(getattr(importlib.import_module(module), attribute)), name
    hwdb_card = cards(exports)[str(exports["hwdb"][1] / "MODEL_CARD.md")]
    assert re.search(r"^Draws: handwritten Chinese characters .*; one of 4 classes, asked for by label \(of 3,755 "
                     r"label codes\): 啊国中座$", hwdb_card, flags=re.MULTILINE), hwdb_card[:500]
