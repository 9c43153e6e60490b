"""experiments/small_variability.py: every kept checkpoint of every run is scored as soon as it is
written, the table reports the last and the worst evaluation and the first step covering 8 classes,
a second call resumes instead of retraining, --stop_at_classes ends a run once it is reached, and
TensorFlow's start-up lines stay off the terminal."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, TF_LOG_LINE, subprocess_env, user_env


def _study(out, steps, *options):
    return subprocess.run(
        [sys.executable, "experiments/small_variability.py", f"--steps={steps}", "--eval_every=10", "--losses=lsgan",
         "--sets=shift", "--arch_option=d_fc_norm=false", "--num_samples=100", f"--out={out}", *options],
        capture_output=True, text=True, timeout=600, env=user_env(), cwd=ROOT,
    )


@pytest.mark.slow
@pytest.mark.full
def test_scores_every_checkpoint_and_resumes(tmp_path):
    first = _study(tmp_path, steps=40)  # four checkpoints: one more than train.py keeps by default
    assert first.returncode == 0, first.stderr[-3000:]
    assert not TF_LOG_LINE.search(first.stderr), first.stderr[-3000:]  # TensorFlow's start-up lines kept off
    (row,) = json.loads((tmp_path / "results.json").read_text())["rows"]
    assert (row["loss"], row["data"]) == ("lsgan", "rendered shift")
    assert [scores["step"] for scores in row["history"]] == [10, 20, 30, 40]
    assert json.loads((tmp_path / "runs" / "lsgan_rendered_shift" / "scores.json").read_text()) == row["history"]
    worst = min(row["history"], key=lambda scores: scores["classes_covered"])
    left = next((scores["step"] for scores in row["history"] if scores["classes_covered"] >= 8), "not yet")
    table = (tmp_path / "table.md").read_text().splitlines()
    assert table[-1].startswith(f"| lsgan | rendered shift | 0 | 40 | {row['history'][-1]['classes_covered']} | "
                                f"{worst['classes_covered']} ({worst['step']}) | {left} |")
    assert (tmp_path / "curves.png").stat().st_size > 0 and (tmp_path / "lsgan_rendered_shift.png").exists()

    second = _study(tmp_path, steps=50)
    assert second.returncode == 0, second.stderr[-3000:]
    log = (tmp_path / "runs" / "lsgan_rendered_shift" / "train.log").read_text()
    assert "resumed from step 40" in log and "trained 10 steps" in log
    (row,) = json.loads((tmp_path / "results.json").read_text())["rows"]
    assert [scores["step"] for scores in row["history"]] == [10, 20, 30, 40, 50]


@pytest.mark.slow
@pytest.mark.full
def test_stops_a_run_at_the_first_checkpoint_covering_enough_classes(tmp_path):
    # every checkpoint covers >= 1 class; the authors'-code settings reach the run
    result = _study(tmp_path, 40, "--seeds=3", "--stop_at_classes=1", "--reduction=sum", "--noise=uniform")
    assert result.returncode == 0, result.stderr[-3000:]
    (row,) = json.loads((tmp_path / "results.json").read_text())["rows"]
    assert row["seed"] == 3 and [scores["step"] for scores in row["history"]] == [10]
    run = tmp_path / "runs" / "lsgan_rendered_shift_seed3"
    config = json.loads((run / "config.json").read_text())
    assert (config["seed"], config["reduction"], config["noise"], config["arch_option"]) == (3, "sum", "uniform",
                                                                                            ["d_fc_norm=false"])
    assert "trained 10 steps" in (run / "train.log").read_text()


@pytest.mark.slow
def test_norendered_without_official_data_is_a_usage_error(tmp_path):
    result = subprocess.run([sys.executable, "experiments/small_variability.py", "--norendered", f"--out={tmp_path}"],
                            capture_output=True, text=True, timeout=120, env=subprocess_env(), cwd=ROOT)
    assert result.returncode != 0 and "--norendered needs --official" in result.stderr
