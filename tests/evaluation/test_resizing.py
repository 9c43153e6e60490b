"""How images reach Inception's 299x299: TensorFlow 1's legacy bilinear resize (the 2015 graph's
own, against an independent numpy statement of it) and clean-fid's PIL bicubic; every extractor
path uses the legacy one."""

import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf.evaluation.resizing import INCEPTION_SIZE, legacy_tensorflow_resize, resize_for_inception


def legacy_bilinear_numpy(image: np.ndarray, size: int) -> np.ndarray:
    """TF1 resize_bilinear, align_corners=False, half_pixel_centers=False, stated independently:
    output pixel i samples input coordinate i * in / out, interpolating the two neighbours (the
    upper one clamped to the last row)."""
    height, width = image.shape[:2]
    out = np.empty((size, size, image.shape[2]))
    for i in range(size):
        y = i * height / size
        y0 = int(np.floor(y))
        y1, dy = min(y0 + 1, height - 1), y - y0
        for j in range(size):
            x = j * width / size
            x0 = int(np.floor(x))
            x1, dx = min(x0 + 1, width - 1), x - x0
            top = image[y0, x0] * (1 - dx) + image[y0, x1] * dx
            bottom = image[y1, x0] * (1 - dx) + image[y1, x1] * dx
            out[i, j] = top * (1 - dy) + bottom * dy
    return out


def test_the_legacy_resize_is_tf1_bilinear_and_not_tf2s():
    image = np.random.default_rng(0).uniform(0, 255, (1, 28, 21, 3)).astype(np.float32)
    ours = legacy_tensorflow_resize(image, (40, 40)).numpy()[0]
    np.testing.assert_allclose(ours, legacy_bilinear_numpy(image[0].astype(np.float64), 40), atol=1e-3)
    reference = tf.compat.v1.image.resize_bilinear(image, (40, 40), align_corners=False, half_pixel_centers=False)
    np.testing.assert_allclose(ours, reference.numpy()[0], atol=1e-6)
    tf2 = tf.image.resize(image, (40, 40), method="bilinear").numpy()[0]
    assert np.abs(tf2 - ours).max() > 10  # the resize TF2 makes by default is another one


def test_every_mode_gives_299_floats_and_clean_is_pils_bicubic():
    rng = np.random.default_rng(1)
    small = rng.integers(0, 256, (2, 32, 24, 3)).astype(np.uint8)
    legacy, clean = resize_for_inception(small, "legacy_tensorflow"), resize_for_inception(small, "clean")
    for resized in (legacy, clean):
        assert resized.shape == (2, INCEPTION_SIZE, INCEPTION_SIZE, 3) and resized.dtype == np.float32
        assert resized.min() >= 0.0 and resized.max() <= 255.0
    assert not np.allclose(legacy, clean, atol=1.0)
    full = rng.integers(0, 256, (1, INCEPTION_SIZE, INCEPTION_SIZE, 3)).astype(np.uint8)
    for mode in ("legacy_tensorflow", "clean"):  # at the network's size both leave an image as it is
        np.testing.assert_allclose(resize_for_inception(full, mode), full.astype(np.float32), atol=1e-3)
    flat = np.full((1, 17, 33, 3), 77, np.uint8)
    np.testing.assert_allclose(resize_for_inception(flat, "clean"), 77.0, atol=1e-3)
    with pytest.raises(ValueError, match="Unknown resize mode"):
        resize_for_inception(small, "nearest")


def test_the_savedmodel_path_feeds_the_legacy_resize(monkeypatch):
    """The extractors without the graph's own resize (TF-GAN's SavedModel, the Keras .h5) get the
    same TF1 resize, of the same 8-bit pixels."""
    from lsgan_tf.evaluation import features

    seen = []

    class Module:
        def __call__(self, batch):
            seen.append(batch.numpy())
            return {"pool_3": tf.zeros((len(batch), 1, 1, 4))}

    extractor = object.__new__(features.InceptionFeatures)
    extractor._graph, extractor._keras, extractor._module = None, None, Module()
    images = np.random.default_rng(2).uniform(-1, 1, (3, 28, 28, 1)).astype(np.float32)
    extractor(images, pixel_range=(-1.0, 1.0))
    pixels = features.generator_pixels(images, (-1.0, 1.0)).astype(np.float32)
    expected = tf.compat.v1.image.resize_bilinear(pixels / 127.5 - 1.0, (299, 299), half_pixel_centers=False).numpy()
    np.testing.assert_allclose(seen[0], expected, atol=1e-6)
