"""Export a trained generator for TF Serving (SavedModel) and for phones (TFLite).

  python export.py --run_dir=runs/demo --out=exported/digits

Writes DIR/saved_model/<version>/ (TF Serving's model base path layout), DIR/tflite/*.tflite
with metadata.json, and DIR/README.txt with the serving and on-device instructions.
"""

from __future__ import annotations

import sys

from absl import flags, logging

from lsgan_tf.cli import program, require, run_app, verbose
from lsgan_tf.utils import quiet

require("tensorflow")
FLAGS = flags.FLAGS
flags.DEFINE_string("run_dir", None, "A training run (the folder lsgan-train wrote).", required=True)
flags.DEFINE_string("checkpoint", None, "A checkpoint path (default: the run's newest).")
flags.DEFINE_string("out", None, "Output folder.", required=True)
flags.DEFINE_integer("version", 1, "SavedModel version number (TF Serving's numbered sub-folder).")
flags.DEFINE_list("formats", ["saved_model", "tflite"], "Any of saved_model, tflite.")
flags.DEFINE_integer("tflite_batch", 1, "Static batch of the TFLite models (mobile GPU delegates need one).")
flags.DEFINE_list("quantize", ["none", "float16", "dynamic"], "TFLite variants: none (float32), float16, dynamic (int8 "
                                                              "weights).")
flags.DEFINE_integer("max_sample", 1024, "Largest num the SavedModel's sample signature accepts (larger and "
                                         "non-positive requests are rejected before any allocation).")
flags.DEFINE_enum("ema", "auto", ["auto", "true", "false"], "Export the EMA generator: auto = when the run kept one.")


def main(argv) -> int:
    del argv
    quiet.quiet_tensorflow_startup()
    logging.set_verbosity(logging.WARNING)
    from lsgan_tf.errors import ExportError
    from lsgan_tf.export.run import export_run

    try:
        with quiet.stderr_without_noise():  # the TFLite converter's C++ "Ignored output_format" warnings
            export_run(FLAGS.run_dir, FLAGS.out, checkpoint=FLAGS.checkpoint, version=FLAGS.version,
                       formats=FLAGS.formats, tflite_batch=FLAGS.tflite_batch, quantize=FLAGS.quantize,
                       ema=FLAGS.ema, max_sample=FLAGS.max_sample, log=print)
    except ExportError as error:
        print(f"{program()}: error: {error}", file=sys.stderr)
        return 2
    return 0


def run() -> None:
    """The `lsgan-export` console script and `export.py`."""
    run_app(main, sys.modules[__name__], verbose, usage=__doc__)
