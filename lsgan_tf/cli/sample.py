"""Sample images from an exported generator into a PNG grid, or into a folder of PNG files.

  python sample.py --pretrained=list                       # the generators shipped with lsgan-tf
  python sample.py --pretrained=hwdb100 --labels=中,国 --out=grid.png
  python sample.py --model=exported/digits/tflite/generator.tflite --num=64 --out=grid.png
  python sample.py --model=exported/hwdb/saved_model/1 --labels=中,国 --out=grid.png
  python sample.py --model=exported/cats/saved_model/1 --num=50000 --folder=samples/  # for evaluate.py --images

A .tflite model runs with the LiteRT interpreter (ai_edge_litert) alone: TensorFlow is never
imported on that path, as on a phone. A SavedModel folder is run with TensorFlow through
its `sample` signature.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from typing import Iterator, List, Optional

import numpy as np
from absl import flags

from lsgan_tf import pretrained
from lsgan_tf.cli import program, run_app, verbose
from lsgan_tf.noise import DISTRIBUTION_NAMES, draw_z
from lsgan_tf.utils import quiet  # the standard library only: no TensorFlow
from lsgan_tf.utils.images import make_grid, save_png  # numpy + Pillow only: no TensorFlow on the .tflite path

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "A .tflite file (with metadata.json beside it) or a SavedModel folder.")
flags.DEFINE_string("pretrained", None, "A generator shipped with lsgan-tf instead of --model (LiteRT only); "
                    "list: print the shipped ones.")
MAX_GRID = 4_096  # images held in memory for one grid
PROGRESS_EVERY = 1_000  # --folder prints a progress line per this many images
MAX_FOLDER = 1_000_000  # images written one batch at a time with --folder
SAVED_MODEL_BATCH = 500  # images per call of a SavedModel's sample signature
flags.DEFINE_integer("num", 64, f"Number of images: at most {MAX_GRID:,} for a grid, {MAX_FOLDER:,} with --folder.")
flags.DEFINE_list("labels", None, "Conditional models: class indices or characters (cycled to --num).")
flags.DEFINE_integer("seed", 0, "Noise seed.")
flags.DEFINE_string("out", "grid.png", "Output PNG grid.")
flags.DEFINE_string("npy", None, "Also save the uint8 images as a .npy array here.")
flags.DEFINE_string("folder", None, "Write the images as numbered PNG files into this folder instead of a grid "
                    "(streamed: any --num fits in memory); evaluate.py --images scores such a folder.")


class SampleError(ValueError):
    """Bad input to sample.py; the message names the flag."""


def parse_labels(values: Optional[List[str]], num: int, num_classes: Optional[int], names: Optional[List[str]],
                 trained: Optional[List[int]] = None):
    """--labels as int32 class indices of length num (indices or characters of the class table);
    without --labels, the classes the generator was trained on in turn. A class it had no data
    for (not in `trained`, when given) is refused: its samples would be noise."""
    if num_classes is None:
        if values:
            raise SampleError("--labels given, but this generator is unconditional.")
        return None
    if not values:
        return np.resize(np.asarray(trained if trained else range(num_classes), np.int32), num)
    indices = []
    for value in values:
        if value.lstrip("-").isdigit():
            indices.append(int(value))
        elif names and value in names:
            indices.append(names.index(value))
        else:
            raise SampleError(f"--labels: {value!r} is neither a class index nor a character of the class table.")
    bad = [i for i in indices if not 0 <= i < num_classes]
    if bad:
        raise SampleError(f"--labels: {bad} outside [0, {num_classes}).")
    untrained = [value for value, i in zip(values, indices) if trained and i not in trained]
    if untrained:
        examples = ",".join(names[i] if names else str(i) for i in trained[:8])
        raise SampleError(f"--labels: {', '.join(untrained)} had no training data: this generator learned "
                          f"{len(trained):,} of its {num_classes:,} classes (metadata.json: trained_classes), "
                          f"e.g. --labels={examples}.")
    return np.resize(np.asarray(indices, np.int32), num)


def sample_tflite(path: str, num: int, labels_flag, seed: int) -> Iterator[np.ndarray]:
    """Batches of uint8 images from a .tflite export, `num` in all (the LiteRT interpreter only)."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        raise SampleError('sampling a .tflite model needs LiteRT, which is not installed: '
                          'pip install "lsgan-tf[litert]" (or pip install ai-edge-litert).') from None

    if not os.path.isfile(path):
        raise SampleError(f"--model={path}: no such file; pass the tflite/generator.tflite of an export.py output folder.")
    metadata_path = os.path.join(os.path.dirname(path), "metadata.json")
    if not os.path.exists(metadata_path):
        raise SampleError(f"{metadata_path} not found: keep the export's metadata.json beside the .tflite file.")
    with open(metadata_path, encoding="utf-8") as handle:
        metadata = json.load(handle)
    batch, z_dim = metadata["inputs"][0]["shape"]
    labels = parse_labels(labels_flag, num, metadata["num_classes"], metadata.get("class_names"),
                          metadata.get("trained_classes"))
    rng = np.random.default_rng(seed)
    noise = {name: key for key, name in DISTRIBUTION_NAMES.items()}[metadata["inputs"][0]["distribution"]]
    with quiet.stderr_without_noise():  # LiteRT's "Created TensorFlow Lite XNNPACK delegate" notice
        runner = Interpreter(model_path=path).get_signature_runner("serving_default")
        runner(**{"z": np.zeros((batch, z_dim), np.float32),
                  **({"labels": np.zeros(batch, np.int32)} if labels is not None else {})})  # the delegate starts here
    for start in range(0, num, batch):
        z = draw_z(rng, (batch, z_dim), noise)
        feed = {"z": z}
        if labels is not None:
            feed["labels"] = np.resize(labels[start:start + batch], batch).astype(np.int32)
        yield np.array(runner(**feed)["images_uint8"])[:num - start]  # copy: outputs alias interpreter memory


def sample_saved_model(path: str, num: int, labels_flag, seed: int) -> Iterator[np.ndarray]:
    """Batches of uint8 images from a SavedModel's `sample` signature, `num` in all (batch i
    after the first drawn with seed + i)."""
    quiet.quiet_tensorflow_startup()
    import tensorflow as tf

    metadata_path = os.path.join(path, "assets.extra", "metadata.json")
    metadata = {}
    if os.path.exists(metadata_path):
        with open(metadata_path, encoding="utf-8") as handle:
            metadata = json.load(handle)
    signature = tf.saved_model.load(path).signatures["sample"]
    conditional = "labels" in signature.structured_input_signature[1]
    num_classes = metadata.get("num_classes") if conditional else None
    if conditional and num_classes is None:
        raise SampleError(f"{metadata_path} is missing: cannot check --labels against the class count.")
    labels = parse_labels(labels_flag, num, num_classes, metadata.get("class_names"), metadata.get("trained_classes"))
    for index, start in enumerate(range(0, num, SAVED_MODEL_BATCH)):
        count = min(SAVED_MODEL_BATCH, num - start)
        feed = {"seed": tf.constant(seed + index, tf.int64), "num": tf.constant(count, tf.int32)}
        if labels is not None:
            feed["labels"] = tf.constant(labels[start:start + count])
        yield signature(**feed)["images_uint8"].numpy()


def write_folder(batches: Iterator[np.ndarray], folder: str, num: int) -> int:
    """Writes each image as <folder>/<index>.png (zero-padded; each file atomically), with a
    progress line on stderr per PROGRESS_EVERY images; returns the count."""
    os.makedirs(folder, exist_ok=True)
    digits, written = len(str(num - 1)), 0
    for batch in batches:
        for image in batch:
            save_png(image[..., 0] if image.shape[-1] == 1 else image, os.path.join(folder, f"{written:0{digits}d}.png"))
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
        if (FLAGS.model is None) == (FLAGS.pretrained is None):
            raise SampleError("give one of --model (an export) or --pretrained (a shipped generator; --pretrained=list).")
        if FLAGS.pretrained is not None:
            try:
                FLAGS.model = pretrained.model_path(FLAGS.pretrained)
            except ValueError as error:
                raise SampleError(f"--pretrained: {error}") from None
        limit = MAX_FOLDER if FLAGS.folder else MAX_GRID
        if not 1 <= FLAGS.num <= limit:
            raise SampleError(f"--num must be in [1, {limit:,}]{'' if FLAGS.folder else ' (more with --folder)'}, "
                              f"got {FLAGS.num}.")
        if FLAGS.model.endswith(".tflite"):
            batches = sample_tflite(FLAGS.model, FLAGS.num, FLAGS.labels, FLAGS.seed)
        elif os.path.isdir(FLAGS.model):
            batches = sample_saved_model(FLAGS.model, FLAGS.num, FLAGS.labels, FLAGS.seed)
        else:
            raise SampleError(f"--model={FLAGS.model} is neither a .tflite file nor a SavedModel folder.")
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
