"""Unreadable training records: each reader (image folder, prepared TFRecords, raw .gnt, LSUN
LMDB) stops training with a DataError naming the file and the record, or with --skip_corrupt
leaves it out and counts it; train.py prints the error without a traceback."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from lsgan_tf.config import TrainConfig
from lsgan_tf.data import records
from lsgan_tf.errors import DataError
from lsgan_tf.training.loop import train
from tests.conftest import ROOT, subprocess_env
from tests.fixtures import LEVEL1, character_bitmap, encode, write_gnt, write_lmdb
from tests.png_bomb import bomb_png

TINY = dict(steps=3, batch_size=4, z_dim=8, sample_every=1000, checkpoint_every=1000, log_every=1000, seed=0)
BROKEN_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 42  # 50 bytes: a PNG signature and nothing valid after it


def write_digit_folder(root, per_class=4, broken=None):
    rng = np.random.default_rng(0)
    for label in range(2):
        os.makedirs(root / str(label), exist_ok=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 256, (28, 28), np.uint8)).save(root / str(label) / f"{i}.png")
    if broken is not None:
        (root / "1" / "broken.png").write_bytes(broken)
    return root


def run(tmp_path, dataset, data_dir, **flags):
    lines = []
    train(TrainConfig(dataset=dataset, data_dir=str(data_dir), out_dir=str(tmp_path / "run"), **TINY, **flags),
          log=lines.append)
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("content", [BROKEN_PNG, b"", os.urandom(300)], ids=["50-byte", "empty", "random"])
def test_a_broken_image_in_a_folder_is_named(tmp_path, content):
    data = write_digit_folder(tmp_path / "data", broken=content)
    with pytest.raises(DataError, match=r"1/broken\.png: cannot decode image .*--skip_corrupt"):
        run(tmp_path, "mnist", data)


@pytest.mark.slow
def test_skip_corrupt_leaves_the_broken_image_out_and_counts_it(tmp_path):
    data = write_digit_folder(tmp_path / "data", broken=BROKEN_PNG)
    lines = run(tmp_path, "mnist", data, skip_corrupt=True)
    summaries = [line for line in lines if line.startswith("--skip_corrupt: 1 unreadable record(s) skipped")]
    assert len(summaries) == 2 and "broken.png" in summaries[0]  # at the start and at the end
    assert "trained 3 steps" in lines[-1]


@pytest.mark.slow
def test_a_decompression_bomb_is_refused_before_it_is_decoded(tmp_path):
    """A 130 KB PNG that declares 12,000 x 12,000 pixels (Pillow's bound: 89,478,485)."""
    data = write_digit_folder(tmp_path / "data", broken=bomb_png(12_000, 12_000))
    with pytest.raises(DataError, match=r"broken\.png: cannot decode image .*declares.*144000000.*bound"):
        run(tmp_path, "mnist", data)


def write_prepared(root, count=12, cut=0):
    rng = np.random.default_rng(0)
    with records.ShardedWriter(str(root), records_per_shard=count // 2) as writer:
        for _ in range(count):
            writer.write(rng.integers(0, 256, (28, 28), np.uint8))
        writer.commit({"dataset": "mnist", "image_shape": [28, 28, 1]})
    if cut:
        shard = root / records.SHARD_PATTERN.format(index=1)
        shard.write_bytes(shard.read_bytes()[:-cut])
    return root


@pytest.mark.slow
def test_a_cut_short_tfrecord_shard_is_named_with_its_record(tmp_path):
    data = write_prepared(tmp_path / "data", cut=100)
    with pytest.raises(DataError, match=r"data-00001\.tfrecord: record 5: truncated record"):
        run(tmp_path, "mnist", data)


@pytest.mark.slow
def test_skip_corrupt_reads_a_cut_short_shard_up_to_its_last_whole_record(tmp_path):
    data = write_prepared(tmp_path / "data", cut=100)
    lines = run(tmp_path, "mnist", data, skip_corrupt=True)
    assert any("data-00001.tfrecord: record 5" in line and "rest of the shard" in line for line in lines)
    assert "trained 3 steps" in lines[-1]


def write_hwdb(root, cut=0):
    samples = [(code, character_bitmap(i, 30, 20)) for i, code in enumerate(LEVEL1.values())]
    write_gnt(str(root / "1.gnt"), samples * 2)
    write_gnt(str(root / "2.gnt"), samples, truncate_last=cut)
    return root


def test_a_cut_short_gnt_file_is_named_with_its_offset(tmp_path):
    data = write_hwdb(tmp_path / "data", cut=7)
    record = 10 + 30 * 20
    with pytest.raises(DataError, match=rf"2\.gnt: byte offset {3 * record}: record of {record} bytes runs past"):
        run(tmp_path, "hwdb", data, conditional=True)


@pytest.mark.slow
def test_skip_corrupt_trains_on_the_readable_part_of_a_gnt_file(tmp_path):
    data = write_hwdb(tmp_path / "data", cut=7)
    lines = run(tmp_path, "hwdb", data, conditional=True, skip_corrupt=True)
    assert any("1 unreadable record(s) skipped" in line and "2.gnt: byte offset" in line for line in lines)
    assert "trained 3 steps" in lines[-1]


def write_lsun(root, garbage_key=None):
    rng = np.random.default_rng(0)
    items = [(f"{i:040x}", encode(rng.integers(0, 256, (80, 96, 3), np.uint8), "WEBP")) for i in range(8)]
    if garbage_key:
        items.append((garbage_key, os.urandom(500)))
    write_lmdb(str(root), items)
    return root


@pytest.mark.slow
def test_an_undecodable_lmdb_value_is_named_by_its_key(tmp_path):
    key = "f" * 40
    data = write_lsun(tmp_path / "data", garbage_key=key)
    with pytest.raises(DataError, match=rf"record key {key}: cannot decode image"):
        run(tmp_path, "lsun64", data)


@pytest.mark.slow
def test_skip_corrupt_counts_undecodable_lmdb_values(tmp_path):
    data = write_lsun(tmp_path / "data", garbage_key="f" * 40)
    lines = run(tmp_path, "lsun64", data, skip_corrupt=True)
    assert "unreadable record(s) skipped" in lines[-2] and "f" * 40 in lines[-2]
    assert "trained 3 steps" in lines[-1]


@pytest.mark.slow
def test_train_py_prints_the_named_error_without_a_traceback(tmp_path):
    data = write_digit_folder(tmp_path / "data", broken=BROKEN_PNG)
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "train.py"), "--dataset=mnist", f"--data_dir={data}", "--steps=3",
         "--batch_size=4", "--z_dim=8", f"--out_dir={tmp_path / 'run'}"],
        capture_output=True, text=True, env=subprocess_env(), timeout=300,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"train.py: error: {data / '1' / 'broken.png'}: cannot decode image" in result.stderr
    assert "Traceback" not in result.stderr
