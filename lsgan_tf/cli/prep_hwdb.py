"""Convert HWDB1.0 .gnt files into sharded TFRecords of 28x28 characters with integer labels.

  python data_prep/hwdb.py --src=DIR_WITH_GNT --out=data/hwdb1

Writes classes.tsv (index, character, GB code, count; sorted by GB code, so the class ids
do not depend on file order) and dataset_info.json beside the shards.
"""

from __future__ import annotations

import sys
import time

from absl import flags

from lsgan_tf.cli import require

require("tensorflow", "tqdm")

from lsgan_tf.cli import prep_common, run_app, verbose
from lsgan_tf.utils import quiet

quiet.quiet_tensorflow_startup()

from lsgan_tf.cli.prep_common import define_output_flags, fail, print_summary, progress
from lsgan_tf.data import classes, hwdb, records

FLAGS = flags.FLAGS
flags.DEFINE_string("src", None, "Folder holding the HWDB1.0 .gnt files (searched recursively).", required=True)
flags.DEFINE_enum("classes", "level1", list(classes.CLASS_SETS), "level1: the 3,755 GB2312-80 level-1 hanzi, in code "
                                                                 "order (HWDB1.0 holds 3,740 of them); all: those, "
                                                                 "then every other tag present.")
flags.DEFINE_boolean("keep_aspect", True, "Pad to square keeping the aspect ratio (false: the authors' stretch).")
flags.DEFINE_boolean("invert", True, "Bright ink on a dark background (false: the authors' black on white).")
define_output_flags("the rest of a file after a corrupt record", 20000)


def main(argv) -> int:
    del argv
    started = time.time()
    errors: list = []
    try:
        files = hwdb.find_gnt_files(FLAGS.src)
        counts = hwdb.count_classes(files, FLAGS.skip_corrupt, errors)
        table = classes.ClassTable.from_counts(counts, FLAGS.classes)
        total = sum(table.counts)
        samples = hwdb.iter_samples(
            files, table, keep_aspect=FLAGS.keep_aspect, invert=FLAGS.invert,
            skip_corrupt=FLAGS.skip_corrupt, errors=[],
        )
        with records.ShardedWriter(FLAGS.out, FLAGS.records_per_shard, FLAGS.overwrite) as writer:
            for image, label in progress(samples, total, "hwdb"):
                writer.write(image, label)
            writer.commit(
                {"dataset": "hwdb", "num_classes": len(table.codes), "image_shape": [28, 28, 1],
                 "class_set": FLAGS.classes, "keep_aspect": FLAGS.keep_aspect, "invert": FLAGS.invert,
                 "source_files": len(files)},
                extra_files={classes.CLASSES_FILE: table.to_tsv()},
            )
    except (hwdb.GntFormatError, FileNotFoundError, FileExistsError) as error:
        return fail("hwdb", error)
    print_summary("hwdb", writer.count, sum(counts.values()) - writer.count, started, errors,
                  classes=len(table.present()), out=FLAGS.out)
    return 0


def run() -> None:
    """The `lsgan-prep-hwdb` console script and `data_prep/hwdb.py`."""
    run_app(main, sys.modules[__name__], prep_common, verbose, usage=__doc__)
