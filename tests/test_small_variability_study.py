"""experiments/small_variability.py: every kept checkpoint of every run is scored, the table
reports the last and the worst evaluation, and a second call resumes instead of retraining."""

import json
import subprocess
import sys

from lsgan_tf.evaluation.features import digit_classifier
from tests.conftest import ROOT, subprocess_env


def _study(out, steps):
    return subprocess.run(
        [sys.executable, "experiments/small_variability.py", f"--steps={steps}", "--eval_every=10", "--losses=lsgan",
         "--sets=shift", "--arch_option=d_fc_norm=false", "--num_samples=100", f"--out={out}"],
        capture_output=True, text=True, timeout=600, env=subprocess_env(), cwd=ROOT,
    )


def test_scores_every_checkpoint_and_resumes(tmp_path):
    # An untrained classifier in the cache stands in for the real one (trained and tested in
    # test_evaluation): this test is about the study's bookkeeping, not the scores' values.
    (tmp_path / "cache").mkdir()
    digit_classifier().save(tmp_path / "cache" / "digit_classifier.keras")
    first = _study(tmp_path, steps=40)  # four checkpoints: one more than train.py keeps by default
    assert first.returncode == 0, first.stderr[-3000:]
    (row,) = json.loads((tmp_path / "results.json").read_text())["rows"]
    assert (row["loss"], row["data"]) == ("lsgan", "rendered shift")
    assert [scores["step"] for scores in row["history"]] == [10, 20, 30, 40]
    worst = min(row["history"], key=lambda scores: scores["classes_covered"])
    table = (tmp_path / "table.md").read_text().splitlines()
    assert table[-1].startswith(f"| lsgan | rendered shift | 40 | {row['history'][-1]['classes_covered']} | "
                                f"{worst['classes_covered']} ({worst['step']}) |")
    assert (tmp_path / "curves.png").stat().st_size > 0 and (tmp_path / "lsgan_rendered_shift.png").exists()

    second = _study(tmp_path, steps=50)
    assert second.returncode == 0, second.stderr[-3000:]
    log = (tmp_path / "runs" / "lsgan_rendered_shift" / "train.log").read_text()
    assert "resumed from step 40" in log and "trained 10 steps" in log
    (row,) = json.loads((tmp_path / "results.json").read_text())["rows"]
    assert [scores["step"] for scores in row["history"]] == [10, 20, 30, 40, 50]


def test_norendered_without_official_data_is_a_usage_error(tmp_path):
    result = subprocess.run([sys.executable, "experiments/small_variability.py", "--norendered", f"--out={tmp_path}"],
                            capture_output=True, text=True, timeout=120, env=subprocess_env(), cwd=ROOT)
    assert result.returncode != 0 and "--norendered needs --official" in result.stderr
