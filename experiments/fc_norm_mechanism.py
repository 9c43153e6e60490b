"""Why the Table 5 digits net draws one pattern for thousands of steps: D's gradient for a
change shared by the whole fake batch, with and without the BN of D's FC(500) layer.

  .venv/bin/python experiments/fc_norm_mechanism.py --steps=3000 --every=100 \\
      --data_dir=DIR/data --out=experiments/results/fc_norm_mechanism

Trains the exact network and the same network without D's FC batch norm
(--arch_option=d_fc_norm=false) on the same data, seed and settings, and every --every steps
records `study_lib.diagnostics.shared_change_gradients` (experiments/study_lib/diagnostics.py) on a fixed z and real batch: how well
the per-sample input gradients of G's loss agree (alignment), the gradient for brightening
every fake at once, and G's mean pixel and per-pixel spread next to the data's. On the exact
network's last kept checkpoints it also measures the same weights with the FC BN normalising
by its moving statistics instead of the fake batch's. Writes <net>.jsonl (one record per
measurement), results.json and mechanism.png. Re-running the same command resumes both runs.
"""

from __future__ import annotations

import json
import os
import sys

from absl import app, flags

from lsgan_tf.utils import quiet

FLAGS = flags.FLAGS
flags.DEFINE_integer("steps", 3000, "Training steps per network.")
flags.DEFINE_integer("every", 100, "Measure every N steps.", lower_bound=1)
flags.DEFINE_string("data_dir", None, "Digits data (the authors' data/ folder); default: the rendered shift set.")
flags.DEFINE_string("loss", "lsgan", "Loss family.")
flags.DEFINE_integer("seed", 0, "Seed of both runs.")
flags.DEFINE_string("out", "experiments/results/fc_norm_mechanism", "Output folder.")

NETWORKS = {"exact Table 5": (), "no BN in D's FC": ("d_fc_norm=false",)}
PANELS = {
    "alignment": "alignment of per-sample gradients",
    "brightness_gradient": "dL_G / d(brightness of every fake)",
    "fake_mean": "mean pixel of G's samples",
    "fake_pixel_std": "per-pixel std over the batch",
}


def _records(path: str):
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _run(label: str, arch_option, z, real):
    from lsgan_tf.config import TrainConfig
    from lsgan_tf.training.loop import train
    from study_lib.diagnostics import SharedGradientRecorder

    name = label.replace(" ", "_").replace("'", "")
    path = os.path.join(FLAGS.out, f"{name}.jsonl")

    def append(record):
        with open(path, "a") as handle:
            handle.write(json.dumps(record) + "\n")
        print(label, {key: round(value, 5) for key, value in record.items()}, flush=True)

    config = TrainConfig(dataset="digits", data_dir=FLAGS.data_dir, loss=FLAGS.loss, steps=FLAGS.steps,
                         seed=FLAGS.seed, out_dir=os.path.join(FLAGS.out, "runs", name), arch_option=arch_option,
                         sample_every=FLAGS.every * 5, checkpoint_every=FLAGS.every)
    train(config, callbacks=[SharedGradientRecorder(FLAGS.every, z, real, append)])
    return {record["step"]: record for record in _records(path)}  # a resumed step keeps its last record


def _frozen_comparison(label: str, z, real):
    """The exact network's kept checkpoints measured twice: as trained (FC BN on the fake
    batch) and with that BN frozen to its moving statistics."""
    from lsgan_tf.runs import RunDir
    from lsgan_tf.training.build import restore_model
    from lsgan_tf.training.checkpoints import listed_checkpoints
    from study_lib.diagnostics import shared_change_gradients

    run_dir = os.path.join(FLAGS.out, "runs", label.replace(" ", "_").replace("'", ""))
    rows = []
    for path in listed_checkpoints(RunDir(run_dir).checkpoints):
        model, _, _ = restore_model(run_dir, path)
        step = int(model.g_optimizer.iterations.numpy())
        for frozen in ((), ("d_fc1_bn",)):
            record = shared_change_gradients(model, z, real, frozen=frozen)
            rows.append({"step": step, "fc_bn": "moving statistics" if frozen else "fake batch", **record})
            print("frozen comparison", rows[-1], flush=True)
    return rows


def main(argv) -> None:
    del argv
    quiet.quiet_tensorflow_startup()
    import numpy as np

    from lsgan_tf import presets
    from lsgan_tf.data.datasets import make_dataset
    from lsgan_tf.noise import draw_z
    from study_lib.curves import curves_png

    os.makedirs(FLAGS.out, exist_ok=True)
    preset = presets.get("digits")
    z = draw_z(np.random.default_rng(FLAGS.seed), (preset.batch_size, preset.z_dim))
    real = next(iter(make_dataset(preset, batch_size=preset.batch_size, data_dir=FLAGS.data_dir, seed=FLAGS.seed + 1))).numpy()
    results = {label: _run(label, options, z, real) for label, options in NETWORKS.items()}
    frozen = _frozen_comparison("exact Table 5", z, real)
    panels = {}
    for key, title in PANELS.items():
        curves = {label: (sorted(records), [records[step][key] for step in sorted(records)])
                  for label, records in results.items()}
        if key.startswith("fake_"):  # the data's value, from the real batch every record measured
            steps, records = max(((sorted(r), r) for r in results.values()), key=lambda pair: len(pair[0]))
            curves["data"] = (steps, [records[step][key.replace("fake_", "real_")] for step in steps])
        panels[title] = curves
    curves_png(panels, os.path.join(FLAGS.out, "mechanism.png"), log_panels=(PANELS["alignment"],), dashed=("data",))
    with open(os.path.join(FLAGS.out, "results.json"), "w") as handle:
        json.dump({"command": " ".join(sys.argv), "runs": {label: [records[s] for s in sorted(records)]
                                                           for label, records in results.items()},
                   "exact_network_fc_bn_frozen": frozen}, handle, indent=2)


if __name__ == "__main__":
    app.run(main)
