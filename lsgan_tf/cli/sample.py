"""Sample images from a generator into a PNG grid, or into a folder of PNG files: an exported
one (.tflite or SavedModel), a shipped one, or a training run's checkpoint.

  python sample.py --pretrained=list                       # the generators shipped with lsgan-tf
  python sample.py --pretrained=hwdb100 --labels=啊,阿 --out=grid.png
  python sample.py --model=exported/digits/tflite/generator.tflite --num=64 --out=grid.png
  python sample.py --model=exported/hwdb/saved_model/1 --labels=啊,阿 --out=grid.png
  python sample.py --run_dir=runs/demo --num=64 --out=grid.png   # the run's newest checkpoint
  python sample.py --model=exported/cats/saved_model/1 --num=50000 --folder=samples/  # for lsgan-evaluate --images

One --seed gives the same z, and so the same images, from every format: the rows of numpy's
default_rng(seed) draw (lsgan_tf/noise.py), fed to the checkpoint's generator, to the
SavedModel's serving_default signature or to the .tflite file (equal up to the file's rounding:
a few levels of 255 for float16). A .tflite model runs with the LiteRT interpreter
(ai_edge_litert) alone: TensorFlow is never imported on that path, as on a phone.
"""

from __future__ import annotations

import itertools
import os
import sys
from typing import Iterator

import numpy as np
from absl import flags

from lsgan_tf import pretrained
from lsgan_tf.cli import program, run_app, verbose
from lsgan_tf.errors import SampleError
from lsgan_tf.export.generators import open_generator, parse_labels, sample  # no TensorFlow on the .tflite path
from lsgan_tf.utils.images import make_grid, save_png  # numpy + Pillow only

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "A .tflite file (with metadata.json beside it) or a SavedModel folder.")
flags.DEFINE_string("pretrained", None, "A generator shipped with lsgan-tf instead of --model (LiteRT only); "
                    "list: print the shipped ones.")
flags.DEFINE_string("run_dir", None, "A training run (the folder lsgan-train wrote) instead of --model: its newest "
                    "readable checkpoint's generator (the EMA copy when the run kept one; needs TensorFlow).")
flags.DEFINE_string("checkpoint", None, "With --run_dir: this checkpoint instead of the newest.")
MAX_GRID = 4_096  # images held in memory for one grid
PROGRESS_EVERY = 1_000  # --folder prints a progress line per this many images
MAX_FOLDER = 1_000_000  # images written one batch at a time with --folder
flags.DEFINE_integer("num", 64, f"Number of images: at most {MAX_GRID:,} for a grid, {MAX_FOLDER:,} with --folder.")
flags.DEFINE_list("labels", None, "Conditional models: class indices or characters (cycled to --num).")
flags.DEFINE_integer("seed", 0, "Noise seed: the same seed gives the same z (and images) in every format.")
flags.DEFINE_string("out", "grid.png", "Output PNG grid.")
flags.DEFINE_string("npy", None, "Also save the uint8 images as a .npy array here.")
flags.DEFINE_string("folder", None, "Write the images as numbered PNG files into this folder instead of a grid "
                    "(streamed: any --num fits in memory); lsgan-evaluate --images scores such a folder.")


def write_folder(batches: Iterator[np.ndarray], folder: str, num: int) -> int:
    """Writes each image as <folder>/<index>.png (zero-padded; each file atomically), with a
    progress line on stderr per PROGRESS_EVERY images; returns the count."""
    os.makedirs(folder, exist_ok=True)
    digits, written = len(str(num - 1)), 0
    for batch in batches:
        for image in batch:
            path = os.path.join(folder, f"{written:0{digits}d}.png")
            save_png(image[..., 0] if image.shape[-1] == 1 else image, path)
            written += 1
            if written % PROGRESS_EVERY == 0 and written < num:
                print(f"{written:,}/{num:,} images", file=sys.stderr, flush=True)
    return written


def main(argv) -> int:
    del argv
    try:
        if FLAGS.pretrained == "list":
            print("\n".join(pretrained.summary(name) for name in pretrained.names()) or "none shipped")
            return 0
        if sum(source is not None for source in (FLAGS.model, FLAGS.pretrained, FLAGS.run_dir)) != 1:
            raise SampleError("give one of --model (an export), --pretrained (a shipped generator; --pretrained=list) "
                              "or --run_dir (a training run).")
        if FLAGS.checkpoint is not None and FLAGS.run_dir is None:
            raise SampleError("--checkpoint needs --run_dir.")
        if FLAGS.pretrained is not None:
            try:
                FLAGS.model = pretrained.model_path(FLAGS.pretrained)
            except ValueError as error:
                raise SampleError(f"--pretrained: {error}") from None
        limit = MAX_FOLDER if FLAGS.folder else MAX_GRID
        if not 1 <= FLAGS.num <= limit:
            raise SampleError(f"--num must be in [1, {limit:,}]{'' if FLAGS.folder else ' (more with --folder)'}, "
                              f"got {FLAGS.num}.")
        generator = open_generator(FLAGS.model, FLAGS.run_dir, FLAGS.checkpoint)
        batches = sample(generator, FLAGS.seed, FLAGS.num, parse_labels(FLAGS.labels, FLAGS.num, generator))
        first = next(batches)  # the model is opened and --labels checked before anything is written
    except SampleError as error:
        print(f"{program()}: error: {error}", file=sys.stderr)
        return 2
    if FLAGS.folder:
        written = write_folder(itertools.chain([first], batches), FLAGS.folder, FLAGS.num)
        print(f"wrote {written} images to {FLAGS.folder}")
        return 0
    images = np.concatenate([first, *batches])
    save_png(make_grid(images), FLAGS.out)
    if FLAGS.npy:
        np.save(FLAGS.npy, images)
    print(f"wrote {FLAGS.out} ({len(images)} images)")
    return 0


def run() -> None:
    """The `lsgan-sample` console script and `sample.py`."""
    run_app(main, sys.modules[__name__], verbose, usage=__doc__)
