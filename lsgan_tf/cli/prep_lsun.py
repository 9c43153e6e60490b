"""Convert an LSUN category LMDB (WebP values) or a folder of exported images into sharded
TFRecords of square images.

  python data_prep/lsun.py --src=bedroom_train_lmdb --out=data/lsun_bedroom_112 --size=112
"""

from __future__ import annotations

import os
import sys
import time

from absl import flags

from lsgan_tf.cli import require

require("tensorflow", "tqdm", "lmdb")

from lsgan_tf.cli import prep_common, run_app, verbose
from lsgan_tf.utils import quiet

quiet.quiet_tensorflow_startup()

from lsgan_tf.cli.prep_common import define_output_flags, fail, print_summary, progress
from lsgan_tf.data import lsun, records
from lsgan_tf.data.images_io import ImageDecodeError

FLAGS = flags.FLAGS
flags.DEFINE_string("src", None, "An LSUN LMDB folder (with data.mdb) or a folder of images.", required=True)
flags.DEFINE_integer("size", 112, "Output side in pixels (112: Table 1; 64: the DCGAN FID runs).")
flags.DEFINE_boolean("crop", True, "Centre-crop to a square before resizing (false: the authors' stretch).")
flags.DEFINE_integer("limit", 0, "Convert at most this many images (0: all).")
define_output_flags("undecodable records", 10000)


def main(argv) -> int:
    del argv
    started = time.time()
    errors: list = []
    try:
        total = lsun.count_source(FLAGS.src)
        if FLAGS.limit:
            total = min(total, FLAGS.limit)
        images = lsun.iter_images(FLAGS.src, FLAGS.size, FLAGS.crop, FLAGS.skip_corrupt, errors)
        with records.ShardedWriter(FLAGS.out, FLAGS.records_per_shard, FLAGS.overwrite) as writer:
            for image in progress(images, total, "lsun"):
                writer.write(image)
                if writer.count == total:
                    break
            writer.commit({"dataset": "lsun", "image_shape": [FLAGS.size, FLAGS.size, 3], "crop": FLAGS.crop,
                           "source": os.path.abspath(FLAGS.src)})
    except (ImageDecodeError, FileNotFoundError, FileExistsError) as error:
        return fail("lsun", error)
    print_summary("lsun", writer.count, len(errors), started, errors, out=FLAGS.out)
    return 0


def run() -> None:
    """The `lsgan-prep-lsun` console script and `data_prep/lsun.py`."""
    run_app(main, sys.modules[__name__], prep_common, verbose, usage=__doc__)
