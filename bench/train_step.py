"""Training speed: lsgan_tf (graph mode, XLA, tf.distribute with one replica) next to the same
networks in PyTorch (bench/torch_reference.py), and next to this machine's fp32 matmul rate.

  .venv/bin/python -m pip install -r requirements-bench.txt     # torch==2.13.0 (CPU build)
  .venv/bin/python bench/train_step.py --archs=digits,mixture --steps=10 --rounds=2

Each framework runs in its own process; the processes alternate `--rounds` times so drift of
the machine hits both alike, and the table reports the median of the rounds. FLOPs of one
iteration are counted from the layer shapes: forward cost F_G, F_D per image, a backward pass
costs 2F, so one D step (G forward, D forward+backward on real and on fake) plus one G step
(G and D forward, D input-gradient backward, G backward) is about 4 F_G + 8 F_D per image.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app, flags  # noqa: E402

from bench.common import layer_flops, matmul_rate  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_list("archs", ["digits", "dcgan64", "mixture"], "Architectures (digits, dcgan64, cat128, scene112, mixture).")
flags.DEFINE_integer("steps", 10, "Timed iterations per measurement (after 3 warm-up iterations).")
flags.DEFINE_integer("rounds", 2, "Alternating TF / PyTorch rounds.")
flags.DEFINE_string("out", "bench/results/train_step.json", "Where to write the JSON results.")
flags.DEFINE_string("worker", None, "Internal: run the TensorFlow measurements and print JSON.")

PRESET_OF = {"digits": "digits", "dcgan64": "lsun64", "cat128": "cats", "scene112": "lsun", "mixture": "mixture"}


def tf_measurements(arch: str, steps: int) -> dict:
    """images/s of graph mode, XLA and a one-replica MirroredStrategy, plus the FLOPs."""
    import tensorflow as tf

    from lsgan_tf.data.datasets import make_dataset
    from lsgan_tf.training import TrainConfig, build_gan

    results = {}
    for mode in ("graph", "xla", "distribute"):
        # Synthetic batches: any existing folder satisfies the presets that need a --data_dir.
        data_dir = None if arch in ("digits", "mixture") else tempfile.gettempdir()
        config = TrainConfig(dataset=PRESET_OF[arch], data_dir=data_dir,
                             jit_compile="true" if mode == "xla" else "false").resolve()
        strategy = tf.distribute.MirroredStrategy(["/cpu:0"]) if mode == "distribute" else tf.distribute.get_strategy()
        with strategy.scope():
            model = build_gan(config)
        batch = config.batch_size
        data = next(iter(make_dataset(config.preset, batch_size=batch, seed=0))) if arch == "mixture" else \
            tf.random.uniform((batch,) + tuple(config.preset.image_shape), -1, 1)
        dataset = tf.data.Dataset.from_tensors(data).repeat()
        model.fit(dataset, steps_per_epoch=3, epochs=1, verbose=0)
        started = time.perf_counter()
        model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
        results[mode] = steps * batch / (time.perf_counter() - started)
        if mode == "graph":
            results["flops_per_image"] = 4 * layer_flops(model.generator) + 8 * layer_flops(model.discriminator)
    return results


def main(argv) -> None:
    del argv
    if FLAGS.worker:
        output = {arch: tf_measurements(arch, FLAGS.steps) for arch in FLAGS.worker.split(",")}
        output["matmul_flops"] = matmul_rate()
        print("RESULT " + json.dumps(output))
        return
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))), TF_CPP_MIN_LOG_LEVEL="2")
    archs = ",".join(FLAGS.archs)
    rounds = {"tf": [], "torch": []}
    for _ in range(FLAGS.rounds):
        tf_run = subprocess.run([sys.executable, __file__, f"--worker={archs}", f"--steps={FLAGS.steps}"],
                                capture_output=True, text=True, env=env, check=True)
        rounds["tf"].append(json.loads(tf_run.stdout.split("RESULT ")[1]))
        torch_run = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "torch_reference.py"),
                                    "--archs", archs, "--steps", str(FLAGS.steps)],
                                   capture_output=True, text=True, env=env, check=True)
        rounds["torch"].append(json.loads(torch_run.stdout.strip().splitlines()[-1]))
    matmul = statistics.median(r["matmul_flops"] for r in rounds["tf"])
    rows = []
    for arch in FLAGS.archs:
        median = {mode: statistics.median(r[arch][mode] for r in rounds["tf"]) for mode in ("graph", "xla", "distribute")}
        torch_rate = statistics.median(r[arch] for r in rounds["torch"])
        flops = rounds["tf"][0][arch]["flops_per_image"]
        rows.append({"arch": arch, **{f"tf_{k}_img_s": v for k, v in median.items()}, "torch_img_s": torch_rate,
                     "tf_graph_vs_torch": median["graph"] / torch_rate,
                     "gflop_per_image": flops / 1e9,
                     "tf_graph_fraction_of_matmul": median["graph"] * flops / matmul,
                     "torch_fraction_of_matmul": torch_rate * flops / matmul})
        row = rows[-1]
        print(f"{arch:9s} tf graph {median['graph']:8.1f}  xla {median['xla']:8.1f}  dist {median['distribute']:8.1f}  "
              f"torch {torch_rate:8.1f} img/s  tf/torch {row['tf_graph_vs_torch']:.2f}  "
              f"tf {100 * row['tf_graph_fraction_of_matmul']:.0f}% / torch {100 * row['torch_fraction_of_matmul']:.0f}% of matmul")
    os.makedirs(os.path.dirname(FLAGS.out), exist_ok=True)
    with open(FLAGS.out, "w") as handle:
        json.dump({"command": " ".join(sys.argv), "matmul_gflops": matmul / 1e9, "rounds": FLAGS.rounds,
                   "steps": FLAGS.steps, "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    app.run(main)
