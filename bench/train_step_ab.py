"""A/B of two ways to run the same training iteration, in one process, per architecture:
lsgan_tf's fast kernels against Keras' own layers and Adam (`--compare=kernels`: --kernels=fast
against --kernels=keras), or XLA against plain graph mode (`--compare=xla`).

  .venv/bin/python -m bench.train_step_ab --compare=kernels --archs=digits --blocks=12
  .venv/bin/python -m bench.train_step_ab --compare=xla --archs=digits,mixture --blocks=8

Both variants are built from the paper preset (same weights, same synthetic batch) and traced
first; then blocks of `--steps_per_block` iterations alternate between them (A B, B A, ...), so
that the drift of a noisy machine hits both alike. Reported: each variant's median ms per
iteration and the median over blocks of the ratio B / A (below 1: B is faster). The kernels of
lsgan_tf/kernels and --jit_compile=auto (lsgan_tf/training/build.py) were chosen from these tables.
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import sys
import time

from absl import app, flags

from bench.common import PRESET_OF, bench_config, synthetic_batch
from lsgan_tf.architectures import HWDB_CLASSES

FLAGS = flags.FLAGS
COMPARISONS = {  # name: (A, B)
    "kernels": ("--kernels=keras", "--kernels=fast"),
    "xla": ("graph", "XLA"),
}
flags.DEFINE_enum("compare", "kernels", sorted(COMPARISONS), "What B changes against A.")
flags.DEFINE_list("archs", ["digits", "dcgan64", "cat128", "scene112", "hwdb", "mixture"], "Architectures.")
flags.DEFINE_integer("blocks", 8, "Timed blocks per variant.")
flags.DEFINE_integer("steps_per_block", 0, "Iterations per block (0: about 1 s of work, at least 1).")
flags.DEFINE_string("out", None, "JSON output (default bench/results/train_step_ab_<compare>.json).")


def variant(config, data, b_side: bool):
    """A traced train_step of the preset's GAN: A or B of --compare."""
    import tensorflow as tf

    from lsgan_tf.training.build import build_gan

    if FLAGS.compare == "kernels" and not b_side:
        config = dataclasses.replace(config, kernels="keras")
    model = build_gan(config, num_classes=HWDB_CLASSES if config.conditional else None)
    step = tf.function(lambda: model.train_step(data), jit_compile=b_side and FLAGS.compare == "xla")
    started = time.perf_counter()
    for _ in range(2):
        [value.numpy() for value in step().values()]
    return step, (time.perf_counter() - started) / 2


def measure(arch: str) -> dict:
    """Median ms per iteration of A and B, and the per-block ratios B / A."""
    config = bench_config(arch, jit_compile="false")
    data = synthetic_batch(config)
    (step_a, warm_a), (step_b, _) = variant(config, data, False), variant(config, data, True)
    per_block = FLAGS.steps_per_block or max(1, round(1.0 / warm_a))
    times = {"a": [], "b": []}
    for block in range(FLAGS.blocks):
        for side in (("a", "b") if block % 2 == 0 else ("b", "a")):
            step = step_a if side == "a" else step_b
            started = time.perf_counter()
            for _ in range(per_block):
                result = step()
            [value.numpy() for value in result.values()]
            times[side].append(1000 * (time.perf_counter() - started) / per_block)
    ratios = [b / a for a, b in zip(times["a"], times["b"])]
    return {"arch": arch, "steps_per_block": per_block, "a_ms": statistics.median(times["a"]),
            "b_ms": statistics.median(times["b"]), "median_ratio_b_over_a": statistics.median(ratios),
            "blocks_b_faster": sum(ratio < 1 for ratio in ratios), "ratios": ratios}


def main(argv) -> None:
    del argv
    unknown = set(FLAGS.archs) - set(PRESET_OF)
    if unknown:
        raise app.UsageError(f"--archs: unknown {sorted(unknown)}; expected some of {sorted(PRESET_OF)}.")
    a_name, b_name = COMPARISONS[FLAGS.compare]
    rows = []
    for arch in FLAGS.archs:
        rows.append(measure(arch))
        row = rows[-1]
        print(f"{arch:9s} {a_name} {row['a_ms']:9.1f} ms  {b_name} {row['b_ms']:9.1f} ms  "
              f"median ratio {row['median_ratio_b_over_a']:.3f}  {b_name} faster in {row['blocks_b_faster']}/{FLAGS.blocks} blocks",
              flush=True)
    out = FLAGS.out or os.path.join("bench", "results", f"train_step_ab_{FLAGS.compare}.json")
    with open(out, "w") as handle:
        json.dump({"command": " ".join(sys.argv), "a": a_name, "b": b_name, "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    app.run(main)
