"""The conditional LSGAN for handwritten Chinese characters (ICCV 3.3; the authors' mcgan.py).

Both networks take integer class labels. Each has its own learned linear label map to
`label_dim` (256) dims. D, as mcgan.py builds it, runs its first convolution on the bare image
and concatenates the label vector to the output of every layer after it (conv1, conv2 flattened,
FC). The ICCV text ("concatenated to all the convolutional layers and fully-connected layers")
also admits a concat onto the input image: `label_on_input=True` adds it (docs/PAPERS.md §2).
"""

from __future__ import annotations

from typing import Tuple

import keras
from keras import layers

from lsgan_tf.architectures.blocks import (
    ConcatLabelMap,
    LabelProjection,
    conv_block,
    deconv_block,
    dense_block,
)

HWDB_CLASSES = 3740  # the paper's class count (HWDB1.0's level-1 hanzi); training sizes the map from the class table


def hwdb(
    z_dim: int = 1024,
    num_classes: int = HWDB_CLASSES,
    label_dim: int = 256,
    image_size: int = 28,
    batchnorm: bool = True,
    label_on_input: bool = False,
) -> Tuple[keras.Model, keras.Model]:
    """The conditional networks for handwritten Chinese characters (ICCV 3.3, the authors' mcgan.py).

    G: concat[z, Wy] -> FC(128*s/4*s/4) BN ReLU -> TCONV(K5,S2,128) BN ReLU -> TCONV(K5,S2,1) sigmoid.
    D: x -> CONV(K5,S2,1+256) LReLU -> concat tile(Wy) -> CONV(K5,S2,64+256) BN LReLU -> flatten,
    concat Wy -> FC(1024) BN LReLU -> concat Wy -> FC(1) (mcgan.py); `label_on_input` feeds
    concat[x, tile(Wy)] to the first convolution instead of x. Images are in [0, 1].
    """
    if image_size % 4:
        raise ValueError(f"hwdb image_size must be divisible by 4, got {image_size}.")
    base = image_size // 4

    z = keras.Input(shape=(z_dim,), name="z")
    g_labels = keras.Input(shape=(), dtype="int32", name="labels")
    g_label_vector = LabelProjection(num_classes, label_dim, name="g_label_map")(g_labels)
    x = layers.Concatenate(name="g_concat_label")([z, g_label_vector])
    x = dense_block(x, base * base * 128, norm=batchnorm, act="relu", name="g_fc")
    x = layers.Reshape((base, base, 128), name="g_reshape")(x)
    x = deconv_block(x, 128, 5, 2, norm=batchnorm, act="relu", name="g_tconv1")
    image = deconv_block(x, 1, 5, 2, norm=False, act="sigmoid", name="g_out")
    generator = keras.Model([z, g_labels], image, name="hwdb_generator")

    images = keras.Input(shape=(image_size, image_size, 1), name="images")
    d_labels = keras.Input(shape=(), dtype="int32", name="labels")
    y = LabelProjection(num_classes, label_dim, name="d_label_map")(d_labels)
    x = ConcatLabelMap(name="d_concat_label0")([images, y]) if label_on_input else images
    x = conv_block(x, 1 + label_dim, 5, 2, norm=False, act="lrelu", name="d_conv1")
    x = ConcatLabelMap(name="d_concat_label1")([x, y])
    x = conv_block(x, 64 + label_dim, 5, 2, norm=batchnorm, act="lrelu", name="d_conv2")
    x = layers.Flatten(name="d_flatten")(x)
    x = ConcatLabelMap(name="d_concat_label2")([x, y])
    x = dense_block(x, 1024, norm=batchnorm, act="lrelu", name="d_fc1")
    x = ConcatLabelMap(name="d_concat_label3")([x, y])
    score = dense_block(x, 1, norm=False, act=None, name="d_out")
    discriminator = keras.Model([images, d_labels], score, name="hwdb_discriminator")
    return generator, discriminator
