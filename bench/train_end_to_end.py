"""`train.py` timed end to end, as a user runs it, against the in-loop rate of
bench/train_step.py and the authors' iteration in PyTorch (bench/torch_reference.py).

  .venv/bin/python -m pip install -r requirements-bench.txt     # torch==2.13.0 (CPU build)
  .venv/bin/python -m bench.train_end_to_end --dataset=digits --rounds=3

Per round, each in its own process and in turn: `train.py --dataset=D --steps=SHORT` and
`--steps=LONG` into fresh run directories (the preset's own data pipeline, callbacks,
checkpoint, sample and log intervals), timed from launch to exit; the per-step time is
(t_LONG - t_SHORT) / (LONG - SHORT), so start-up, tracing and the final checkpoint cancel.
Then the in-loop rate of the same network (`fit` on one synthetic batch, no callbacks) and the
PyTorch iterations. The table reports the medians over the rounds and the ratios.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from absl import app, flags

from bench.common import PRESET_OF

FLAGS = flags.FLAGS
ARCH_OF = {preset: arch for arch, preset in PRESET_OF.items()}
flags.DEFINE_enum("dataset", "digits", ["digits", "mixture"], "Preset to train (one that needs no --data_dir).")
flags.DEFINE_integer("short", 20, "Steps of the short run.")
flags.DEFINE_integer("long", 80, "Steps of the long run.")
flags.DEFINE_integer("rounds", 3, "Rounds (train.py short and long, in-loop, PyTorch).")
flags.DEFINE_integer("loop_steps", 30, "Timed iterations of the in-loop and PyTorch measurements.")
flags.DEFINE_list("train_flags", [], "Extra train.py flags, e.g. --train_flags=--jit_compile=true.")
flags.DEFINE_string("out", None, "JSON output (default bench/results/train_end_to_end_<dataset>.json).")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(command, env) -> float:
    """Seconds from launch to exit of a command that must succeed."""
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def train_py_step_seconds(dataset: str, short: int, long: int, extra, env) -> float:
    """(t_long - t_short) / (long - short) of train.py runs into fresh run directories."""
    with tempfile.TemporaryDirectory() as scratch:
        times = {steps: timed([sys.executable, os.path.join(ROOT, "train.py"), f"--dataset={dataset}", f"--steps={steps}",
                               f"--out_dir={os.path.join(scratch, str(steps))}", *extra], env)
                 for steps in (short, long)}
    return (times[long] - times[short]) / (long - short)


def main(argv) -> None:
    del argv
    from lsgan_tf.config import TrainConfig

    arch = ARCH_OF[FLAGS.dataset]
    batch = TrainConfig(dataset=FLAGS.dataset).resolve().batch_size
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    rounds = []
    for index in range(FLAGS.rounds):
        train_py = train_py_step_seconds(FLAGS.dataset, FLAGS.short, FLAGS.long, FLAGS.train_flags, env)
        loop = subprocess.run([sys.executable, "-m", "bench.train_step", f"--worker={arch}", "--modes=graph",
                               f"--steps={FLAGS.loop_steps}"], capture_output=True, text=True, env=env, check=True, cwd=ROOT)
        torch_run = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "torch_reference.py"), "--archs", arch,
                                    "--steps", str(FLAGS.loop_steps)], capture_output=True, text=True, env=env, check=True)
        torch_rates = json.loads(torch_run.stdout.strip().splitlines()[-1])[arch]
        rounds.append({
            "train_py_ms": 1000 * train_py,
            "in_loop_ms": 1000 * batch / json.loads(loop.stdout.split("RESULT ")[1])[arch]["graph"],
            "torch_authors_ms": 1000 * batch / torch_rates["authors"],
            "torch_reuse_ms": 1000 * batch / torch_rates["reuse"],
        })
        print(f"round {index + 1}: " + "  ".join(f"{name} {value:.1f}" for name, value in rounds[-1].items()), flush=True)
    median = {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}
    ratios = {
        "train_py_over_in_loop_time": median["train_py_ms"] / median["in_loop_ms"],
        "train_py_speed_vs_torch_authors": median["torch_authors_ms"] / median["train_py_ms"],
        "train_py_speed_vs_torch_reuse": median["torch_reuse_ms"] / median["train_py_ms"],
        "in_loop_speed_vs_torch_authors": median["torch_authors_ms"] / median["in_loop_ms"],
    }
    print(f"{FLAGS.dataset}: train.py {median['train_py_ms']:.1f} ms/step, in-loop {median['in_loop_ms']:.1f}, "
          f"PyTorch authors {median['torch_authors_ms']:.1f}, reuse {median['torch_reuse_ms']:.1f} (medians of "
          f"{FLAGS.rounds}); train.py / in-loop time {ratios['train_py_over_in_loop_time']:.3f}; train.py speed "
          f"{ratios['train_py_speed_vs_torch_authors']:.2f}x the authors' iteration, "
          f"{ratios['train_py_speed_vs_torch_reuse']:.2f}x PyTorch G-once")
    out = FLAGS.out or os.path.join(ROOT, "bench", "results", f"train_end_to_end_{FLAGS.dataset}.json")
    with open(out, "w") as handle:
        json.dump({"command": " ".join(sys.argv), "batch_size": batch, "short": FLAGS.short, "long": FLAGS.long,
                   "medians": median, "ratios": ratios, "rounds": rounds}, handle, indent=2)


if __name__ == "__main__":
    app.run(main)
