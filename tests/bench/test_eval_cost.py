"""bench/eval_cost.py runs end to end on a tiny setting and writes its table."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, subprocess_env


@pytest.mark.slow
@pytest.mark.full
def test_a_short_run_measures_the_evaluation_and_its_share(tmp_path):
    out = tmp_path / "eval_cost.json"
    result = subprocess.run([sys.executable, "-m", "bench.eval_cost", "--datasets=mixture", "--steps=4", "--ab_every=2",
                             "--rounds=1", f"--out={out}"], capture_output=True, text=True, timeout=600,
                            env=subprocess_env(), cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    (row,) = json.loads(out.read_text())["rows"]
    assert row["dataset"] == "mixture" and row["later_evaluation_seconds"] > 0
    expected = row["later_evaluation_seconds"] / (row["eval_every"] * row["step_seconds"])
    assert row["overhead_at_default_interval"] == pytest.approx(expected, rel=0.05, abs=1e-4)
