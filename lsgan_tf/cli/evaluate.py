"""Evaluate a training run: samples from its generator, scored with the papers' metrics.

  python evaluate.py --run_dir=runs/demo                              # digits: classifier coverage, FD-digits
  python evaluate.py --run_dir=runs/mixture                           # mixture: modes covered, quality, collapse
  python evaluate.py --run_dir=runs/hwdb                              # conditional HWDB: class accuracy
  python evaluate.py --run_dir=runs/cats --inception_weights=PATH     # images: FID, KID, Inception Score
  python evaluate.py --run_dir=runs/cats --inception_weights=PATH --num_samples=50000 \
      --reference_stats=stats/cats_50k.npz                             # the literature's 50k; real stats kept

Writes <run_dir>/evaluation.json (or --out) and prints a table.
"""

from __future__ import annotations

import sys

from absl import flags, logging

from lsgan_tf.cli import program, run_app
from lsgan_tf.utils import quiet
from lsgan_tf.utils.atomic import write_json
from lsgan_tf.utils.cache import cache_directory

FLAGS = flags.FLAGS
flags.DEFINE_string("run_dir", None, "A train.py --out_dir.", required=True)
flags.DEFINE_string("checkpoint", None, "A checkpoint path (default: the run's newest).")
flags.DEFINE_integer("num_samples", 5000, "Generated (and real) samples to score; published FIDs use 10000 or 50000.",
                     lower_bound=2)
flags.DEFINE_string("inception_weights", None, "Local Inception-v3 for FID/KID/IS: TF-GAN's TF-Hub SavedModel folder "
                    "(tfgan/eval/inception/1, the 2015-12-05 graph: comparable with published FIDs) or the Keras "
                    "notop .h5 file (not comparable).")
flags.DEFINE_string("reference_stats", None, "An .npz of the real data's Inception mean and covariance (mu, sigma): "
                    "used when it exists, else computed from the data and saved there. KID needs the real "
                    "features themselves and is left out when they come from this file.")
flags.DEFINE_string("cache_dir", cache_directory(),
                    "Where the digit and character classifiers are cached.")
flags.DEFINE_string("out", None, "Output JSON (default: <run_dir>/evaluation.json).")
flags.DEFINE_integer("seed", 0, "Noise seed of the evaluation samples.")


def main(argv) -> int:
    del argv
    quiet.quiet_tensorflow_startup()
    logging.set_verbosity(logging.WARNING)
    from lsgan_tf.errors import FeatureError, RunError
    from lsgan_tf.evaluation.run import evaluate_run
    from lsgan_tf.runs import RunDir

    try:
        results = evaluate_run(FLAGS.run_dir, checkpoint=FLAGS.checkpoint, num_samples=FLAGS.num_samples,
                               inception_weights=FLAGS.inception_weights, cache_dir=FLAGS.cache_dir, seed=FLAGS.seed,
                               reference_stats=FLAGS.reference_stats)
    except (FeatureError, RunError) as error:
        print(f"{program()}: error: {error}", file=sys.stderr)
        return 2
    out = FLAGS.out or RunDir(FLAGS.run_dir).evaluation_file
    write_json(out, results, indent=2)
    width = max(len(name) for name in results)
    for name, value in results.items():
        shown = f"{value:.4f}" if isinstance(value, float) else value
        print(f"{name:{width}s}  {shown}")
    print(f"wrote {out}")
    return 0


def run() -> None:
    """The `lsgan-evaluate` console script and `evaluate.py`."""
    run_app(main, sys.modules[__name__], quiet, usage=__doc__)
