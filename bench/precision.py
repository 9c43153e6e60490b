"""Mixed precision against float32 on this machine: `train.py` end to end on digits, the in-loop
iteration of digits and a conv net (dcgan64, the LSUN 64x64 net), and PyTorch's autocast for
the same nets beside them, all measured in one run.

  .venv/bin/python -m pip install -r requirements-bench.txt     # torch==2.13.0 (CPU build)
  .venv/bin/python -m bench.precision --precision=mixed_bfloat16 --rounds=2 --short=10 --long=40 --loop_steps=10

Per round, each in its own process: train.py --dataset=digits at float32 and at --precision
(per-step time from a short and a long run, as bench/train_end_to_end.py), the in-loop rate of
each net under both policies (bench/train_step.py), and PyTorch's `reuse` iteration in float32
and under torch.autocast. The table reports medians over the rounds and speed ratios.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

from absl import app, flags

from bench.train_end_to_end import ROOT, train_py_step_seconds

FLAGS = flags.FLAGS
flags.DEFINE_enum("precision", "mixed_bfloat16", ["mixed_bfloat16", "mixed_float16"], "The mixed policy to measure.")
flags.DEFINE_list("archs", ["digits", "dcgan64"], "Nets of the in-loop and PyTorch measurements.")
# --rounds, --short, --long, --loop_steps and --out are bench/train_end_to_end.py's flags (imported with it);
# --out defaults to bench/results/precision_<precision>.json here.


def in_loop_rates(archs, precision: str, steps: int, env) -> dict:
    """images/s of each net's compiled iteration at float32 and under `precision`."""
    run = subprocess.run([sys.executable, "-m", "bench.train_step", f"--worker={','.join(archs)}",
                          f"--modes=graph,{precision}", f"--steps={steps}"], capture_output=True, text=True, env=env,
                         check=True, cwd=ROOT)
    return json.loads(run.stdout.split("RESULT ")[1])


def torch_rates(archs, autocast, steps: int, env) -> dict:
    """images/s of PyTorch's G-once iteration, in float32 or under torch.autocast(`autocast`)."""
    command = [sys.executable, os.path.join(ROOT, "bench", "torch_reference.py"), "--archs", ",".join(archs),
               "--steps", str(steps)] + (["--autocast", autocast] if autocast else [])
    run = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return {arch: rates["reuse"] for arch, rates in json.loads(run.stdout.strip().splitlines()[-1]).items()}


def main(argv) -> None:
    del argv
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    autocast = FLAGS.precision.split("_")[1]
    rounds = []
    for index in range(FLAGS.rounds):
        row = {f"train_py_{name}_ms": 1000 * train_py_step_seconds("digits", FLAGS.short, FLAGS.long,
                                                                   [f"--precision={name}"], env)
               for name in ("float32", FLAGS.precision)}
        loop = in_loop_rates(FLAGS.archs, FLAGS.precision, FLAGS.loop_steps, env)
        for arch in FLAGS.archs:
            row[f"{arch}_tf_float32_img_s"] = loop[arch]["graph"]
            row[f"{arch}_tf_{FLAGS.precision}_img_s"] = loop[arch][FLAGS.precision]
        for name, rates in (("float32", torch_rates(FLAGS.archs, None, FLAGS.loop_steps, env)),
                            (f"autocast_{autocast}", torch_rates(FLAGS.archs, autocast, FLAGS.loop_steps, env))):
            for arch, rate in rates.items():
                row[f"{arch}_torch_{name}_img_s"] = rate
        rounds.append(row)
        print(f"round {index + 1}: " + "  ".join(f"{name} {value:.1f}" for name, value in row.items()), flush=True)
        write(FLAGS.out or os.path.join(ROOT, "bench", "results", f"precision_{FLAGS.precision}.json"),
              FLAGS.precision, rounds, " ".join(sys.argv))  # after every round: a stopped run keeps its rounds


def write(out: str, precision: str, rounds, command: str) -> dict:
    """Writes (and prints) the medians over `rounds` and the speed ratios precision / float32."""
    autocast = precision.split("_")[1]
    median = {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}
    speedups = {"train_py_digits": median["train_py_float32_ms"] / median[f"train_py_{precision}_ms"]}
    for name in median:
        if name.endswith(f"_tf_{precision}_img_s"):
            arch = name.split("_tf_")[0]
            speedups[f"{arch}_tf_in_loop"] = median[name] / median[f"{arch}_tf_float32_img_s"]
            speedups[f"{arch}_torch"] = median[f"{arch}_torch_autocast_{autocast}_img_s"] / median[f"{arch}_torch_float32_img_s"]
    print(f"{precision} / float32 speed (medians of {len(rounds)}): "
          + "  ".join(f"{name} {value:.3f}x" for name, value in speedups.items()), flush=True)
    with open(out, "w") as handle:
        json.dump({"command": command, "medians": median, "speedups": speedups, "rounds": rounds}, handle, indent=2)
    return speedups

if __name__ == "__main__":
    app.run(main)
