"""Generators to sample from, whatever their format: an export's .tflite file (the LiteRT
interpreter alone: TensorFlow is never imported on that path, as on a phone), an export's
SavedModel (its `serving_default` signature), or a training run's checkpoint.

Every one is fed the same z for a seed, the rows of numpy's default_rng(seed) draw
(`lsgan_tf.noise.seeded_z_blocks`), and the same labels, and gives uint8 images: one seed, the
same images from every format, up to the format's rounding (a few levels of 255 for float16).

Importing this module loads no TensorFlow.
"""

from __future__ import annotations

import json
import os
from typing import Iterator, List, Optional, Sequence

import numpy as np

from lsgan_tf.errors import SampleError
from lsgan_tf.noise import DISTRIBUTION_NAMES, seeded_z_blocks
from lsgan_tf.utils import quiet
from lsgan_tf.utils.installed import installed


def _noise_of(metadata: dict) -> str:
    """The noise distribution an export's metadata.json names for z (normal when it names none)."""
    names = {name: key for key, name in DISTRIBUTION_NAMES.items()}
    inputs = metadata.get("inputs") or [{}]
    return names.get(inputs[0].get("distribution"), "normal")


class Generator:
    """What sampling needs of a generator: z's width and distribution, its classes (None:
    unconditional; with their characters and the ones that had training data), the dataset it
    learned, and `images(z, labels)`."""

    z_dim: int
    noise: str = "normal"
    num_classes: Optional[int] = None
    class_names: Optional[List[str]] = None
    trained_classes: Optional[List[int]] = None
    dataset: Optional[str] = None
    batch: int = 500  # rows of z per call

    def images(self, z: np.ndarray, labels: Optional[np.ndarray]) -> np.ndarray:
        """uint8 images (N, H, W, C) of z (N, z_dim) and int32 labels (N) or None."""
        raise NotImplementedError

    def _from_metadata(self, metadata: dict) -> None:
        self.noise = _noise_of(metadata)
        self.class_names, self.trained_classes = metadata.get("class_names"), metadata.get("trained_classes")
        self.dataset = metadata.get("dataset")


class TFLiteGenerator(Generator):
    """A .tflite export with its metadata.json beside it, run by LiteRT's interpreter."""

    def __init__(self, path: str):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise SampleError('sampling a .tflite model needs LiteRT, which is not installed: '
                              'pip install "lsgan-tf[litert]" (or pip install ai-edge-litert).') from None
        if not os.path.isfile(path):
            raise SampleError(f"--model={path}: no such file; pass the tflite/generator.tflite of an lsgan-export "
                              f"output folder.")
        metadata_path = os.path.join(os.path.dirname(path), "metadata.json")
        if not os.path.exists(metadata_path):
            raise SampleError(f"{metadata_path} not found: keep the export's metadata.json beside the .tflite file.")
        with open(metadata_path, encoding="utf-8") as handle:
            metadata = json.load(handle)
        self._from_metadata(metadata)
        self.batch, self.z_dim = metadata["inputs"][0]["shape"]
        self.num_classes = metadata["num_classes"]
        with quiet.stderr_without_noise():  # LiteRT's "Created TensorFlow Lite XNNPACK delegate" notice
            self._runner = Interpreter(model_path=path).get_signature_runner("serving_default")
            self._runner(**self._feed(np.zeros((self.batch, self.z_dim), np.float32),
                                      None if self.num_classes is None else np.zeros(self.batch, np.int32)))

    def _feed(self, z: np.ndarray, labels: Optional[np.ndarray]) -> dict:
        # the static batch: a short last block is padded
        feed = {"z": np.resize(z, (self.batch, self.z_dim)).astype(np.float32)}
        if labels is not None:
            feed["labels"] = np.resize(labels, self.batch).astype(np.int32)
        return feed

    def images(self, z: np.ndarray, labels: Optional[np.ndarray]) -> np.ndarray:
        return np.array(self._runner(**self._feed(z, labels))["images_uint8"])[:len(z)]  # a copy: outputs alias memory


def _tensorflow(what: str) -> None:
    """SampleError naming the full install when TensorFlow is missing (the sampling-only install)."""
    if not installed("tensorflow"):
        raise SampleError(f"{what} needs TensorFlow, which is not installed (the sampling-only install runs .tflite "
                          f"files alone): pip install lsgan-tf")


class SavedModelGenerator(Generator):
    """A SavedModel export, run by TensorFlow through its `serving_default` signature."""

    def __init__(self, path: str):
        _tensorflow(f"--model={path} (a SavedModel)")
        quiet.quiet_tensorflow_startup()
        import tensorflow as tf

        metadata_path = os.path.join(path, "assets.extra", "metadata.json")
        metadata = {}
        if os.path.exists(metadata_path):
            with open(metadata_path, encoding="utf-8") as handle:
                metadata = json.load(handle)
        self._from_metadata(metadata)
        self._serving = tf.saved_model.load(path).signatures["serving_default"]
        specs = self._serving.structured_input_signature[1]
        self.z_dim = int(specs["z"].shape[-1])
        if "labels" in specs:
            self.num_classes = metadata.get("num_classes")
            if self.num_classes is None:
                raise SampleError(f"{metadata_path} is missing: cannot check --labels against the class count.")
        self._constant = tf.constant

    def images(self, z: np.ndarray, labels: Optional[np.ndarray]) -> np.ndarray:
        feed = {"z": self._constant(z)}
        if labels is not None:
            feed["labels"] = self._constant(np.asarray(labels, np.int32))
        return self._serving(**feed)["images_uint8"].numpy()


class RunGenerator(Generator):
    """A training run's newest readable (or the given) checkpoint: its sampling generator (the EMA
    copy when the run kept one, as export takes by default), in float32."""

    def __init__(self, run_dir: str, checkpoint: Optional[str] = None):
        _tensorflow(f"--run_dir={run_dir} (a training run)")
        quiet.quiet_tensorflow_startup()
        from lsgan_tf.errors import RunError
        from lsgan_tf.runs import RunDir
        from lsgan_tf.training.build import restore_model

        try:
            model, config, _ = restore_model(run_dir, checkpoint, precision="float32")
        except RunError as error:
            raise SampleError(str(error)) from None
        self._generator, self.pixel_range = model.sampling_generator, config.pixel_range
        if len(self._generator.output.shape) != 4:
            raise SampleError(f"--run_dir={run_dir}: its {config.arch} generator draws 2-D points, not images.")
        self.z_dim, self.noise, self.dataset = model.z_dim, model.noise, config.dataset
        table = RunDir(run_dir).class_table()
        self.num_classes = model.num_classes if config.conditional else None
        if table is not None:
            self.class_names, self.trained_classes = table.characters, table.present_subset()

    def images(self, z: np.ndarray, labels: Optional[np.ndarray]) -> np.ndarray:
        from lsgan_tf.utils.images import to_uint8

        inputs = z if labels is None else [z, np.asarray(labels, np.int32)]
        return to_uint8(self._generator(inputs, training=False), self.pixel_range)


def open_generator(model: Optional[str] = None, run_dir: Optional[str] = None,
                   checkpoint: Optional[str] = None) -> Generator:
    """The generator of an export (`model`: a .tflite file or a SavedModel folder) or of a run."""
    if run_dir is not None:
        return RunGenerator(run_dir, checkpoint)
    if model.endswith(".tflite"):
        return TFLiteGenerator(model)
    if os.path.isdir(model):
        return SavedModelGenerator(model)
    raise SampleError(f"--model={model} is neither a .tflite file nor a SavedModel folder.")


def parse_labels(values: Optional[Sequence[str]], num: int, generator: Generator) -> Optional[np.ndarray]:
    """--labels as int32 class indices of length num (indices or characters of the class table);
    without --labels, the classes the generator was trained on in turn. A class it had no data
    for (not among its trained_classes, when it has them) is refused: its samples would be noise."""
    num_classes, names, trained = generator.num_classes, generator.class_names, generator.trained_classes
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


def sample(generator: Generator, seed: int, num: int, labels: Optional[np.ndarray]) -> Iterator[np.ndarray]:
    """Batches of uint8 images, `num` in all: the generator applied to the z of `seed` and to
    `labels` (one per image, or None)."""
    start = 0
    for z in seeded_z_blocks(seed, num, generator.z_dim, generator.noise, generator.batch):
        yield generator.images(z, None if labels is None else labels[start:start + len(z)])
        start += len(z)
