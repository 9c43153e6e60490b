"""LSUN: an LMDB with WebP and JPEG values (and one garbage value) written here, converted and read."""

import functools

import numpy as np
import pytest

from tests.conftest import assert_quiet, run_script, user_env
from tests.fixtures import encode, prepared_records, write_lmdb

KEYS = ["0a" * 20, "1b" * 20, "2c" * 20]


@pytest.fixture()
def lmdb_dir(tmp_path):
    rng = np.random.default_rng(0)
    webp_image = rng.integers(0, 256, size=(48, 64, 3), dtype=np.uint8)  # lossless WebP
    jpeg_image = rng.integers(0, 256, size=(80, 50, 3), dtype=np.uint8)
    path = str(tmp_path / "bedroom_train_lmdb")
    write_lmdb(path, [(KEYS[0], encode(webp_image, "WEBP")), (KEYS[1], encode(jpeg_image, "JPEG")),
                      (KEYS[2], b"not an image at all")])
    return path, webp_image


run_converter = functools.partial(run_script, "data_prep/lsun.py")


@pytest.mark.slow
def test_garbage_value_stops_with_its_key(lmdb_dir, tmp_path):
    path, _ = lmdb_dir
    result = run_converter(f"--src={path}", f"--out={tmp_path / 'out'}", "--size=48")
    assert result.returncode == 1
    assert f"record key {KEYS[2]}" in result.stderr and "--skip_corrupt" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_skip_corrupt_converts_webp_and_jpeg_with_exact_centre_crop(lmdb_dir, tmp_path):
    path, webp_image = lmdb_dir
    out = tmp_path / "out"
    result = run_converter(f"--src={path}", f"--out={out}", "--size=48", "--skip_corrupt")
    assert result.returncode == 0, result.stderr
    assert "wrote 2 records, skipped 1" in result.stdout and KEYS[2] in result.stdout
    images = [image for image, _ in prepared_records(str(out))]
    assert [image.shape for image in images] == [(48, 48, 3), (48, 48, 3)]
    # 48 is the WebP image's short side: the centre crop needs no resize, so pixels are exact.
    np.testing.assert_array_equal(images[0], webp_image[:, 8:56])


@pytest.mark.slow
def test_stretch_option_and_image_folder_source(lmdb_dir, tmp_path):
    path, webp_image = lmdb_dir
    folder = tmp_path / "exported"
    folder.mkdir()
    from PIL import Image

    Image.fromarray(webp_image).save(folder / "a.webp", lossless=True)
    Image.fromarray(webp_image).save(folder / "b.png")
    result = run_converter(f"--src={folder}", f"--out={tmp_path / 'out'}", "--size=16", "--crop=false", env=user_env())
    assert_quiet(result, "data_prep/lsun.py")
    images = [image for image, _ in prepared_records(str(tmp_path / "out"))]
    assert len(images) == 2 and images[0].shape == (16, 16, 3)
    np.testing.assert_array_equal(images[0], images[1])  # the same picture from WebP and PNG


run_train = functools.partial(run_script, "train.py", "--dataset=lsun")


@pytest.mark.slow
def test_train_lsun_on_prepared_records(lmdb_dir, tmp_path):
    path, _ = lmdb_dir
    out = tmp_path / "lsun112"
    assert run_converter(f"--src={path}", f"--out={out}", "--size=112", "--skip_corrupt").returncode == 0
    result = run_train(f"--data_dir={out}", "--steps=2", "--batch_size=2", "--z_dim=8", "--sample_every=2",
                       f"--out_dir={tmp_path / 'run'}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "step 2/2" in result.stdout


@pytest.mark.slow
def test_size_mismatch_names_the_fix(lmdb_dir, tmp_path):
    path, _ = lmdb_dir
    out = tmp_path / "lsun48"
    assert run_converter(f"--src={path}", f"--out={out}", "--size=48", "--skip_corrupt").returncode == 0
    result = run_train(f"--data_dir={out}", "--steps=1", f"--out_dir={tmp_path / 'run'}")
    assert result.returncode == 2 and "--size" in result.stderr
