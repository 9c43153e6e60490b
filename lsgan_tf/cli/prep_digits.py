"""Render the small-variability digit datasets of TPAMI 4.3.1 as PNG folders.

  python data_prep/digits.py --variant=shift_rotate --out=data/digits

Writes <out>/<variant>/<digit>/<i>.png, the layout of the authors' published set, so one
reader serves both (lsgan-train --dataset=digits_rotate --data_dir=<out>/shift_rotate).
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
from absl import flags

from lsgan_tf.cli import require

require("tqdm", "matplotlib")

from lsgan_tf.cli import prep_common, run_app
from lsgan_tf.cli.prep_common import fail, print_summary, progress
from lsgan_tf.data import digits_render
from lsgan_tf.utils.atomic import atomic_path
from lsgan_tf.utils.images import save_png

FLAGS = flags.FLAGS
flags.DEFINE_string("out", None, "Output root; the images go to <out>/<variant>/<digit>/<i>.png.", required=True)
flags.DEFINE_enum("variant", "shift", list(digits_render.VARIANTS), "shift: random horizontal shift; shift_rotate: "
                                                                    "plus a 0-10 degree rotation.")
flags.DEFINE_integer("per_class", 1000, "Images per digit (the paper: 1000).")
flags.DEFINE_integer("seed", 0, "Random seed.")
flags.DEFINE_string("font", None, "A TrueType font file. Default: Liberation Serif if installed, else matplotlib's "
                                  "STIX serif.")
flags.DEFINE_boolean("overwrite", False, "Replace <out>/<variant> if it exists.")


def main(argv) -> int:
    del argv
    started = time.time()
    target = os.path.join(FLAGS.out, FLAGS.variant)
    if os.path.exists(target) and not FLAGS.overwrite:
        return fail("digits", FileExistsError(f"{target} already exists; pass --overwrite or choose another --out."))
    font = FLAGS.font or digits_render.default_font_path()
    if not os.path.exists(font):
        return fail("digits", FileNotFoundError(f"--font={font} does not exist."))
    rng = np.random.default_rng(FLAGS.seed)
    jobs = [(digit, index) for digit in range(10) for index in range(FLAGS.per_class)]
    with atomic_path(target) as temporary:
        for digit, index in progress(jobs, len(jobs), f"digits/{FLAGS.variant}"):
            image = digits_render.render_digit(digit, rng, FLAGS.variant, font)
            save_png(image, os.path.join(temporary, str(digit), f"{index}.png"))
    print(f"digits: font {font}")
    print_summary("digits", len(jobs), 0, started, [], classes=10, out=target)
    return 0


def run() -> None:
    """The `lsgan-prep-digits` console script and `data_prep/digits.py`."""
    run_app(main, sys.modules[__name__], prep_common, usage=__doc__)
