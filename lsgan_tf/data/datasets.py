"""`make_dataset`: the training input of a preset, from its real source."""

from __future__ import annotations

from typing import Optional

import tensorflow as tf

from lsgan_tf.data import digits_render, pipeline
from lsgan_tf.data.mixture import mixture_dataset
from lsgan_tf.presets import Preset

RENDERED_DIGIT_VARIANTS = {"digits": "shift", "digits_rotate": "shift_rotate"}


class DataError(ValueError):
    """The data a run asked for is missing or unreadable; the message says what to do."""


def make_dataset(
    preset: Preset,
    *,
    batch_size: int,
    data_dir: Optional[str] = None,
    conditional: bool = False,
    seed: Optional[int] = None,
    input_context: Optional[tf.distribute.InputContext] = None,
) -> tf.data.Dataset:
    """Infinite batches for `preset`: images (or (images, labels) when conditional) in the
    generator's pixel range, or 2-D points for the Gaussian mixture."""
    if preset.dataset == "mixture":
        return mixture_dataset(batch_size, seed=seed)
    if preset.dataset in RENDERED_DIGIT_VARIANTS and data_dir is None:
        rendered = digits_render.render_dataset(
            RENDERED_DIGIT_VARIANTS[preset.dataset], per_class=1000, seed=0 if seed is None else seed
        )
        return pipeline.from_arrays(
            rendered["images"],
            rendered["labels"] if conditional else None,
            batch_size=batch_size,
            pixel_range=preset.pixel_range,
            seed=seed,
            input_context=input_context,
        )
    raise DataError(f"Dataset {preset.dataset!r} needs --data_dir; no reader is available for it yet.")
