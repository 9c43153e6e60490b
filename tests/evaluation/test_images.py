"""FID / KID / IS of any images: two folders, a folder and an image .npz, a folder and saved statistics."""

import json

import numpy as np
import pytest
from PIL import Image

from lsgan_tf.errors import FeatureError
from lsgan_tf.evaluation.images import save_image_statistics, score_images
from lsgan_tf.evaluation.inception import INCEPTION_GRAPH_FILE
from tests.conftest import run_script
from tests.fixtures import standin_inception_graph


def blobs(seed: int, count: int, brightness: float = 0.0) -> np.ndarray:
    """uint8 RGB 32x32 images of one distribution: random smooth colour fields (+ a brightness shift)."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 200, (count, 4, 4, 3))
    smooth = np.repeat(np.repeat(coarse, 8, axis=1), 8, axis=2) + rng.normal(0, 10, (count, 32, 32, 3))
    return np.clip(smooth + brightness, 0, 255).astype(np.uint8)


def write_folder(folder, images):
    folder.mkdir(parents=True)
    for i, image in enumerate(images):
        Image.fromarray(image).save(folder / f"{i:04d}.png")
    return folder


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    path = tmp_path_factory.mktemp("inception") / INCEPTION_GRAPH_FILE
    path.write_bytes(standin_inception_graph())
    return str(path)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    return {name: write_folder(root / name, blobs(seed, 120, shift))
            for name, seed, shift in (("a", 1, 0.0), ("b", 2, 0.0), ("shifted", 3, 60.0))}


def test_same_distribution_scores_near_zero_and_a_shifted_one_higher(graph, folders):
    same = score_images(str(folders["a"]), str(folders["b"]), inception_weights=graph)
    shifted = score_images(str(folders["a"]), str(folders["shifted"]), inception_weights=graph)
    itself = score_images(str(folders["a"]), str(folders["a"]), inception_weights=graph)
    assert itself["fid"] == pytest.approx(0.0, abs=1e-6)
    assert shifted["fid"] > 10 * same["fid"] and shifted["kid"] > 10 * abs(same["kid"])
    assert same["images"]["num_samples"] == 120 and 1.0 <= same["inception_score"] <= 10.0
    assert same["extractor"]["name"] == "inception_2015_12_05_graph"


def test_npz_statistics_and_npz_images_equal_the_folder(graph, folders, tmp_path):
    by_folder = score_images(str(folders["a"]), str(folders["b"]), inception_weights=graph)
    stats = tmp_path / "b_stats.npz"
    save_image_statistics(str(folders["b"]), str(stats), inception_weights=graph)
    by_stats = score_images(str(folders["a"]), str(stats), inception_weights=graph)
    assert by_stats["fid"] == pytest.approx(by_folder["fid"], rel=1e-9) and "kid" not in by_stats
    assert by_stats["reference"]["num_samples"] == 120
    array = tmp_path / "a_images.npz"
    np.savez(array, images=np.stack([np.asarray(Image.open(p)) for p in sorted(folders["a"].glob("*.png"))]))
    by_array = score_images(str(array), str(folders["b"]), inception_weights=graph)
    assert by_array["fid"] == pytest.approx(by_folder["fid"], rel=1e-6)
    # pytorch-fid's own layout (mu, sigma and nothing else) is read as well.
    with np.load(stats) as stored:
        np.savez(tmp_path / "plain.npz", mu=stored["mu"], sigma=stored["sigma"])
    plain = score_images(str(folders["a"]), str(tmp_path / "plain.npz"), inception_weights=graph)
    assert plain["fid"] == pytest.approx(by_folder["fid"], rel=1e-9)


def test_bad_sources_are_named(graph, folders, tmp_path):
    mixed = write_folder(tmp_path / "mixed", blobs(4, 3))
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(mixed / "9999.png")
    with pytest.raises(FeatureError, match=r"9999\.png is 16x16 but .*0000\.png is 32x32"):
        score_images(str(mixed), str(folders["a"]), inception_weights=graph)
    with pytest.raises(FeatureError, match="neither a folder of images nor an .npz"):
        score_images(str(tmp_path / "missing"), str(folders["a"]), inception_weights=graph)
    np.savez(tmp_path / "other.npz", mu=np.zeros(16), sigma=np.eye(16), extractor_sha256="0" * 64)
    with pytest.raises(FeatureError, match="another extractor"):
        score_images(str(folders["a"]), str(tmp_path / "other.npz"), inception_weights=graph)


@pytest.mark.slow
def test_evaluate_images_command(graph, folders, tmp_path):
    out = tmp_path / "scores.json"
    result = run_script("evaluate.py", f"--images={folders['a']}", f"--reference={folders['shifted']}",
                        f"--inception_weights={graph}", f"--out={out}")
    assert result.returncode == 0, result.stderr[-2000:]
    scores = json.loads(out.read_text())
    assert scores["fid"] > 0 and scores["reference"]["source"] == str(folders["shifted"]) and "fid" in result.stdout
    refused = run_script("evaluate.py", f"--images={folders['a']}", f"--inception_weights={graph}")
    assert refused.returncode == 2 and "--images needs --reference" in refused.stderr and "Traceback" not in refused.stderr
