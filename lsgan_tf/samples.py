"""Fixed-noise sample grids of a GAN: the pictures training writes every --sample_every steps,
and that export, evaluation and the experiments draw the same way."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from keras import ops

from lsgan_tf.data import classes, hwdb_render
from lsgan_tf.data.mixture import mixture_centers
from lsgan_tf.gan import GAN, ConditionalGAN
from lsgan_tf.noise import seeded_z
from lsgan_tf.utils.images import add_captions, make_grid, save_png, to_uint8
from lsgan_tf.utils.plots import scatter_png


def column_classes(num_classes: int, columns: int, table: Optional[classes.ClassTable] = None) -> np.ndarray:
    """The class of each grid column: spread evenly over the classes the data holds."""
    held = np.asarray(table.present() if table is not None else range(num_classes), np.int32)
    return held[np.linspace(0, len(held) - 1, columns).round().astype(int)]


def fixed_sample_inputs(model: GAN, count: int = 64, columns: int = 8, seed: int = 0,
                        table: Optional[classes.ClassTable] = None):
    """The fixed inputs of the sample grids: z from `seed`; for a conditional model,
    labels chosen so that every column of the grid shows one fixed class."""
    z = seeded_z(seed, count, model.z_dim, model.noise)
    if not isinstance(model, ConditionalGAN):
        return z
    return [z, np.tile(column_classes(model.num_classes, columns, table), count // columns)]


def sample_grid(model: GAN, pixel_range: Sequence[float], count: int = 64, columns: int = 8, seed: int = 0,
                table: Optional[classes.ClassTable] = None) -> np.ndarray:
    """A uint8 grid of the sampling generator (EMA when on) applied to the fixed inputs; with a
    class table, each column's character is printed under it."""
    inputs = fixed_sample_inputs(model, count, columns, seed, table)
    images = to_uint8(model.sampling_generator(inputs, training=False), pixel_range)
    grid = make_grid(images, columns=columns)
    if table is None or not isinstance(model, ConditionalGAN):
        return grid
    column_labels = inputs[1][:columns]  # the class of each column
    captions = [table.characters[i] for i in column_labels]
    try:
        font = hwdb_render.find_fonts()[0]
    except hwdb_render.FontError:  # no CJK font here: the GB codes instead
        font, captions = None, [table.codes[i].hex().upper() for i in column_labels]
    return add_captions(grid, captions, images.shape[2], font_path=font)


def write_sample_picture(model: GAN, path: str, pixel_range: Sequence[float], seed: int = 0, count: int = 64,
                         columns: int = 8, table: Optional[classes.ClassTable] = None, title: str = "") -> str:
    """Writes the model's fixed-noise picture to `path` (PNG): the image grid, or for a model of
    2-D points (the Gaussian mixture) a scatter plot of 2,000 samples over the mixture's centres."""
    if len(model.generator.output.shape) == 2:
        z = fixed_sample_inputs(model, count=2000, seed=seed)
        points = ops.convert_to_numpy(model.sampling_generator(z, training=False))
        return scatter_png(points, path, mixture_centers(), title=title)
    return save_png(sample_grid(model, pixel_range, count, columns, seed, table), path)
