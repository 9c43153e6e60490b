"""TPAMI Fig. 10: NS-GAN vs LSGAN with the Table 5 network on the small-variability digits.

  .venv/bin/python experiments/small_variability.py --steps=50001 --out=experiments/results/small_variability \\
      [--official=../shared/data/extracted/data] [--norendered] [--seeds=0,1,2] [--stop_at_classes=8]

Trains every (loss, dataset, seed) triple — the rendered `shift` and `shift_rotate` sets, and
the authors' files when --official points at their extracted data/ folder — in segments of
--eval_every steps, and scores each new checkpoint with the digit classifier (classes covered,
mean confidence, FD-digits) as soon as it is written, so a collapse that comes and goes is seen
and a long run's scores are on disk while it trains (`scores.json` in its run folder). With
--stop_at_classes=N a run stops at the first checkpoint covering at least N classes: the step at
which the exact network leaves its one-pattern plateau (TPAMI Fig. 10 protocol otherwise).
Writes results.json, table.md (last evaluation, the fewest classes at any evaluation and the
first step covering 8 classes), curves.png (the metrics over steps) and each run's final sample
grid. Re-running the same command resumes unfinished runs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

from absl import app, flags, logging

from lsgan_tf.utils import quiet

quiet.quiet_tensorflow_startup()

from lsgan_tf.config import define_flags  # noqa: E402  (imports TensorFlow: after the quiet start-up)

FLAGS = flags.FLAGS
flags.DEFINE_list("losses", ["nsgan", "lsgan"], "Loss families.")
flags.DEFINE_integer("steps", 50001, "Training steps per run (the authors' code: 50,001).")
flags.DEFINE_integer("eval_every", None, "Score a checkpoint every this many steps (default: a tenth of --steps).", lower_bound=1)
flags.DEFINE_list("sets", ["shift", "shift_rotate"], "Which digit sets to train on: shift, shift_rotate.")
flags.DEFINE_list("seeds", ["0"], "Training seeds (weights, noise and data order); one run per seed.")
flags.DEFINE_integer("stop_at_classes", None, "Stop a run at its first scored checkpoint covering at least this many "
                     "classes (default: train every run for --steps).", lower_bound=1, upper_bound=10)
flags.DEFINE_bool("rendered", True, "Train on the rendered sets (--norendered: only the authors' files from --official).")
TRAIN_SETTINGS = ("arch_option", "reduction", "noise")  # train.py's flags, applied to every run
define_flags(FLAGS, names=TRAIN_SETTINGS)
for _name in TRAIN_SETTINGS:
    flags.declare_key_flag(_name)
flags.DEFINE_string("official", None, "The authors' extracted data/ folder (times.shift, times.shift.rotate).")
flags.DEFINE_integer("num_samples", 2000, "Samples scored per evaluation.")
flags.DEFINE_string("out", "experiments/results/small_variability", "Output folder.")

SCORES = ("classes_covered", "mean_confidence", "fd_digits")
LEFT_PLATEAU_CLASSES = 8  # a checkpoint covering this many classes draws digits, not the one pattern


def _sources():
    """(label, dataset preset, data_dir) for every digit set the flags ask for."""
    from lsgan_tf.presets import PRESETS

    presets = {preset.options["variant"]: name for name, preset in PRESETS.items()
               if preset.reader == "rendered_digits"}  # shift -> digits
    unknown = sorted(set(FLAGS.sets) - set(presets))
    if unknown:
        raise app.UsageError(f"--sets: unknown {unknown}; expected some of {sorted(presets)}.")
    sources = [(f"rendered {name}", presets[name], None) for name in FLAGS.sets] if FLAGS.rendered else []
    if FLAGS.official:
        sources += [(f"authors' {name}", presets[name], FLAGS.official) for name in FLAGS.sets]
    if not sources:
        raise app.UsageError("--norendered needs --official=DIR (the authors' extracted data/ folder).")
    return sources


def _train_and_score(name: str, dataset: str, data_dir, loss: str, seed: int, eval_every: int):
    """Trains one run (or resumes it) segment by segment, scoring every new checkpoint with the
    digit classifier as soon as it exists; returns the scores of every checkpoint, in step order."""
    from lsgan_tf.config import TrainConfig
    from lsgan_tf.runs import RunDir
    from lsgan_tf.scoring import CheckpointEvaluator
    from lsgan_tf.training.checkpoints import checkpoint_step, listed_checkpoints
    from lsgan_tf.training.loop import train
    from lsgan_tf.utils.atomic import write_json

    run_dir = os.path.join(FLAGS.out, "runs", name)
    run = RunDir(run_dir)
    scores_path = os.path.join(run_dir, "scores.json")
    evaluator = CheckpointEvaluator(run_dir, num_samples=FLAGS.num_samples, cache_dir=os.path.join(FLAGS.out, "cache"))
    history = []
    if os.path.exists(scores_path):
        with open(scores_path) as handle:
            history = json.load(handle)
    while True:
        step = history[-1]["step"] if history else 0
        if step >= FLAGS.steps or (FLAGS.stop_at_classes and history
                                   and history[-1]["classes_covered"] >= FLAGS.stop_at_classes):
            break
        train(TrainConfig(dataset=dataset, data_dir=data_dir, loss=loss, seed=seed, out_dir=run_dir,
                          reduction=FLAGS.reduction, noise=FLAGS.noise,
                          steps=min(FLAGS.steps, (step // eval_every + 1) * eval_every),
                          sample_every=eval_every, checkpoint_every=eval_every,
                          keep_checkpoints=-(-FLAGS.steps // eval_every), arch_option=FLAGS.arch_option))
        unscored = [path for path in listed_checkpoints(run.checkpoints) if checkpoint_step(path) > step]
        if not unscored:
            raise RuntimeError(f"{run_dir}: training past step {step} wrote no checkpoint to score.")
        for checkpoint in map(evaluator, unscored):
            history.append({"step": checkpoint["step"], **{key: checkpoint[key] for key in SCORES}})
            print(name, history[-1], flush=True)
        write_json(scores_path, history)
    grid = sorted(os.listdir(run.samples))[-1]
    shutil.copy(os.path.join(run.samples, grid), os.path.join(FLAGS.out, f"{name}.png"))
    return history


def first_step_covering(history, classes: int = LEFT_PLATEAU_CLASSES):
    """The first scored step whose samples cover at least `classes` digit classes (None: never),
    i.e. where a run of the exact Table 5 network leaves its one-pattern plateau."""
    return next((scores["step"] for scores in history if scores["classes_covered"] >= classes), None)


def _write_table(rows) -> str:
    lines = ["| loss | data | seed | steps | classes covered (of 10) | fewest classes at any evaluation (step) | "
             f"first step covering {LEFT_PLATEAU_CLASSES} classes | mean confidence | FD-digits |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        last = row["history"][-1]
        worst = min(row["history"], key=lambda scores: scores["classes_covered"])
        left = first_step_covering(row["history"])
        lines.append(f"| {row['loss']} | {row['data']} | {row['seed']} | {last['step']} | {last['classes_covered']} | "
                     f"{worst['classes_covered']} ({worst['step']}) | {'not yet' if left is None else left} | "
                     f"{last['mean_confidence']:.3f} | {last['fd_digits']:.2f} |")
    with open(os.path.join(FLAGS.out, "table.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return "\n".join(lines)


def main(argv) -> None:
    del argv
    logging.set_verbosity(logging.WARNING)
    from study_lib.curves import curves_png

    sources = _sources()
    eval_every = FLAGS.eval_every or max(FLAGS.steps // 10, 1)
    os.makedirs(FLAGS.out, exist_ok=True)
    rows = []
    for loss in FLAGS.losses:
        for label, dataset, data_dir in sources:
            for seed in map(int, FLAGS.seeds):
                name = f"{loss}_{label.replace(' ', '_').replace(chr(39), '')}" + (f"_seed{seed}" if seed else "")
                history = _train_and_score(name, dataset, data_dir, loss, seed, eval_every)
                rows.append({"loss": loss, "data": label, "seed": seed, "arch_option": FLAGS.arch_option,
                             "reduction": FLAGS.reduction, "noise": FLAGS.noise, "history": history})
    with open(os.path.join(FLAGS.out, "results.json"), "w") as handle:
        json.dump({"command": " ".join(sys.argv), "rows": rows}, handle, indent=2)
    curves_png({title: {f"{row['loss']}, {row['data']}, seed {row['seed']}": (
                    [s["step"] for s in row["history"]], [s[key] for s in row["history"]]) for row in rows}
                for key, title in zip(SCORES, ("classes covered (of 10)", "mean confidence", "FD-digits"))},
               os.path.join(FLAGS.out, "curves.png"))
    print(_write_table(rows))


if __name__ == "__main__":
    app.run(main)
