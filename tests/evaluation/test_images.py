"""FID / KID / IS / precision, recall, density, coverage of any images: two folders, a folder and an
image .npz, a folder and saved statistics; folders of mixed sizes by a named resize mode."""

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
    with pytest.raises(FeatureError, match="neither a folder of images nor an .npz"):
        score_images(str(tmp_path / "missing"), str(folders["a"]), inception_weights=graph)
    broken = write_folder(tmp_path / "broken", blobs(4, 3))
    (broken / "0001.png").write_bytes(b"not a png")
    with pytest.raises(FeatureError, match=r"0001\.png: not a readable image"):
        score_images(str(broken), str(folders["a"]), inception_weights=graph)
    np.savez(tmp_path / "other.npz", mu=np.zeros(16), sigma=np.eye(16), extractor_sha256="0" * 64)
    with pytest.raises(FeatureError, match="another extractor"):
        score_images(str(folders["a"]), str(tmp_path / "other.npz"), inception_weights=graph)


def test_a_folder_of_mixed_sizes_is_resized_by_the_named_mode(graph, folders, tmp_path):
    """Every image reaches 299x299 by the mode (the peers resize too; clean-fid names its mode);
    the legacy mode gives what the graph's own resize gives each image at its native size."""
    images = blobs(5, 40)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for i, image in enumerate(images):
        size = (32, 32) if i % 2 else (48, 40)
        Image.fromarray(image).resize(size, Image.Resampling.BILINEAR).save(mixed / f"{i:04d}.png")
    scores = {mode: score_images(str(mixed), str(folders["b"]), inception_weights=graph, resize=mode)
              for mode in ("legacy_tensorflow", "clean")}
    assert scores["legacy_tensorflow"]["conventions"]["resize"] == "legacy_tensorflow"
    assert scores["clean"]["conventions"]["resize"] == "clean"
    assert scores["legacy_tensorflow"]["fid"] != scores["clean"]["fid"]
    from lsgan_tf.evaluation.features import InceptionFeatures
    from lsgan_tf.evaluation.images import image_files

    extractor = InceptionFeatures(graph)
    native = np.concatenate([extractor.batch(np.asarray(Image.open(path).convert("RGB"), np.float32)[None])[0]
                             for path in image_files(str(mixed))])
    resized = score_images(str(mixed), str(mixed), inception_weights=graph)  # identical sets: FID 0, P/R 1
    assert resized["fid"] == pytest.approx(0.0, abs=1e-9) and resized["precision"] == resized["recall"] == 1.0
    from lsgan_tf.evaluation.images import ScoredSource

    source = ScoredSource(str(mixed))
    source.extract(extractor)
    np.testing.assert_allclose(source.features, native, rtol=1e-4, atol=1e-4)


def test_two_image_sets_get_precision_recall_density_coverage_and_the_conventions(graph, folders):
    same = score_images(str(folders["a"]), str(folders["b"]), inception_weights=graph)
    shifted = score_images(str(folders["a"]), str(folders["shifted"]), inception_weights=graph)
    for name in ("precision", "recall", "density", "coverage"):
        assert 0.0 <= same[name] and 0.0 <= shifted[name]
    assert shifted["precision"] < same["precision"] and shifted["coverage"] < same["coverage"]
    assert same["conventions"]["kid"].startswith("100 subsets of min(1000, N)")
    assert same["conventions"]["inception_score"].startswith("10 splits")


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
