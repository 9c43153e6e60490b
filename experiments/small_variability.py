"""TPAMI Fig. 10: NS-GAN vs LSGAN with the Table 5 network on the small-variability digits.

  .venv/bin/python experiments/small_variability.py --steps=50001 --out=experiments/results/small_variability \\
      [--official=../shared/data/extracted/data] [--norendered]

Trains every (loss, dataset) pair — the rendered `shift` and `shift_rotate` sets, and the
authors' files when --official points at their extracted data/ folder — keeping a checkpoint
every --eval_every steps, then scores each checkpoint with the digit classifier (classes
covered, mean confidence, FD-digits), so a collapse that comes and goes is seen. Writes
results.json, table.md (last evaluation and the fewest classes at any evaluation),
curves.png (the metrics over steps) and each run's final sample grid. Re-running the same
command resumes unfinished runs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_list("losses", ["nsgan", "lsgan"], "Loss families.")
flags.DEFINE_integer("steps", 50001, "Training steps per run (the authors' code: 50,001).")
flags.DEFINE_integer("eval_every", None, "Score a checkpoint every this many steps (default: a tenth of --steps).", lower_bound=1)
flags.DEFINE_list("sets", ["shift", "shift_rotate"], "Which digit sets to train on: shift, shift_rotate.")
flags.DEFINE_bool("rendered", True, "Train on the rendered sets (--norendered: only the authors' files from --official).")
flags.DEFINE_multi_string("arch_option", [], "NAME=VALUE architecture option for every run, as in train.py (e.g. d_fc_norm=false).")
flags.DEFINE_string("official", None, "The authors' extracted data/ folder (times.shift, times.shift.rotate).")
flags.DEFINE_integer("num_samples", 2000, "Samples scored per evaluation.")
flags.DEFINE_string("out", "experiments/results/small_variability", "Output folder.")

SCORES = ("classes_covered", "mean_confidence", "fd_digits")


def _sources():
    """(label, dataset preset, data_dir) for every digit set the flags ask for."""
    from lsgan_tf.data.datasets import RENDERED_DIGIT_VARIANTS

    presets = {variant: dataset for dataset, variant in RENDERED_DIGIT_VARIANTS.items()}  # shift -> digits
    unknown = sorted(set(FLAGS.sets) - set(presets))
    if unknown:
        raise app.UsageError(f"--sets: unknown {unknown}; expected some of {sorted(presets)}.")
    sources = [(f"rendered {name}", presets[name], None) for name in FLAGS.sets] if FLAGS.rendered else []
    if FLAGS.official:
        sources += [(f"authors' {name}", presets[name], FLAGS.official) for name in FLAGS.sets]
    if not sources:
        raise app.UsageError("--norendered needs --official=DIR (the authors' extracted data/ folder).")
    return sources


def _train_and_score(name: str, dataset: str, data_dir, loss: str, eval_every: int):
    """Trains one run (or resumes it) and returns the digit-classifier scores of every kept checkpoint."""
    import tensorflow as tf

    from lsgan_tf import runs
    from lsgan_tf.evaluate_run import evaluate_checkpoints
    from lsgan_tf.training import TrainConfig, train

    run_dir = os.path.join(FLAGS.out, "runs", name)
    train(TrainConfig(dataset=dataset, data_dir=data_dir, loss=loss, steps=FLAGS.steps, out_dir=run_dir,
                      sample_every=eval_every, checkpoint_every=eval_every,
                      keep_checkpoints=-(-FLAGS.steps // eval_every), arch_option=FLAGS.arch_option))
    state = tf.train.get_checkpoint_state(os.path.join(run_dir, runs.CHECKPOINTS))
    scores = evaluate_checkpoints(run_dir, state.all_model_checkpoint_paths, num_samples=FLAGS.num_samples,
                                  cache_dir=os.path.join(FLAGS.out, "cache"))
    history = [{"step": checkpoint["step"], **{key: checkpoint[key] for key in SCORES}} for checkpoint in scores]
    for entry in history:
        print(name, entry, flush=True)
    grid = sorted(os.listdir(os.path.join(run_dir, runs.SAMPLES)))[-1]
    shutil.copy(os.path.join(run_dir, runs.SAMPLES, grid), os.path.join(FLAGS.out, f"{name}.png"))
    return history


def _write_table(rows) -> str:
    lines = ["| loss | data | steps | classes covered (of 10) | fewest classes at any evaluation (step) | "
             "mean confidence | FD-digits |", "|---|---|---|---:|---:|---:|---:|"]
    for row in rows:
        last = row["history"][-1]
        worst = min(row["history"], key=lambda scores: scores["classes_covered"])
        lines.append(f"| {row['loss']} | {row['data']} | {last['step']} | {last['classes_covered']} | "
                     f"{worst['classes_covered']} ({worst['step']}) | {last['mean_confidence']:.3f} | {last['fd_digits']:.2f} |")
    with open(os.path.join(FLAGS.out, "table.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return "\n".join(lines)


def main(argv) -> None:
    del argv
    from lsgan_tf.plots import curves_png

    sources = _sources()
    eval_every = FLAGS.eval_every or max(FLAGS.steps // 10, 1)
    os.makedirs(FLAGS.out, exist_ok=True)
    rows = []
    for loss in FLAGS.losses:
        for label, dataset, data_dir in sources:
            name = f"{loss}_{label.replace(' ', '_').replace(chr(39), '')}"
            history = _train_and_score(name, dataset, data_dir, loss, eval_every)
            rows.append({"loss": loss, "data": label, "arch_option": FLAGS.arch_option, "history": history})
    with open(os.path.join(FLAGS.out, "results.json"), "w") as handle:
        json.dump({"command": " ".join(sys.argv), "rows": rows}, handle, indent=2)
    curves_png({title: {f"{row['loss']}, {row['data']}": ([s["step"] for s in row["history"]],
                                                          [s[key] for s in row["history"]]) for row in rows}
                for key, title in zip(SCORES, ("classes covered (of 10)", "mean confidence", "FD-digits"))},
               os.path.join(FLAGS.out, "curves.png"))
    print(_write_table(rows))


if __name__ == "__main__":
    app.run(main)
