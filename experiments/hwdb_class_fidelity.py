"""Class fidelity of a conditional HWDB run over training: class accuracy at every kept
checkpoint, and a captioned grid of 10 classes x 8 samples from the newest.

  .venv/bin/python experiments/hwdb_class_fidelity.py --run_dir=runs/hwdb-lsgan --out=experiments/results/hwdb

Writes results.json (one evaluate.py record per checkpoint), class_accuracy.png (the curve with
its chance level and the shipped classifier's accuracy on the run's real characters) and grid.png
(each column one class, spread over the classes the data holds, its character printed under it).
"""

from __future__ import annotations

import json
import os
import sys

from absl import app, flags

from lsgan_tf.utils import quiet

FLAGS = flags.FLAGS
flags.DEFINE_string("run_dir", None, "A conditional HWDB train.py --out_dir.", required=True)
flags.DEFINE_integer("num_samples", 2000, "Samples scored per checkpoint (labels cycle through the classes held).")
flags.DEFINE_string("out", "experiments/results/hwdb", "Output folder.")


def main(argv) -> int:
    del argv
    quiet.quiet_tensorflow_startup()

    from lsgan_tf.data import classes
    from lsgan_tf.runs import RunDir
    from lsgan_tf.samples import sample_grid
    from lsgan_tf.scoring import evaluate_checkpoints
    from lsgan_tf.training.build import restore_model
    from lsgan_tf.training.checkpoints import listed_checkpoints
    from lsgan_tf.utils.atomic import write_json
    from lsgan_tf.utils.images import save_png
    from study_lib.curves import curves_png

    run = RunDir(FLAGS.run_dir)
    table = run.class_table()
    if table is None:
        print(f"{FLAGS.run_dir} is not a conditional HWDB run (no {classes.CLASSES_FILE}).", file=sys.stderr)
        return 2
    scores = evaluate_checkpoints(FLAGS.run_dir, listed_checkpoints(run.checkpoints), num_samples=FLAGS.num_samples)
    os.makedirs(FLAGS.out, exist_ok=True)
    write_json(os.path.join(FLAGS.out, "results.json"), scores, indent=2)
    steps = [score["step"] for score in scores]
    ceiling = scores[0].get("classifier_accuracy_on_run_data")
    curves = {"generated": (steps, [score["class_accuracy"] for score in scores]),
              "chance": (steps, [scores[0]["chance"]] * len(steps))}
    if ceiling is not None:
        curves["classifier on real"] = (steps, [ceiling] * len(steps))
    curves_png({"class accuracy": curves}, os.path.join(FLAGS.out, "class_accuracy.png"), log_panels=("class accuracy",),
               dashed=("classifier on real", "chance"))
    model, config, _ = restore_model(FLAGS.run_dir)
    save_png(sample_grid(model, config.pixel_range, count=80, columns=10, table=table), os.path.join(FLAGS.out, "grid.png"))
    for score in scores:
        on_real = f", classifier on real {ceiling:.4f}" if ceiling is not None else ""
        print(f"step {score['step']:6d}  class_accuracy {score['class_accuracy']:.4f}  (chance {score['chance']:.4f}{on_real})")
    print(json.dumps({"out": FLAGS.out}))
    return 0


if __name__ == "__main__":
    app.run(main)
