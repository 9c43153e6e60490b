"""TPAMI Fig. 10: NS-GAN vs LSGAN with the Table 5 network on the small-variability digits.

  .venv/bin/python experiments/small_variability.py --steps=50001 --out=experiments/results/small_variability \\
      [--official=../shared/data/extracted/data]

Trains every (loss, dataset) pair — the rendered `shift` and `shift_rotate` sets, and the
authors' files when --official points at their extracted data/ folder — then scores each run
with the digit classifier (classes covered, mean confidence, FD-digits) and keeps its final
sample grid. Writes results.json and table.md.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app, flags  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_list("losses", ["nsgan", "lsgan"], "Loss families.")
flags.DEFINE_integer("steps", 50001, "Training steps per run (the authors' code: 50,001).")
flags.DEFINE_list("sets", ["shift", "shift_rotate"], "Which digit sets to train on: shift, shift_rotate.")
flags.DEFINE_multi_string("arch_option", [], "NAME=VALUE architecture option for every run, as in train.py (e.g. d_fc_norm=false).")
flags.DEFINE_string("official", None, "The authors' extracted data/ folder (times.shift, times.shift.rotate).")
flags.DEFINE_integer("num_samples", 2000, "Samples scored per run.")
flags.DEFINE_string("out", "experiments/results/small_variability", "Output folder.")


def main(argv) -> None:
    del argv
    from lsgan_tf.data.datasets import RENDERED_DIGIT_VARIANTS
    from lsgan_tf.evaluate_run import evaluate_run
    from lsgan_tf.training import TrainConfig, train

    presets = {variant: dataset for dataset, variant in RENDERED_DIGIT_VARIANTS.items()}  # shift -> digits
    unknown = sorted(set(FLAGS.sets) - set(presets))
    if unknown:
        raise app.UsageError(f"--sets: unknown {unknown}; expected some of {sorted(presets)}.")
    sources = [(f"rendered {name}", presets[name], None) for name in FLAGS.sets]
    if FLAGS.official:
        sources += [(f"authors' {name}", presets[name], FLAGS.official) for name in FLAGS.sets]
    os.makedirs(FLAGS.out, exist_ok=True)
    rows = []
    for loss in FLAGS.losses:
        for label, dataset, data_dir in sources:
            name = f"{loss}_{label.replace(' ', '_').replace(chr(39), '')}"
            run_dir = os.path.join(FLAGS.out, "runs", name)
            train(TrainConfig(dataset=dataset, data_dir=data_dir, loss=loss, steps=FLAGS.steps, out_dir=run_dir,
                              sample_every=max(FLAGS.steps // 10, 1), checkpoint_every=max(FLAGS.steps // 10, 1),
                              arch_option=FLAGS.arch_option))
            scores = evaluate_run(run_dir, num_samples=FLAGS.num_samples, cache_dir=os.path.join(FLAGS.out, "cache"))
            grid = sorted(os.listdir(os.path.join(run_dir, "samples")))[-1]
            shutil.copy(os.path.join(run_dir, "samples", grid), os.path.join(FLAGS.out, f"{name}.png"))
            rows.append({"loss": loss, "data": label, "steps": FLAGS.steps, "arch_option": FLAGS.arch_option, **{k: scores[k] for k in
                         ("classes_covered", "mean_confidence", "fd_digits")}})
            print(rows[-1], flush=True)
    with open(os.path.join(FLAGS.out, "results.json"), "w") as handle:
        json.dump({"command": " ".join(sys.argv), "rows": rows}, handle, indent=2)
    lines = ["| loss | data | steps | classes covered (of 10) | mean confidence | FD-digits |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['loss']} | {r['data']} | {r['steps']} | {r['classes_covered']} | {r['mean_confidence']:.3f} | "
              f"{r['fd_digits']:.2f} |" for r in rows]
    with open(os.path.join(FLAGS.out, "table.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    app.run(main)
