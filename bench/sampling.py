"""Sampling latency of exported generators: per image and images/s for each format at batch 1
and 64 (LiteRT with 1 and 2 threads, SavedModel), next to the generator's FLOPs per image and
this machine's measured fp32 matmul rate.

  .venv/bin/python -m bench.sampling --export=DIR [--out=bench/results/sampling.json]

DIR is an export.py output; the TFLite batch-64 rows need an export with --tflite_batch=64
beside it (the script exports one itself from --run_dir when given).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time

import numpy as np
from absl import app, flags

from bench.common import layer_flops, matmul_rate

FLAGS = flags.FLAGS
flags.DEFINE_string("run_dir", None, "A train.py run to export (batch 1 and batch 64 TFLite).", required=True)
flags.DEFINE_string("work", "/tmp/lsgan_sampling_bench", "Scratch folder for the exports.")
flags.DEFINE_integer("repeats", 50, "Timed calls per row (after 5 warm-up calls).")
flags.DEFINE_string("out", "bench/results/sampling.json", "Where to write the JSON results.")


def time_calls(call, repeats: int) -> float:
    for _ in range(5):
        call()
    started = time.perf_counter()
    for _ in range(repeats):
        call()
    return (time.perf_counter() - started) / repeats


def main(argv) -> None:
    del argv
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    from lsgan_tf.export.run import export_run
    from lsgan_tf.noise import draw_z
    from lsgan_tf.training.build import restore_model

    model, config, _ = restore_model(FLAGS.run_dir)
    generator = model.sampling_generator
    z_dim = model.z_dim
    exports = {}
    for batch in (1, 64):
        exports[batch] = os.path.join(FLAGS.work, f"batch{batch}")
        export_run(FLAGS.run_dir, exports[batch], tflite_batch=batch, quantize=["none", "float16", "dynamic"])
    flops = layer_flops(generator)
    rate = matmul_rate()
    rows = []
    rng = np.random.default_rng(0)
    for batch in (1, 64):
        z = draw_z(rng, (batch, z_dim))
        for variant, name in (("float32", "generator.tflite"), ("float16", "generator_float16.tflite"),
                              ("dynamic", "generator_dynamic.tflite")):
            for threads in (1, 2):
                runner = Interpreter(model_path=os.path.join(exports[batch], "tflite", name),
                                     num_threads=threads).get_signature_runner("serving_default")
                seconds = time_calls(lambda: runner(z=z), FLAGS.repeats)
                rows.append({"format": f"tflite {variant}", "threads": threads, "batch": batch,
                             "ms_per_image": 1000 * seconds / batch, "images_per_s": batch / seconds})
        serving = tf.saved_model.load(os.path.join(exports[1], "saved_model", "1")).signatures["serving_default"]
        tensor = tf.constant(z)
        seconds = time_calls(lambda: serving(z=tensor)["images"].numpy(), FLAGS.repeats)
        rows.append({"format": "saved_model", "threads": "tf default", "batch": batch,
                     "ms_per_image": 1000 * seconds / batch, "images_per_s": batch / seconds})
    for row in rows:
        row["fraction_of_matmul_rate"] = row["images_per_s"] * flops / rate
        print(f"{row['format']:18s} threads={row['threads']!s:10s} batch={row['batch']:3d} "
              f"{row['ms_per_image']:8.3f} ms/img {row['images_per_s']:9.1f} img/s "
              f"{100 * row['fraction_of_matmul_rate']:5.1f}% of matmul rate")
    result = {"arch": config.arch, "generator_mflops_per_image": flops / 1e6, "matmul_gflops": rate / 1e9,
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
              "command": " ".join(sys.argv), "rows": rows}
    print(f"generator: {flops / 1e6:.1f} MFLOP/image; matmul: {rate / 1e9:.1f} GFLOP/s")
    os.makedirs(os.path.dirname(FLAGS.out), exist_ok=True)
    with open(FLAGS.out, "w") as handle:
        json.dump(result, handle, indent=2)


if __name__ == "__main__":
    app.run(main)
