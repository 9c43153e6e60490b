"""Evaluate a training run, an exported or shipped generator, or any images: the papers' metrics
and FID / KID / IS.

  python evaluate.py --run_dir=runs/demo                              # digits: classifier coverage, FD-digits
  python evaluate.py --pretrained=digits                              # a shipped generator: its card's figures
  python evaluate.py --model=exported/digits/tflite/generator.tflite  # an export (.tflite or SavedModel)
  python evaluate.py --run_dir=runs/mixture                           # mixture: modes covered, quality, collapse
  python evaluate.py --run_dir=runs/hwdb                              # conditional HWDB: class accuracy
  python evaluate.py --run_dir=runs/cats                              # images: FID, KID, Inception Score
  python evaluate.py --run_dir=runs/cats --num_samples=50000 --reference_stats=stats/cats_50k.npz  # as published
  python evaluate.py --images=samples/ --reference=real/              # any two folders (or .npz files)
  python evaluate.py --images=real/ --save_stats=stats/real.npz       # mu, sigma for later --reference

The digit and HWDB metrics use classifiers shipped with the package (the same on every
machine); FID uses the standard 2015-12-05 Inception graph (TTUR, pytorch-fid): fetched once into
--cache_dir, or a local copy given with --inception_weights. A run's scores go to
<run_dir>/evaluation.json (or --out), with the seed of its samples; a table is printed.
"""

from __future__ import annotations

import sys

from absl import flags, logging

from lsgan_tf.cli import program, require, run_app, verbose
from lsgan_tf.utils import quiet

require("tensorflow", "scipy", "tqdm")

from lsgan_tf.utils.atomic import write_json
from lsgan_tf.utils.cache import cache_directory

FLAGS = flags.FLAGS
flags.DEFINE_string("run_dir", None, "A training run to score (the folder lsgan-train wrote).")
flags.DEFINE_string("model", None, "An export to score instead of a run: a .tflite file (metadata.json beside it) or a "
                    "SavedModel folder; scored with the metric of the dataset its metadata.json names.")
flags.DEFINE_string("pretrained", None, "A generator shipped with lsgan-tf to score instead of a run (lsgan-sample "
                    "--pretrained=list names them).")
flags.DEFINE_string("data_dir", None, "With --model or --pretrained: the real data of its dataset, when the dataset "
                    "is not rendered by lsgan_tf itself.")
flags.DEFINE_string("images", None, "Score these images instead of a run: a folder of image files (any depth, any "
                    "sizes: see --resize) or an .npz holding a uint8 (N, H, W, C) array.")
flags.DEFINE_string("reference", None, "With --images: the images to compare with (folder or .npz) or an .npz of "
                    "saved statistics (mu, sigma, as TTUR and pytorch-fid write them).")
flags.DEFINE_enum("resize", "legacy_tensorflow", ["legacy_tensorflow", "clean"], "With --images: how images reach "
                  "Inception's 299x299 (any sizes may mix): legacy_tensorflow, the 2015 graph's own TF1 bilinear "
                  "resize "
                  "(TTUR, pytorch-fid, published FIDs), or clean, clean-fid's PIL bicubic; recorded with the scores.")
flags.DEFINE_string("save_stats", None, "With --images: write their Inception statistics (mu, sigma) to this .npz.")
flags.DEFINE_string("checkpoint", None, "A checkpoint path (default: the run's newest).")
flags.DEFINE_integer("num_samples", 5000, "Generated (and real) samples to score; published FIDs use 10000 or 50000.",
                     lower_bound=2)
flags.DEFINE_string("inception_weights", None, "A local Inception for FID/KID/IS instead of the fetched one: "
                    "classify_image_graph_def.pb or TF-GAN's tfgan/eval/inception/1 SavedModel folder (the 2015-12-05 "
                    "network: comparable with published FIDs), or the Keras notop .h5 file (not comparable).")
flags.DEFINE_string("inception_url", None, "Where to fetch the Inception archive (inception-2015-12-05.tgz) when "
                    "--inception_weights is not given. Default: download.tensorflow.org; a mirror also works.")
flags.DEFINE_string("reference_stats", None, "An .npz of the real data's Inception mean and covariance (mu, sigma): "
                    "used when it exists, else computed from the data and saved there. KID needs the real "
                    "features themselves and is left out when they come from this file.")
flags.DEFINE_string("cache_dir", cache_directory(), "Where the fetched Inception graph is cached.")
flags.DEFINE_string("out", None, "Output JSON (default: <run_dir>/evaluation.json; with --images, --model or "
                    "--pretrained, none unless given).")
flags.DEFINE_integer("seed", 0, "Noise seed of the evaluation samples: the same seed draws the same samples "
                     "(recorded in evaluation.json).")


def _evaluate():
    """The scores asked for by the flags, and where they are written (None: not written)."""
    from lsgan_tf.errors import ConfigError
    from lsgan_tf.evaluation.inception import INCEPTION_URL

    extractor = dict(inception_weights=FLAGS.inception_weights, cache_dir=FLAGS.cache_dir,
                     inception_url=FLAGS.inception_url or INCEPTION_URL)
    if FLAGS.images:
        from lsgan_tf.evaluation.images import save_image_statistics, score_images

        if FLAGS.run_dir or not (FLAGS.reference or FLAGS.save_stats):
            raise ConfigError("--images needs --reference=DIR_OR_NPZ (or --save_stats=NPZ), and no --run_dir.")
        if FLAGS.reference:
            return score_images(FLAGS.images, FLAGS.reference, resize=FLAGS.resize, **extractor), FLAGS.out
        return save_image_statistics(FLAGS.images, FLAGS.save_stats, resize=FLAGS.resize, **extractor), FLAGS.out
    if sum(bool(source) for source in (FLAGS.run_dir, FLAGS.model, FLAGS.pretrained)) != 1:
        raise ConfigError("give one of --run_dir=RUN (a run), --model=PATH (an export), --pretrained=NAME (a shipped "
                          "generator), or --images=DIR --reference=DIR_OR_NPZ to score images.")
    if FLAGS.model or FLAGS.pretrained:
        return _evaluate_export(extractor), FLAGS.out
    from lsgan_tf.runs import RunDir
    from lsgan_tf.scoring import evaluate_run

    results = evaluate_run(FLAGS.run_dir, checkpoint=FLAGS.checkpoint, num_samples=FLAGS.num_samples, seed=FLAGS.seed,
                           reference_stats=FLAGS.reference_stats, **extractor)
    return results, FLAGS.out or RunDir(FLAGS.run_dir).evaluation_file


def _evaluate_export(extractor: dict) -> dict:
    """The scores of --model or --pretrained."""
    from lsgan_tf import pretrained
    from lsgan_tf.errors import SampleError
    from lsgan_tf.export.generators import open_generator
    from lsgan_tf.scoring import evaluate_generator

    try:
        path = pretrained.model_path(FLAGS.pretrained) if FLAGS.pretrained else FLAGS.model
        generator = open_generator(path)
    except (SampleError, ValueError) as error:
        raise SampleError(f"--pretrained: {error}" if FLAGS.pretrained and not isinstance(error, SampleError)
                          else str(error)) from None
    source = f"--pretrained={FLAGS.pretrained}" if FLAGS.pretrained else path
    return evaluate_generator(generator, source, num_samples=FLAGS.num_samples, seed=FLAGS.seed,
                              data_dir=FLAGS.data_dir, **extractor)


def main(argv) -> int:
    del argv
    quiet.quiet_tensorflow_startup()
    logging.set_verbosity(logging.WARNING)
    from lsgan_tf.errors import ConfigError, DataError, FeatureError, RunError, SampleError

    try:
        results, out = _evaluate()
    except (ConfigError, DataError, FeatureError, RunError, SampleError) as error:
        print(f"{program()}: error: {error}", file=sys.stderr)
        return 2
    if out:
        write_json(out, results, indent=2)
    width = max(len(name) for name in results)
    for name, value in results.items():
        shown = f"{value:.4f}" if isinstance(value, float) else value
        print(f"{name:{width}s}  {shown}")
    if out:
        print(f"wrote {out}")
    return 0


def run() -> None:
    """The `lsgan-evaluate` console script and `evaluate.py`."""
    run_app(main, sys.modules[__name__], verbose, usage=__doc__)
