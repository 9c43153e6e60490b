"""bench/gpu_table.py, the GPU table's one command: every path it takes (four TensorFlow modes,
the table files) run on the CPU with --allow_cpu, and its refusal without a GPU."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, subprocess_env


def gpu_table(*flags):
    return subprocess.run([sys.executable, "-m", "bench.gpu_table", *flags], capture_output=True, text=True,
                          timeout=900, env=subprocess_env(), cwd=ROOT)


@pytest.mark.slow
@pytest.mark.full
def test_dry_run_measures_every_mode_and_writes_the_table(tmp_path):
    out = tmp_path / "table"
    result = gpu_table("--archs=mixture", "--steps=1", "--allow_cpu", f"--out={out}")
    assert result.returncode == 0, result.stderr[-3000:]
    row = json.loads((tmp_path / "table.json").read_text())["rows"][0]
    for mode in ("graph", "xla", "mixed_float16", "xla_mixed_float16"):
        assert isinstance(row[mode], float) and row[mode] > 0, (mode, row.get(f"{mode}_error"))
    table = (tmp_path / "table.md").read_text()
    assert "| arch | graph | xla | mixed_float16 | xla_mixed_float16 |" in table and "| mixture |" in table


@pytest.mark.slow
@pytest.mark.full
def test_without_a_gpu_it_says_so(tmp_path):
    result = gpu_table("--archs=mixture", f"--out={tmp_path / 'table'}")
    assert result.returncode == 2 and "no GPU found" in result.stderr and "--allow_cpu" in result.stderr
    assert not (tmp_path / "table.json").exists()
