"""The small-variability digits: the renderer against the authors' published files, the
converter, the image-folder reader and the shared pipeline."""

import os
import subprocess
import sys
import tarfile

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from lsgan_tf import presets
from lsgan_tf.data import datasets, digits_render, folders, pipeline
from tests.conftest import ROOT, subprocess_env


@pytest.fixture(scope="module")
def official(official_digits_tarball, tmp_path_factory):
    root = tmp_path_factory.mktemp("official")
    with tarfile.open(official_digits_tarball) as archive:
        archive.extractall(root, filter="data")
    return root / "data"


def load_class(folder):
    return np.stack([np.asarray(Image.open(folder / f"{i}.png")) for i in range(1000)])


def stats(images):
    ink_rows = (images > 0).any(axis=2).sum(axis=1)
    return {"distinct": len({image.tobytes() for image in images}), "rows_min": ink_rows.min(), "max": images.max()}


@pytest.mark.slow
@pytest.mark.parametrize("variant,folder", [("shift", "times.shift"), ("shift_rotate", "times.shift.rotate")])
def test_rendered_digits_match_the_authors_statistics(official, variant, folder):
    rendered = digits_render.render_dataset(variant, per_class=1000, seed=0)["images"].reshape(10, 1000, 28, 28)
    for digit in (0, 1, 7):
        theirs = load_class(official / folder / str(digit))
        ours = rendered[digit]
        assert theirs.shape == ours.shape == (1000, 28, 28) and ours.dtype == theirs.dtype == np.uint8
        ours_stats, their_stats = stats(ours), stats(theirs)
        assert ours_stats["max"] == their_stats["max"] == 255
        assert ours_stats["rows_min"] >= 27 and their_stats["rows_min"] >= 27  # glyph spans the height
        if variant == "shift":  # tens of distinct images per class
            assert 5 <= ours_stats["distinct"] <= 30 and 5 <= their_stats["distinct"] <= 30
        else:  # hundreds
            assert 100 <= ours_stats["distinct"] < 1000 and 100 <= their_stats["distinct"] < 1000
        # White glyph on black, with a similar amount of ink (measured: within 3 grey levels).
        assert ours.mean() < 100 and abs(float(ours.mean()) - float(theirs.mean())) < 10


@pytest.mark.slow
def test_converter_writes_the_authors_layout(tmp_path):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "data_prep", "digits.py"), f"--out={tmp_path}",
         "--variant=shift_rotate", "--per_class=5", "--seed=3"],
        capture_output=True, text=True, timeout=120, env=subprocess_env(),
    )
    assert result.returncode == 0, result.stderr
    assert "wrote 50 records" in result.stdout
    root = tmp_path / "shift_rotate"
    assert sorted(os.listdir(root)) == [str(d) for d in range(10)]
    assert sorted(os.listdir(root / "7")) == [f"{i}.png" for i in range(5)]
    image = Image.open(root / "7" / "4.png")
    assert image.mode == "L" and image.size == (28, 28)
    again = subprocess.run(
        [sys.executable, os.path.join(ROOT, "data_prep", "digits.py"), f"--out={tmp_path}", "--variant=shift_rotate"],
        capture_output=True, text=True, timeout=120, env=subprocess_env(),
    )
    assert again.returncode == 1 and "--overwrite" in again.stderr


@pytest.mark.slow
def test_folder_reader_labels_and_exact_pixels(official):
    root = str(official / "times.shift")
    paths, labels, classes = folders.list_labelled(root)
    assert classes == [str(d) for d in range(10)] and len(paths) == 10_000
    dataset = folders.folder_dataset(root, (28, 28, 1), labelled=True, seed=0)
    class_images = {}
    for image, label in dataset.take(20):
        # The element's pixels are exactly one of the files of the class folder its label names.
        label = int(label)
        if label not in class_images:
            class_images[label] = {load.tobytes() for load in load_class(official / "times.shift" / str(label))}
        assert image.shape == (28, 28, 1)
        assert image.numpy()[..., 0].tobytes() in class_images[label]


@pytest.mark.slow
@pytest.mark.parametrize("dataset,folder", [("digits", "times.shift"), ("digits_rotate", "times.shift.rotate")])
def test_authors_data_folder_gives_each_preset_its_own_set(official, dataset, folder):
    """--data_dir may name the authors' data/ folder (both sets inside) or the tarball's root:
    each preset reads the ten digit classes of its own set, never the two sets as two classes."""
    preset = presets.get(dataset)
    for data_dir in (official, official.parent, official / folder):
        assert datasets.num_classes(preset, str(data_dir)) == 10
    images, labels = next(iter(datasets.make_dataset(preset, batch_size=16, data_dir=str(official), conditional=True, seed=0)))
    pixels = np.round((images.numpy()[..., 0] + 1.0) * 127.5).astype(np.uint8)
    for image, label in zip(pixels, labels.numpy()):
        assert image.tobytes() in {load.tobytes() for load in load_class(official / folder / str(label))}


@pytest.mark.slow
def test_a_folder_of_the_other_set_only_is_an_error(official, tmp_path):
    (tmp_path / "times.shift").symlink_to(official / "times.shift")
    with pytest.raises(datasets.DataError, match="times.shift.rotate/<digit>"):
        datasets.num_classes(presets.get("digits_rotate"), str(tmp_path))


def test_pipeline_is_deterministic_shuffles_and_drops_remainder():
    images = np.repeat(np.arange(10, dtype=np.uint8), 100)[:, None, None] * np.ones((1, 2, 2), np.uint8)
    labels = np.repeat(np.arange(10), 100)
    first = pipeline.from_arrays(images, labels, batch_size=64, seed=1, repeat=False)
    second = pipeline.from_arrays(images, labels, batch_size=64, seed=1, repeat=False)
    batches = [(x.numpy(), y.numpy()) for x, y in first]
    assert len(batches) == 1000 // 64  # remainder dropped
    for (x1, y1), (x2, y2) in zip(batches, second):
        np.testing.assert_array_equal(y1, y2.numpy())
    assert len(np.unique(batches[0][1])) >= 8  # a class-major array is really mixed
    scaled = batches[0][0]
    assert scaled.min() >= -1 and scaled.max() <= 1 and scaled.dtype == np.float32
    np.testing.assert_allclose(scaled[:, 0, 0, 0], batches[0][1] * 2 / 255 - 1, atol=1e-6)


def test_scaling_once_gives_the_batches_of_per_element_scaling():
    """from_arrays scales the array once (issue #17): the batches, order and values, are those
    of scaling each element in the pipeline, so runs resume onto the same data as before."""
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (300, 5, 5), dtype=np.uint8), rng.integers(0, 10, 300)
    per_element = pipeline.finalize(
        tf.data.Dataset.from_tensor_slices((images[..., None], labels.astype(np.int32))).map(
            lambda x, y: (pipeline.scale_pixels(x, (0.0, 1.0)), y)),
        32, shuffle_buffer=300, seed=7)
    once = pipeline.from_arrays(images, labels, batch_size=32, pixel_range=(0.0, 1.0), seed=7)
    for (x1, y1), (x2, y2) in zip(per_element.take(12), once.take(12)):  # past one epoch: the reshuffle too
        np.testing.assert_array_equal(x1.numpy(), x2.numpy())
        np.testing.assert_array_equal(y1.numpy(), y2.numpy())


def test_readers_batches_scaled_after_the_shuffle_equal_per_element_scaling():
    """finalize(pixel_range=...) keeps uint8 in the shuffle buffer and scales each batch: the same
    batches, order and values as scaling every element before the shuffle, with and without labels."""
    rng = np.random.default_rng(1)
    images, labels = rng.integers(0, 256, (300, 5, 5, 1), dtype=np.uint8), rng.integers(0, 10, 300).astype(np.int32)
    for elements in ((images, labels), images):
        source = tf.data.Dataset.from_tensor_slices(elements)
        per_element = pipeline.finalize(
            source.map(lambda x, *y: (pipeline.scale_pixels(x, (-1.0, 1.0)), *y) if y else pipeline.scale_pixels(x)),
            32, shuffle_buffer=100, seed=3)
        after_batch = pipeline.finalize(source, 32, shuffle_buffer=100, seed=3, pixel_range=(-1.0, 1.0))
        assert after_batch.element_spec == per_element.element_spec
        for first, second in zip(per_element.take(12), after_batch.take(12)):  # past one epoch
            for a, b in zip(tf.nest.flatten(first), tf.nest.flatten(second)):
                np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_pipeline_shards_by_input_context():
    images = np.arange(40, dtype=np.uint8)[:, None, None]
    context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=1, num_replicas_in_sync=4)
    dataset = pipeline.from_arrays(images, np.arange(40), batch_size=8, repeat=False, seed=0, input_context=context)
    labels = np.concatenate([y.numpy() for _, y in dataset])
    assert sorted(labels) == list(range(1, 40, 2))  # every second element: this worker's shard
    assert all(x.shape[0] == 2 for x, _ in dataset)  # per-replica batch = 8 / 4


@pytest.mark.slow
def test_train_on_the_authors_files(official, tmp_path):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "train.py"), "--dataset=digits_rotate", f"--data_dir={official}",
         "--steps=2", "--batch_size=8", "--sample_every=2", f"--out_dir={tmp_path / 'run'}"],
        capture_output=True, text=True, timeout=300, env=subprocess_env(),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "step 2/2" in result.stdout


def test_folder_reader_centre_crops_non_square_images_unless_told_to_stretch(tmp_path):
    """One resize policy for photographs: crop to the centre square (as data_prep/lsun.py), or
    crop=False to stretch (the authors' LSUN code)."""
    image = np.zeros((28, 56), np.uint8)
    image[:, :14] = 255  # the left quarter: outside the centre square
    (tmp_path / "0").mkdir()
    Image.fromarray(image).save(tmp_path / "0" / "wide.png")
    cropped = next(iter(folders.folder_dataset(str(tmp_path), (28, 28, 1), seed=0))).numpy()
    stretched = next(iter(folders.folder_dataset(str(tmp_path), (28, 28, 1), seed=0, crop=False))).numpy()
    assert cropped.max() == 0
    assert stretched[:, :6].min() == 255 and stretched[:, 8:].max() == 0
