"""Render handwriting-like GB2312-80 level-1 characters into real HWDB .gnt files: a stand-in for
HWDB1.0 (which cannot be downloaded everywhere) and a small ready-made dataset.

  python data_prep/hwdb_synthetic.py --out=data/hwdb_synth --classes=all
  python train.py --dataset=hwdb --conditional --data_dir=data/hwdb_synth

One file per synthetic writer (001-f.gnt, ...), each holding its share of every class: with the
defaults 300 writers write each of the 3,755 level-1 characters once (1,126,500 samples, about
the size of HWDB1.0). Each writer has its own font, slant, stroke weight and ink; each sample a
random affine map, elastic distortion and stroke width. Deterministic for a --seed, whatever
--workers is; files stream to disk, so memory does not grow with the output.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import sys
import time
from typing import Optional

from absl import flags

from lsgan_tf.cli import require

require("tqdm", "scipy")

from lsgan_tf.cli import program, run_app
from lsgan_tf.cli.prep_common import fail, progress
from lsgan_tf.data import hwdb_render
from lsgan_tf.utils.atomic import atomic_path

INFO_FILE = "synthetic_info.json"

FLAGS = flags.FLAGS
flags.DEFINE_string("out", None, "Output folder of .gnt files (must not exist unless --overwrite).", required=True)
flags.DEFINE_string("classes", "all", "'all' (the 3,755 level-1 hanzi) or N: the first N in GB code order.")
flags.DEFINE_integer("per_class", 300, "Samples of each class (HWDB1.0 has about 300).", lower_bound=1)
flags.DEFINE_integer("writers", None, "Synthetic writers (files); a class's samples are shared among them as "
                     "evenly as possible. Default: --per_class (each writer writes each class once).", lower_bound=1)
flags.DEFINE_integer("seed", 0, "Random seed: the same seed and flags give byte-identical files.")
flags.DEFINE_multi_string("font", [], "A CJK font file (.ttf/.otf/.ttc) covering GB2312; default: the fonts "
                          "installed by requirements.txt (mplfonts) and the system's Chinese fonts.")
flags.DEFINE_integer("workers", None, "Processes rendering writers in parallel (default: all cores).", lower_bound=1)
flags.DEFINE_boolean("overwrite", False, "Replace --out if it exists.")


def parse_classes(value: str) -> Optional[int]:
    """--classes: None for 'all', else a class count."""
    if value == "all":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"--classes={value!r}: expected 'all' or a number of classes.") from None


def main(argv) -> int:
    del argv
    started = time.time()
    try:
        codes = hwdb_render.level1_codes(parse_classes(FLAGS.classes))
        fonts = hwdb_render.find_fonts(FLAGS.font)
    except (ValueError, hwdb_render.FontError) as error:
        print(f"{program()}: error: {error}", file=sys.stderr)
        return 2
    if os.path.exists(FLAGS.out) and not FLAGS.overwrite:
        return fail("hwdb_synthetic", FileExistsError(f"{FLAGS.out} exists; pass --overwrite to replace it."))
    writers = FLAGS.writers or FLAGS.per_class
    if writers > FLAGS.per_class:
        print(f"{program()}: error: --writers={writers} is more than --per_class={FLAGS.per_class}: "
              f"some writers would write nothing.", file=sys.stderr)
        return 2
    print(f"hwdb_synthetic: {len(codes)} classes x {FLAGS.per_class} samples by {writers} writers, "
          f"fonts: {', '.join(os.path.basename(font) for font in fonts)}", flush=True)
    render = functools.partial(hwdb_render.write_writer, codes=codes, per_class=FLAGS.per_class,
                               writers=writers, seed=FLAGS.seed, fonts=fonts)
    records = size = 0
    with atomic_path(FLAGS.out) as temporary:
        os.makedirs(temporary)
        with multiprocessing.Pool(min(FLAGS.workers or os.cpu_count() or 1, writers)) as pool:
            bar = progress(None, len(codes) * FLAGS.per_class, "hwdb_synthetic")
            for _, written, nbytes in pool.imap_unordered(functools.partial(render, temporary), range(writers)):
                records, size = records + written, size + nbytes
                bar.update(written)
            bar.close()
        info = {"generator": "lsgan_tf hwdb_synthetic", "seed": FLAGS.seed, "classes": len(codes),
                "per_class": FLAGS.per_class, "writers": writers, "records": records, "bytes": size,
                "fonts": [os.path.basename(font) for font in fonts]}
        with open(os.path.join(temporary, INFO_FILE), "w") as handle:
            json.dump(info, handle, indent=2)
    elapsed = time.time() - started
    print(f"hwdb_synthetic: wrote {records} records in {writers} .gnt files ({size / 2**20:.1f} MiB), "
          f"{len(codes)} classes, in {elapsed:.1f} s ({records / max(elapsed, 1e-9):.0f} samples/s) -> {FLAGS.out}")
    return 0


def run() -> None:
    """The `lsgan-prep-hwdb-synthetic` console script and `data_prep/hwdb_synthetic.py`."""
    run_app(main, sys.modules[__name__], usage=__doc__)
