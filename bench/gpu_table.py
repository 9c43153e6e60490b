"""The GPU table in one command: training images/s of every paper architecture in float32 and
mixed_float16, with XLA off and on, beside PyTorch's G-once iteration (float32 and autocast
float16) on the same GPU when torch is installed.

  python -m bench.gpu_table                          # on a machine with a GPU; prints and writes the table
  python -m bench.gpu_table --archs=digits --steps=2 --allow_cpu   # a dry run of every path on a CPU

Each TensorFlow measurement runs in its own process (bench/train_step.py's worker: the preset's
batch size, train.py's defaults, 3 warm-up iterations, then --steps timed ones). Writes
bench/results/gpu_table.json and gpu_table.md (a Markdown table for docs/PERFORMANCE.md).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys

from absl import app, flags

from bench.common import PRESET_OF

FLAGS = flags.FLAGS
MODES = ("graph", "xla", "mixed_float16", "xla_mixed_float16")
TORCH_COLUMNS = (("torch_float32", None), ("torch_amp_float16", "float16"))
flags.DEFINE_list("archs", list(PRESET_OF), "Architectures to measure.")
flags.DEFINE_integer("steps", 20, "Timed iterations per measurement.")
flags.DEFINE_bool("allow_cpu", False, "Run without a GPU (a dry run of every path; the numbers mean nothing).")
flags.DEFINE_string("out", "bench/results/gpu_table", "Output path without extension (.json and .md are written).")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def device_name() -> str:
    """The first GPU's name (nvidia-smi), or "" when there is none."""
    try:
        listed = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                                text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return listed.stdout.strip().splitlines()[0] if listed.returncode == 0 and listed.stdout.strip() else ""


def tf_row(arch: str, env) -> dict:
    """images/s of each MODE for one architecture (one worker process per mode, so that one
    mode's failure is recorded without losing the others)."""
    row = {}
    for mode in MODES:
        run = subprocess.run([sys.executable, "-m", "bench.train_step", f"--worker={arch}", f"--modes={mode}",
                              f"--steps={FLAGS.steps}"], capture_output=True, text=True, env=env, cwd=ROOT)
        if run.returncode == 0:
            row[mode] = json.loads(run.stdout.split("RESULT ")[1])[arch][mode]
        else:
            row[mode] = None
            row[f"{mode}_error"] = (run.stderr.strip().splitlines() or ["failed"])[-1][:300]
    return row


def torch_row(arch: str, device: str, env) -> dict:
    """PyTorch G-once images/s in float32 and under autocast float16 (None without torch)."""
    row = {}
    for column, autocast in TORCH_COLUMNS:
        command = [sys.executable, os.path.join(ROOT, "bench", "torch_reference.py"), "--archs", arch, "--steps",
                   str(FLAGS.steps), "--device", device] + (["--autocast", autocast] if autocast else [])
        run = subprocess.run(command, capture_output=True, text=True, env=env)
        row[column] = json.loads(run.stdout.strip().splitlines()[-1])[arch]["reuse"] if run.returncode == 0 else None
    return row


def markdown(rows, title: str) -> str:
    """The table as Markdown: img/s per architecture and mode."""
    columns = [*MODES, *(name for name, _ in TORCH_COLUMNS)]
    lines = [title, "", "| arch | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for row in rows:
        cells = [f"{row[c]:.0f}" if isinstance(row.get(c), float) else "n/a" for c in columns]
        lines.append(f"| {row['arch']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv) -> int:
    del argv
    gpu = device_name()
    if not gpu and not FLAGS.allow_cpu:
        print("gpu_table: error: no GPU found (nvidia-smi lists none); run it on a GPU machine, or pass "
              "--allow_cpu for a dry run of every path.", file=sys.stderr)
        return 2
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    try:
        import torch  # noqa: F401  (only whether it imports)

        has_torch = True
    except ImportError:
        has_torch = False
    rows = []
    for arch in FLAGS.archs:
        row = {"arch": arch, **tf_row(arch, env)}
        if has_torch:
            row.update(torch_row(arch, "cuda" if gpu else "cpu", env))
        rows.append(row)
        print("  ".join(f"{key} {value:.1f}" if isinstance(value, float) else f"{key} {value}"
                        for key, value in row.items() if not key.endswith("_error")), flush=True)
    date = datetime.date.today().isoformat()
    title = f"Training images/s on {gpu or 'CPU (dry run)'}, {date} (`python -m bench.gpu_table --steps={FLAGS.steps}`)"
    os.makedirs(os.path.dirname(os.path.join(ROOT, FLAGS.out)), exist_ok=True)
    with open(os.path.join(ROOT, FLAGS.out + ".json"), "w") as handle:
        json.dump({"command": " ".join(sys.argv), "device": gpu or "cpu", "date": date, "steps": FLAGS.steps,
                   "rows": rows}, handle, indent=2)
    with open(os.path.join(ROOT, FLAGS.out + ".md"), "w") as handle:
        handle.write(markdown(rows, title))
    print(markdown(rows, title))
    return 0


if __name__ == "__main__":
    app.run(main)
