"""Align and crop the cat faces (TPAMI Table 2 data) into 128x128 PNGs or TFRecords.

  python data_prep/cats.py --src=DIR_WITH_CAT_FOLDERS --out=data/cats128 --size=128
"""

from __future__ import annotations

import os
import sys
import time

from absl import flags

from lsgan_tf.cli import require

require("tensorflow", "tqdm")

from lsgan_tf.cli import prep_common, run_app, verbose
from lsgan_tf.utils import quiet

quiet.quiet_tensorflow_startup()

from lsgan_tf.cli.prep_common import define_output_flags, fail, print_summary, progress
from lsgan_tf.data import cats, records
from lsgan_tf.data.images_io import ImageDecodeError, list_images
from lsgan_tf.utils.images import save_png

FLAGS = flags.FLAGS
flags.DEFINE_string("src", None, "Folder holding CAT_00 ... CAT_06 (X.jpg with X.jpg.cat).", required=True)
flags.DEFINE_integer("size", 128, "Output side in pixels.")
flags.DEFINE_integer("min_size", 128, "Drop faces whose crop is smaller than this on either side.")
flags.DEFINE_enum("format", "tfrecord", ["tfrecord", "png"], "Write sharded TFRecords or one PNG per face.")
define_output_flags("images with a missing/malformed .cat file or undecodable bytes")


def main(argv) -> int:
    del argv
    started = time.time()
    errors: list = []
    small = 0
    try:
        total = len(list_images(FLAGS.src))
        faces = cats.iter_faces(FLAGS.src, FLAGS.size, FLAGS.min_size, FLAGS.skip_corrupt, errors)
        with records.ShardedWriter(FLAGS.out, FLAGS.records_per_shard, FLAGS.overwrite) as writer:
            for path, face in progress(faces, total, "cats"):
                if face is None:
                    small += 1
                elif FLAGS.format == "png":
                    save_png(face, os.path.join(writer.temporary_dir, "images", os.path.basename(path)[:-4] + ".png"))
                    writer.count += 1
                else:
                    writer.write(face)
            info = {"dataset": "cats", "image_shape": [FLAGS.size, FLAGS.size, 3], "min_size": FLAGS.min_size,
                    "too_small": small, "format": FLAGS.format}
            writer.commit(info)
    except (cats.CatAnnotationError, ImageDecodeError, FileNotFoundError, FileExistsError) as error:
        return fail("cats", error)
    print(f"cats: dropped {small} faces smaller than {FLAGS.min_size} pixels")
    print_summary("cats", writer.count, len(errors) + small, started, errors, out=FLAGS.out)
    return 0


def run() -> None:
    """The `lsgan-prep-cats` console script and `data_prep/cats.py`."""
    run_app(main, sys.modules[__name__], prep_common, verbose, usage=__doc__)
