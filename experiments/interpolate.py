"""TPAMI Fig. 6: a latent walk between two noise vectors, as a PNG strip per row.

  .venv/bin/python experiments/interpolate.py --run_dir=runs/demo --rows=4 --steps=10 --out=walk.png

Each row walks linearly from z_a to z_b (fixed seeds); for a conditional run each row keeps
one class (row i shows class i of the run's class table) so only z changes.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("run_dir", None, "A train.py --out_dir.", required=True)
flags.DEFINE_integer("rows", 4, "Independent walks.")
flags.DEFINE_integer("steps", 10, "Images per walk, endpoints included.")
flags.DEFINE_integer("seed", 0, "Seed of the endpoints.")
flags.DEFINE_string("out", "interpolation.png", "Output PNG.")


def latent_walk(model, rows: int, steps: int, seed: int) -> np.ndarray:
    """Generated images (rows * steps, H, W, C) along straight lines between random z pairs."""
    rng = np.random.default_rng(seed)
    start, end = rng.standard_normal((2, rows, model.z_dim)).astype(np.float32)
    weights = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
    z = (start[:, None, :] * (1.0 - weights) + end[:, None, :] * weights).reshape(rows * steps, model.z_dim)
    if hasattr(model, "num_classes"):
        labels = np.repeat(np.arange(rows) % model.num_classes, steps).astype(np.int32)
        return model.sampling_generator.predict([z, labels], verbose=0)
    return model.sampling_generator.predict(z, verbose=0)


def main(argv) -> None:
    del argv
    from lsgan_tf.images import make_grid, save_png, to_uint8
    from lsgan_tf.runs import restore_model

    model, config, _ = restore_model(FLAGS.run_dir)
    images = latent_walk(model, FLAGS.rows, FLAGS.steps, FLAGS.seed)
    save_png(make_grid(to_uint8(images, config.preset.pixel_range), columns=FLAGS.steps), FLAGS.out)
    print(f"wrote {FLAGS.out}")


if __name__ == "__main__":
    app.run(main)
