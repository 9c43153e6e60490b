"""Training speed: lsgan_tf (graph mode, XLA, tf.distribute with one replica) next to the same
networks in PyTorch (bench/torch_reference.py), and next to this machine's fp32 matmul rate.

  .venv/bin/python -m pip install -r requirements-bench.txt     # torch==2.13.0 (CPU build)
  .venv/bin/python -m bench.train_step --archs=digits,mixture --steps=10 --rounds=2

Each framework runs in its own process; the processes alternate `--rounds` times so drift of
the machine hits both alike, and the table reports the median of the rounds. FLOPs of one
iteration are counted from the layer shapes: forward cost F_G, F_D per image, a backward pass
costs 2F. One D step (D forward+backward on real and on fake) plus one G step (D forward, D
input-gradient backward, G backward) plus the G forward passes is 3 F_G + 8 F_D per image when
G(z) is computed once (lsgan_tf, PyTorch `reuse`) and 4 F_G + 8 F_D when it is computed twice
(PyTorch `authors`). Each column's fraction of the matmul rate uses the work it performs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from absl import app, flags

from bench.common import bench_config, layer_flops, matmul_rate, synthetic_batch
from lsgan_tf.architectures import HWDB_CLASSES

FLAGS = flags.FLAGS
flags.DEFINE_list("archs", ["digits", "dcgan64", "cat128", "scene112", "hwdb", "mixture"], "Architectures to measure.")
flags.DEFINE_list("modes", ["graph", "xla", "distribute"], "lsgan_tf modes: graph, xla (jit_compile=True), distribute "
                  "(one-replica MirroredStrategy), and graph or xla under a mixed policy: mixed_bfloat16, "
                  "mixed_float16, xla_mixed_bfloat16, xla_mixed_float16.")
flags.DEFINE_integer("steps", 10, "Timed iterations per measurement (after 3 warm-up iterations).")
flags.DEFINE_integer("rounds", 2, "Alternating TF / PyTorch rounds.")
flags.DEFINE_string("out", "bench/results/train_step.json", "Where to write the JSON results.")
flags.DEFINE_string("worker", None, "Internal: run the TensorFlow measurements and print JSON.")

TORCH_KINDS = ("authors", "reuse")


def tf_measurements(arch: str, steps: int, modes) -> dict:
    """images/s of each mode (train.py's defaults otherwise, steps_per_execution included), plus
    the forward FLOPs per image of G and D."""
    import tensorflow as tf

    from lsgan_tf.data.pipeline import without_autotune
    from lsgan_tf.training.build import build_gan

    results = {}
    for mode in modes:
        precision = mode[mode.index("mixed_"):] if "mixed_" in mode else "float32"
        config = bench_config(arch, jit_compile="true" if mode.startswith("xla") else "false", precision=precision)
        strategy = tf.distribute.MirroredStrategy(["/cpu:0"]) if mode == "distribute" else tf.distribute.get_strategy()
        with strategy.scope():
            model = build_gan(config, num_classes=HWDB_CLASSES if config.conditional else None)
        batch = config.batch_size
        data = synthetic_batch(config)
        dataset = without_autotune(tf.data.Dataset.from_tensors(data).repeat())  # as train.py's pipelines
        calls = -(-steps // model.steps_per_execution)  # whole compiled calls of steps_per_execution steps
        model.fit(dataset, steps_per_epoch=3 * model.steps_per_execution, epochs=1, verbose=0)
        started = time.perf_counter()
        model.fit(dataset, steps_per_epoch=calls * model.steps_per_execution, epochs=1, verbose=0)
        results[mode] = calls * model.steps_per_execution * batch / (time.perf_counter() - started)
        results["flops_g"], results["flops_d"] = layer_flops(model.generator), layer_flops(model.discriminator)
    return results


def main(argv) -> None:
    del argv
    if FLAGS.worker:
        output = {arch: tf_measurements(arch, FLAGS.steps, FLAGS.modes) for arch in FLAGS.worker.split(",")}
        output["matmul_flops"] = matmul_rate()
        print("RESULT " + json.dumps(output))
        return
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))), TF_CPP_MIN_LOG_LEVEL="2")
    archs = ",".join(FLAGS.archs)
    rounds = {"tf": [], "torch": []}
    for _ in range(FLAGS.rounds):
        tf_run = subprocess.run([sys.executable, __file__, f"--worker={archs}", f"--steps={FLAGS.steps}",
                                 f"--modes={','.join(FLAGS.modes)}"], capture_output=True, text=True, env=env, check=True)
        rounds["tf"].append(json.loads(tf_run.stdout.split("RESULT ")[1]))
        torch_run = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "torch_reference.py"),
                                    "--archs", archs, "--steps", str(FLAGS.steps)],
                                   capture_output=True, text=True, env=env, check=True)
        rounds["torch"].append(json.loads(torch_run.stdout.strip().splitlines()[-1]))
    matmul = statistics.median(r["matmul_flops"] for r in rounds["tf"])
    rows = []
    for arch in FLAGS.archs:
        tf_rate = {mode: statistics.median(r[arch][mode] for r in rounds["tf"]) for mode in FLAGS.modes}
        torch_rate = {kind: statistics.median(r[arch][kind] for r in rounds["torch"]) for kind in TORCH_KINDS}
        f_g, f_d = rounds["tf"][0][arch]["flops_g"], rounds["tf"][0][arch]["flops_d"]
        once, twice = 3 * f_g + 8 * f_d, 4 * f_g + 8 * f_d
        # The mixture's simultaneous update computes G(z) once in both PyTorch iterations.
        work = {"tf": once, "authors": twice if arch != "mixture" else once, "reuse": once}
        row = {"arch": arch, **{f"tf_{mode}_img_s": rate for mode, rate in tf_rate.items()},
               **{f"torch_{kind}_img_s": rate for kind, rate in torch_rate.items()},
               "gflop_per_image_g_once": once / 1e9,
               "tf_graph_fraction_of_matmul": tf_rate["graph"] * work["tf"] / matmul if "graph" in tf_rate else None,
               **{f"torch_{kind}_fraction_of_matmul": torch_rate[kind] * work[kind] / matmul for kind in TORCH_KINDS}}
        if "graph" in tf_rate:
            row.update({f"tf_graph_vs_torch_{kind}": tf_rate["graph"] / torch_rate[kind] for kind in TORCH_KINDS})
        rows.append(row)
        print(f"{arch:9s} " + "  ".join(f"tf {mode} {rate:9.1f}" for mode, rate in tf_rate.items())
              + "  " + "  ".join(f"torch {kind} {rate:9.1f}" for kind, rate in torch_rate.items()) + " img/s"
              + ("" if "graph" not in tf_rate else
                 f"  tf/torch-authors {row['tf_graph_vs_torch_authors']:.2f}  tf/torch-reuse {row['tf_graph_vs_torch_reuse']:.2f}"
                 f"  tf {100 * row['tf_graph_fraction_of_matmul']:.0f}% of matmul"), flush=True)
    os.makedirs(os.path.dirname(FLAGS.out), exist_ok=True)
    with open(FLAGS.out, "w") as handle:
        json.dump({"command": " ".join(sys.argv), "matmul_gflops": matmul / 1e9, "rounds": FLAGS.rounds,
                   "steps": FLAGS.steps, "modes": FLAGS.modes, "rows": rows, "raw_rounds": rounds}, handle, indent=2)


if __name__ == "__main__":
    app.run(main)
