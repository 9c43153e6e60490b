"""The TFDS builders (manual_dir convention; nothing downloaded) and --dataset=tfds:NAME."""

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT, subprocess_env
from tests.fixtures import LEVEL1, LEVEL2, character_bitmap, write_gnt

tfds = pytest.importorskip("tensorflow_datasets")
from lsgan_tf.data import classes, hwdb, tfds_builders  # noqa: E402,F401  (after the skip; registers hwdb1)
from lsgan_tf.runs import RunDir  # noqa: E402  (after the skip)


def test_level1_label_space():
    assert len(classes.LEVEL1_CODES) == 3755 == 40 * 94 - 5
    assert classes.LEVEL1_CODES[0] == b"\xb0\xa1" and classes.LEVEL1_CODES[-1] == b"\xd7\xf9"
    assert list(classes.LEVEL1_CODES) == sorted(classes.LEVEL1_CODES)


@pytest.fixture(scope="module")
def hwdb_tfds(tmp_path_factory):
    root = tmp_path_factory.mktemp("tfds")
    manual = root / "manual"
    write_gnt(str(manual / "HWDB1.0trn_gnt" / "1.gnt"), [(LEVEL1["中"], character_bitmap(1, 28, 28)), (LEVEL2[1], character_bitmap(2, 9, 9))])
    write_gnt(str(manual / "HWDB1.0tst_gnt" / "2.gnt"), [(LEVEL1["啊"], character_bitmap(3, 28, 28))])
    builder = tfds.builder("hwdb1", data_dir=str(root / "data"))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(manual)))
    return root, builder


def test_hwdb1_builder_reads_manual_dir(hwdb_tfds):
    _, builder = hwdb_tfds
    train = list(tfds.as_numpy(builder.as_dataset(split="train")))
    test = list(tfds.as_numpy(builder.as_dataset(split="test")))
    assert len(train) == 1 and len(test) == 1  # the level-2 character is not a class
    codes = classes.LEVEL1_CODES
    assert train[0]["label"] == codes.index(LEVEL1["中"]) and test[0]["label"] == codes.index(LEVEL1["啊"])
    np.testing.assert_array_equal(train[0]["image"][..., 0], hwdb.preprocess(character_bitmap(1, 28, 28)))
    assert builder.info.features["label"].int2str(int(test[0]["label"])) == "啊"


@pytest.mark.slow
def test_small_variability_digits_builder(official_digits_tarball, tmp_path):
    manual = tmp_path / "manual"
    manual.mkdir()
    os.symlink(official_digits_tarball, manual / os.path.basename(official_digits_tarball))
    builder = tfds.builder("small_variability_digits/shift", data_dir=str(tmp_path / "data"))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(manual)))
    assert builder.info.splits["train"].num_examples == 10_000
    example = next(iter(tfds.as_numpy(builder.as_dataset(split="train"))))
    assert example["image"].shape == (28, 28, 1) and 0 <= example["label"] < 10


def test_missing_manual_data_is_a_clear_error(tmp_path):
    builder = tfds.builder("small_variability_digits/shift", data_dir=str(tmp_path / "data"))
    with pytest.raises(Exception, match="manual_dir|small_variability_digits_official"):
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(tmp_path)))


@pytest.mark.slow
def test_train_from_a_tfds_data_dir(hwdb_tfds, tmp_path):
    root, _ = hwdb_tfds
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "train.py"), "--dataset=tfds:hwdb1", "--conditional", f"--data_dir={root / 'data'}",
         "--steps=2", "--batch_size=2", "--z_dim=8", "--sample_every=2", f"--out_dir={tmp_path / 'run'}"],
        capture_output=True, text=True, timeout=300, env=subprocess_env(),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "step 2/2" in result.stdout
    table = RunDir(tmp_path / "run").class_table()  # the same class table as the .gnt routes, kept in the run
    assert table.codes == classes.LEVEL1_CODES and table.characters[0] == "啊"


def test_mnist_without_data_dir_trains_from_a_tfds_download(tmp_path, monkeypatch):
    """--dataset=mnist with no --data_dir goes through TFDS's download_and_prepare into
    --tfds_data_dir (mock_data stands in for the network and the files)."""
    from lsgan_tf.config import TrainConfig
    from lsgan_tf.data import datasets
    from lsgan_tf.training.loop import train

    hosts = []  # the host check is asked for, and answered here: no test reaches outside
    monkeypatch.setattr(datasets, "unreachable_reason", lambda url: hosts.append(url))
    with tfds.testing.mock_data(num_examples=16):
        asked, prepared = [], []
        make_builder, mocked_prepare = tfds.builder, tfds.core.DatasetBuilder.download_and_prepare
        monkeypatch.setattr(tfds, "builder", lambda name, **k: (asked.append((name, k.get("data_dir"))),
                                                               make_builder(name, **k))[1])
        monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare",
                            lambda builder, *a, **k: (prepared.append(builder.name), mocked_prepare(builder, *a, **k))[1])
        result = train(TrainConfig(dataset="mnist", tfds_data_dir=str(tmp_path / "tfds"), steps=2, batch_size=4,
                                   z_dim=8, sample_every=2, out_dir=str(tmp_path / "run")), log=lambda line: None)
    assert result["step"] == 2
    assert asked and set(asked) == {("mnist", str(tmp_path / "tfds"))} and set(prepared) == {"mnist"}
    assert hosts and set(hosts) == {datasets.TFDS_DOWNLOAD_HOST}
    assert os.path.exists(RunDir(tmp_path / "run").sample_path(2))


# Every connection and name lookup of the process fails, as offline; each try is counted into the
# file $NETWORK_TRIES when the process exits.
NO_NETWORK = """
import atexit, errno, os, socket, sys
tries = []
def unreachable(*args, **kwargs):
    tries.append(args[:1])
    raise OSError(errno.ENETUNREACH, "Network is unreachable")
socket.socket.connect = unreachable
socket.getaddrinfo = unreachable
socket.create_connection = unreachable
atexit.register(lambda: open(os.environ["NETWORK_TRIES"], "w").write(str(len(tries))))
"""
# The host answers (the check passes) but the download then fails, as requests fails without a route.
FAILING_DOWNLOAD = """
import requests
from tensorflow_datasets.core.download import downloader
from tensorflow_datasets.core.utils import gcs_utils
from lsgan_tf.data import datasets
def offline(*args, **kwargs):
    raise requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='storage.googleapis.com', port=443): Max retries exceeded "
        "(Caused by NameResolutionError: Failed to resolve 'storage.googleapis.com')")
downloader._Downloader._sync_download = offline
gcs_utils.is_dataset_on_gcs = lambda name: False
datasets.unreachable_reason = lambda url: None
"""
TRAIN = """
from lsgan_tf.cli.train import run
sys.argv = ["train.py"] + sys.argv[1:]
run()
"""


def train_offline(prelude, tmp_path):
    return subprocess.run(
        [sys.executable, "-c", "import sys\n" + prelude + TRAIN, "--dataset=mnist", f"--tfds_data_dir={tmp_path / 'tfds'}",
         "--steps=1", f"--out_dir={tmp_path / 'run'}"],
        capture_output=True, text=True, timeout=300, env=subprocess_env(NETWORK_TRIES=str(tmp_path / "tries")), cwd=ROOT,
    )


@pytest.mark.slow
def test_without_a_network_the_download_fails_in_seconds_in_one_line_and_changes_nothing(tmp_path):
    (tmp_path / "tfds").mkdir()
    (tmp_path / "tfds" / "kept.txt").write_text("a user's file")
    result = train_offline(NO_NETWORK, tmp_path)
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert len(lines) == 1 and "cannot download TFDS dataset 'mnist'" in lines[0], lines
    assert "storage.googleapis.com:443" in lines[0] and "--tfds_data_dir=DIR" in lines[0] and "--data_dir" in lines[0]
    # One try, the download host asked once, then the error: no retries (TFDS alone retried for
    # minutes; how long the command takes is recorded in docs/RELIABILITY.md, not asserted here).
    assert (tmp_path / "tries").read_text() == "1"
    assert sorted(os.listdir(tmp_path / "tfds")) == ["kept.txt"] and not (tmp_path / "run").exists()


@pytest.mark.slow
def test_a_download_that_fails_midway_leaves_nothing_behind(tmp_path):
    result = train_offline(FAILING_DOWNLOAD, tmp_path)
    errors = [line for line in result.stderr.splitlines() if line.startswith("train.py: error:")]  # after TFDS's bars
    assert result.returncode == 2 and len(errors) == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "could not download and prepare TFDS dataset 'mnist'" in errors[0] and "ConnectionError" in errors[0]
    assert not (tmp_path / "tfds").exists() or os.listdir(tmp_path / "tfds") == []
    assert not (tmp_path / "run").exists()


def test_manual_only_tfds_dataset_without_a_directory_names_manual_dir():
    from lsgan_tf.data.datasets import check_data
    from lsgan_tf.errors import DataError
    from lsgan_tf.presets import get

    with pytest.raises(DataError, match=r"TFDS cannot download hwdb1: .*manual_dir.*--data_dir=DIR"):
        check_data(get("hwdb"), None, "hwdb1")
