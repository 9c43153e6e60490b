"""TPAMI Fig. 6: a latent walk between two noise vectors, as a PNG strip per row; for a
conditional run also a walk between two classes.

  .venv/bin/python experiments/interpolate.py --run_dir=runs/demo --rows=4 --steps=10 --out=walk.png
  .venv/bin/python experiments/interpolate.py --run_dir=runs/hwdb --walk=label --out=label_walk.png

`--walk=z`: each row walks linearly from z_a to z_b (fixed seeds); for a conditional run each
row keeps one class (row i shows class i of the run's class table) so only z changes.
`--walk=label` (conditional runs): each row keeps one z and walks from class a to class b.
G's label map is linear (onehot(y) W + b), so the walk feeds G the label vector
(1 - t) W[a] + t W[b] + b, which is the map of the mixed one-hot (1 - t) e_a + t e_b.
"""

from __future__ import annotations

import numpy as np
from absl import app, flags

from lsgan_tf.noise import draw_z
from lsgan_tf.utils import quiet

FLAGS = flags.FLAGS
flags.DEFINE_string("run_dir", None, "A train.py --out_dir.", required=True)
flags.DEFINE_integer("rows", 4, "Independent walks.")
flags.DEFINE_integer("steps", 10, "Images per walk, endpoints included.")
flags.DEFINE_integer("seed", 0, "Seed of the endpoints.")
flags.DEFINE_enum("walk", "z", ["z", "label"], "Walk between two noise vectors, or (conditional runs) between two classes.")
flags.DEFINE_string("out", "interpolation.png", "Output PNG.")


def latent_walk(model, rows: int, steps: int, seed: int) -> np.ndarray:
    """Generated images (rows * steps, H, W, C) along straight lines between random z pairs."""
    rng = np.random.default_rng(seed)
    start, end = draw_z(rng, (2, rows, model.z_dim), model.noise)
    weights = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
    z = (start[:, None, :] * (1.0 - weights) + end[:, None, :] * weights).reshape(rows * steps, model.z_dim)
    if hasattr(model, "num_classes"):
        labels = np.repeat(np.arange(rows) % model.num_classes, steps).astype(np.int32)
        return model.sampling_generator.predict([z, labels], verbose=0)
    return model.sampling_generator.predict(z, verbose=0)


def label_walk(model, rows: int, steps: int, seed: int) -> np.ndarray:
    """Generated images (rows * steps, H, W, C): per row one z and label vectors moving
    linearly from a random class a to a random class b."""
    import keras

    from lsgan_tf.architectures.blocks import LabelProjection

    generator = model.sampling_generator
    label_map = next(layer for layer in generator.layers if isinstance(layer, LabelProjection))
    # G from (z, label vector): the same layers, with the label map's output as an input.
    from_label_vectors = keras.Model([generator.inputs[0], label_map.output], generator.output)
    rng = np.random.default_rng(seed)
    z = np.repeat(draw_z(rng, (rows, model.z_dim), model.noise), steps, axis=0)
    first, last = rng.choice(model.num_classes, size=(2, rows), replace=2 * rows > model.num_classes)
    kernel = keras.ops.convert_to_numpy(label_map.kernel)
    weights = np.tile(np.linspace(0.0, 1.0, steps, dtype=np.float32), rows)[:, None]
    vectors = (np.repeat(kernel[first], steps, axis=0) * (1.0 - weights) + np.repeat(kernel[last], steps, axis=0) * weights
               + keras.ops.convert_to_numpy(label_map.bias))
    return from_label_vectors.predict([z, vectors], verbose=0)


def main(argv) -> None:
    del argv
    quiet.quiet_tensorflow_startup()
    from lsgan_tf.training.build import restore_model
    from lsgan_tf.utils.images import make_grid, save_png, to_uint8

    model, config, _ = restore_model(FLAGS.run_dir)
    if FLAGS.walk == "label" and not hasattr(model, "num_classes"):
        raise app.UsageError(f"--walk=label needs a conditional run; {FLAGS.run_dir} is unconditional (use --walk=z).")
    walk = label_walk if FLAGS.walk == "label" else latent_walk
    images = walk(model, FLAGS.rows, FLAGS.steps, FLAGS.seed)
    save_png(make_grid(to_uint8(images, config.pixel_range), columns=FLAGS.steps), FLAGS.out)
    print(f"wrote {FLAGS.out}")


if __name__ == "__main__":
    app.run(main)
