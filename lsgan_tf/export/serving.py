"""Deployable generators: a SavedModel in the TF Serving layout and TFLite flatbuffers.

SavedModel signatures (no custom objects needed to load):
- `serving_default(z[, labels])` -> {"images": float32 [N, H, W, C] in the generator's range,
  "images_uint8": uint8 0-255}. A z of the wrong width is rejected by the signature; a z with
  NaN or Inf and labels outside [0, num_classes) fail in-graph checks.
- `sample(seed, num[, labels])` -> the same outputs, z drawn in the graph with a stateless RNG
  from `seed`, so a client needs no noise of its own. `num` must be in [1, max_sample]; the
  check runs before anything is allocated, so one request cannot ask the server for millions
  of images.

TFLite files are converted from a SavedModel (never `from_keras_model`) whose signature has a
static batch, so mobile GPU delegates accept every op.
"""

from __future__ import annotations

import os
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple

import tensorflow as tf

from lsgan_tf.noise import DISTRIBUTION_NAMES
from lsgan_tf.utils.atomic import atomic_path, write_json
from lsgan_tf.utils.pixels import to_uint8_scale

QUANTIZATIONS = ("none", "float16", "dynamic")
DEFAULT_MAX_SAMPLE = 1024
TFLITE_NAMES = {"none": "generator.tflite", "float16": "generator_float16.tflite",
                "dynamic": "generator_dynamic.tflite"}


def _to_uint8(images, pixel_range: Tuple[float, float]):
    scaled = to_uint8_scale(images, pixel_range)
    return tf.cast(tf.clip_by_value(tf.round(scaled), 0.0, 255.0), tf.uint8)


class GeneratorModule(tf.Module):
    """The generator with the serving signatures, tracked so tf.saved_model.save keeps its weights."""

    def __init__(self, generator, z_dim: int, pixel_range: Tuple[float, float], noise: str = "normal",
                 num_classes: Optional[int] = None, batch: Optional[int] = None, checks: bool = True,
                 max_sample: int = DEFAULT_MAX_SAMPLE):
        super().__init__(name="lsgan_generator")
        if max_sample < 1:
            raise ValueError(f"max_sample must be a positive integer, got {max_sample}.")
        self.generator = generator
        self.z_dim, self.pixel_range, self.noise = z_dim, tuple(pixel_range), noise
        self.num_classes, self.checks, self.max_sample = num_classes, checks, int(max_sample)
        z_spec = tf.TensorSpec([batch, z_dim], tf.float32, name="z")
        if num_classes is None:
            self.serving_default = tf.function(self._generate_unconditional, input_signature=[z_spec])
            self.sample = tf.function(self._sample_unconditional, input_signature=[
                tf.TensorSpec([], tf.int64, name="seed"), tf.TensorSpec([], tf.int32, name="num")])
        else:
            label_spec = tf.TensorSpec([batch], tf.int32, name="labels")
            self.serving_default = tf.function(self._generate_conditional, input_signature=[z_spec, label_spec])
            self.sample = tf.function(self._sample_conditional, input_signature=[
                tf.TensorSpec([], tf.int64, name="seed"), tf.TensorSpec([], tf.int32, name="num"), label_spec])

    def _outputs(self, images) -> Dict[str, tf.Tensor]:
        images = tf.cast(images, tf.float32)
        return {"images": images, "images_uint8": _to_uint8(images, self.pixel_range)}

    def _checked(self, values, *bounds):
        """`values` after in-graph checks (when checks are on): each bound is (assertion,
        limit, message), e.g. (tf.debugging.assert_less, 10, "labels must be < 10")."""
        if not self.checks:
            return values
        with tf.control_dependencies([
            assertion(values, tf.constant(limit, values.dtype), message=message) for assertion, limit, message in bounds
        ]):
            return tf.identity(values)

    def _check_labels(self, labels):
        return self._checked(labels, (tf.debugging.assert_greater_equal, 0, "labels must be >= 0"),
                             (tf.debugging.assert_less, self.num_classes, f"labels must be < num_classes = "
                                                                          f"{self.num_classes}"))

    def _check_num(self, num):
        return self._checked(num, (tf.debugging.assert_greater_equal, 1, "num must be >= 1"),
                             (tf.debugging.assert_less_equal, self.max_sample, f"num must be <= max_sample = "
                                                                               f"{self.max_sample}"))

    def _check_z(self, z):
        if not self.checks:
            return z
        return tf.debugging.assert_all_finite(z, message="z must be finite (no NaN or Inf)")

    def _noise(self, seed, num):
        num = self._check_num(num)
        key = tf.stack([seed, tf.constant(0, tf.int64)])
        if self.noise == "uniform":
            return tf.random.stateless_uniform([num, self.z_dim], key, -1.0, 1.0)
        return tf.random.stateless_normal([num, self.z_dim], key)

    def _generate_unconditional(self, z):
        return self._outputs(self.generator(self._check_z(z), training=False))

    def _generate_conditional(self, z, labels):
        return self._outputs(self.generator([self._check_z(z), self._check_labels(labels)], training=False))

    def _sample_unconditional(self, seed, num):
        return self._generate_unconditional(self._noise(seed, num))

    def _sample_conditional(self, seed, num, labels):
        if self.checks:
            tf.debugging.assert_equal(tf.shape(labels)[0], num, message="sample needs one label per image (len(labels) "
                                                                        "== num)")
        return self._generate_conditional(self._noise(seed, num), labels)


def save_saved_model(module: GeneratorModule, path: str, metadata: Optional[Dict] = None) -> str:
    """Writes the SavedModel (and `metadata` as assets.extra/metadata.json, the SavedModel place
    for files the graph does not use) under a temporary name, then renames it to `path`."""
    with atomic_path(path) as temporary:
        tf.saved_model.save(module, temporary, signatures={"serving_default": module.serving_default,
                                                           "sample": module.sample})
        if metadata is not None:
            os.makedirs(os.path.join(temporary, "assets.extra"))
            write_json(os.path.join(temporary, "assets.extra", "metadata.json"), metadata, indent=2, ensure_ascii=False)
    return path


def convert_tflite(module: GeneratorModule, quantize: str = "none") -> bytes:
    """A TFLite flatbuffer of `serving_default` (static batch), through a temporary SavedModel."""
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"Unknown quantization {quantize!r}; expected one of {QUANTIZATIONS}.")
    with tempfile.TemporaryDirectory() as directory:
        tf.saved_model.save(module, directory, signatures={"serving_default": module.serving_default})
        # Convert the SavedModel's own signature; from_concrete_functions freezes the weights into
        # constants (from_saved_model keeps Keras 3 weights as resource variables, READ_VARIABLE
        # ops that a phone app would have to initialise).
        loaded = tf.saved_model.load(directory)
        converter = tf.lite.TFLiteConverter.from_concrete_functions(
            [loaded.signatures["serving_default"]], loaded
        )
        if quantize != "none":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantize == "float16":
            converter.target_spec.supported_types = [tf.float16]
        return converter.convert()


def tflite_metadata(module: GeneratorModule, batch: int, output_shape: Sequence[int],
                    class_names: Optional[List[str]] = None, trained_classes: Optional[List[int]] = None,
                    dataset: Optional[str] = None) -> Dict:
    """What a phone app needs to feed and read the TFLite model, and what `lsgan-evaluate --model`
    needs to score it (`dataset`: the --dataset it learned). `trained_classes`: the label indices
    the run had data for, when that is not all of them (HWDB's label map always has the 3,755
    level-1 classes; a subset trains some)."""
    inputs = [{"name": "z", "dtype": "float32", "shape": [batch, module.z_dim],
               "distribution": DISTRIBUTION_NAMES[module.noise]}]
    if module.num_classes is not None:
        inputs.append({"name": "labels", "dtype": "int32", "shape": [batch], "range": [0, module.num_classes - 1]})
    return {
        "signature": "serving_default",
        "max_sample": module.max_sample,
        "z_dim": module.z_dim,
        "num_classes": module.num_classes,
        "inputs": inputs,
        "outputs": [
            {"name": "images", "dtype": "float32", "shape": [batch, *output_shape], "range": list(module.pixel_range)},
            {"name": "images_uint8", "dtype": "uint8", "shape": [batch, *output_shape], "range": [0, 255]},
        ],
        "class_names": class_names,
        "trained_classes": trained_classes,
        "dataset": dataset,
    }
