"""The standard Inception graph: fetched once from a (loopback) host, verified, cached, recorded."""

import hashlib
import os

import numpy as np
import pytest

from lsgan_tf.errors import FeatureError
from lsgan_tf.evaluation.features import InceptionFeatures
from lsgan_tf.evaluation.inception import INCEPTION_GRAPH_FILE, InceptionGraph, cached_graph_path, fetch_inception_graph
from tests.fixtures import standin_inception_graph, tgz_of
from tests.loopback import loopback_server

ARCHIVE_PATH = "/models/image/imagenet/inception-2015-12-05.tgz"


@pytest.fixture(scope="module")
def graph_bytes():
    return standin_inception_graph()


@pytest.fixture
def host(graph_bytes, monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with loopback_server() as server:
        server.files[ARCHIVE_PATH] = tgz_of({"LICENSE": b"Apache 2.0", INCEPTION_GRAPH_FILE: graph_bytes})
        yield server


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cache_files(cache):
    return sorted(str(path.relative_to(cache)) for path in cache.rglob("*") if path.is_file())


def test_first_fetch_verifies_and_caches_then_no_request(host, graph_bytes, tmp_path):
    url = host.url + ARCHIVE_PATH
    path = fetch_inception_graph(str(tmp_path), url, sha256=sha256(host.files[ARCHIVE_PATH]))
    assert path == cached_graph_path(str(tmp_path)) and open(path, "rb").read() == graph_bytes
    assert host.requests == [ARCHIVE_PATH]
    relative = os.path.relpath(path, tmp_path)
    assert cache_files(tmp_path) == [relative, relative + ".sha256"]  # the archive is not kept; the graph's hash is
    assert open(path + ".sha256").read() == sha256(graph_bytes)
    assert fetch_inception_graph(str(tmp_path), url) == path and host.requests == [ARCHIVE_PATH]


@pytest.mark.parametrize("damage", ["a changed byte", "cut short"])
def test_a_damaged_cached_graph_is_found_by_its_hash_and_fetched_again_in_one_line(host, graph_bytes, tmp_path, damage):
    url = host.url + ARCHIVE_PATH
    path = fetch_inception_graph(str(tmp_path), url)
    data = bytearray(graph_bytes)
    if damage == "a changed byte":
        data[len(data) // 2] ^= 0x40  # may still parse: only the hash tells
    else:
        data = data[: len(data) // 2]
    open(path, "wb").write(bytes(data))
    lines = []
    assert fetch_inception_graph(str(tmp_path), url, log=lines.append) == path
    assert open(path, "rb").read() == graph_bytes and host.requests == [ARCHIVE_PATH, ARCHIVE_PATH]
    assert len(lines) == 1 and "is damaged" in lines[0] and "fetching it again" in lines[0]


def test_a_users_own_file_that_is_not_the_graph_is_named_not_deleted(tmp_path):
    own = tmp_path / "junk.pb"
    own.write_bytes(b"\x08\x01garbage" * 10)
    with pytest.raises(FeatureError) as refused:
        InceptionFeatures(str(own))
    assert str(own) in str(refused.value) and "delete" not in str(refused.value)
    assert own.exists()


def test_evaluate_checks_its_inputs_before_it_fetches_anything(host, tmp_path):
    from PIL import Image

    from tests.conftest import run_script

    url = host.url + ARCHIVE_PATH
    images = tmp_path / "images"
    images.mkdir()
    for i in range(2):
        Image.fromarray(np.full((8, 8, 3), i * 90, np.uint8)).save(images / f"{i}.png")
    for flags, named in ((["--images=" + str(tmp_path / "missing"), f"--reference={images}"], "missing"),
                         ([f"--images={images}", "--reference=" + str(tmp_path / "no.npz")], "no.npz")):
        result = run_script("evaluate.py", *flags, f"--inception_url={url}", f"--cache_dir={tmp_path / 'cache'}")
        assert result.returncode == 2 and named in result.stderr and "Traceback" not in result.stderr
    assert host.requests == [] and not (tmp_path / "cache").exists()


@pytest.mark.parametrize("fault", ["wrong hash", "cut short", "no graph inside", "not a graph", "not an archive"])
def test_a_bad_download_is_refused_and_not_cached(host, graph_bytes, tmp_path, fault):
    url, expected = host.url + ARCHIVE_PATH, None
    if fault == "wrong hash":
        expected = sha256(b"another archive")
    elif fault == "cut short":
        host.claimed_length[ARCHIVE_PATH] = len(host.files[ARCHIVE_PATH]) + 1000
    elif fault == "no graph inside":
        host.files[ARCHIVE_PATH] = tgz_of({"LICENSE": b"Apache 2.0"})
    elif fault == "not a graph":
        host.files[ARCHIVE_PATH] = tgz_of({INCEPTION_GRAPH_FILE: b"\x08\x01garbage" * 10})
    else:
        host.files[ARCHIVE_PATH] = graph_bytes[:1000]
    with pytest.raises(FeatureError) as refused:
        fetch_inception_graph(str(tmp_path), url, sha256=expected)
    assert "\n" not in str(refused.value) and url in str(refused.value) or "GraphDef" in str(refused.value)
    assert cache_files(tmp_path) == [] and not (tmp_path / "inception-2015-12-05").exists()  # no empty folder


def test_offline_names_the_url_and_the_flag(tmp_path):
    with loopback_server() as server:
        closed = server.url  # nothing listens there once the server is gone
    url = closed + ARCHIVE_PATH
    with pytest.raises(FeatureError, match=r"could not download the Inception graph from .*--inception_weights=PATH/"
                                           r"classify_image_graph_def\.pb") as refused:
        fetch_inception_graph(str(tmp_path / "cache"), url)
    assert url in str(refused.value) and "\n" not in str(refused.value)
    assert not (tmp_path / "cache").exists()  # no folder made for nothing, the cache folder itself included


def test_graph_features_are_per_image_and_logits_are_pool_times_softmax_weights(graph_bytes, tmp_path):
    import tensorflow as tf

    path = tmp_path / INCEPTION_GRAPH_FILE
    path.write_bytes(graph_bytes)
    images = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3)).astype(np.float32)
    features, logits = InceptionGraph(str(path))(images)
    assert features.shape == (3, 16) and logits.shape == (3, 10)
    one, _ = InceptionGraph(str(path))(images[1:2])
    np.testing.assert_allclose(features[1:2], one, rtol=1e-5, atol=1e-6)  # batch size baked at 1 in the graph
    graph_def = tf.compat.v1.GraphDef.FromString(graph_bytes)
    weights = next(node for node in graph_def.node if node.name == "softmax/weights")
    np.testing.assert_allclose(logits, features @ tf.make_ndarray(weights.attr["value"].tensor), rtol=1e-5, atol=1e-5)


def test_features_record_the_graph_hash_and_source(host, graph_bytes, tmp_path):
    url = host.url + ARCHIVE_PATH
    extractor = InceptionFeatures(None, str(tmp_path), url)
    assert extractor.description["sha256"] == sha256(graph_bytes) and extractor.description["source"] == url
    assert extractor.description["name"] == "inception_2015_12_05_graph"
    assert extractor.description["comparable_with_published_fid"]
    grey = np.random.default_rng(1).uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32)
    features, logits = extractor(grey, pixel_range=(-1.0, 1.0))
    assert features.shape == (4, 16) and logits.shape == (4, 10) and np.isfinite(features).all()
    cached = InceptionFeatures(None, str(tmp_path), url)
    assert cached.description["sha256"] == extractor.description["sha256"] and host.requests == [ARCHIVE_PATH]
