"""HWDB1.0: the .gnt parser, the class table, the converter and the readers, on .gnt files
written here in the real format."""

import functools
import os

import numpy as np
import pytest

from lsgan_tf.config import TrainConfig
from lsgan_tf.data import classes, hwdb, records
from lsgan_tf.runs import RunDir
from lsgan_tf.training.loop import train
from tests.conftest import assert_quiet, run_script, user_env
from tests.fixtures import LEVEL1, LEVEL2, SYMBOL, character_bitmap, gnt_record, prepared_records, write_gnt


@pytest.fixture()
def gnt_dir(tmp_path):
    """Two writers with level-1 characters, a symbol, a level-2 character and odd sizes."""
    root = tmp_path / "gnt"
    writer_a = [
        (LEVEL1["啊"], character_bitmap(1, 28, 28)),
        (LEVEL1["中"], character_bitmap(2, 13, 7)),
        (SYMBOL[1], character_bitmap(3, 9, 11)),
        (LEVEL2[1], character_bitmap(4, 30, 31)),
        (LEVEL1["啊"], character_bitmap(5, 41, 25)),
    ]
    writer_b = [
        (LEVEL1["座"], character_bitmap(6, 17, 33)),
        (LEVEL1["国"], character_bitmap(7, 28, 28)),
        (LEVEL1["中"], character_bitmap(8, 1, 5)),
    ]
    write_gnt(str(root / "trn" / "001-f.gnt"), writer_a)
    write_gnt(str(root / "trn" / "002-f.gnt"), writer_b)
    return root, writer_a, writer_b


def test_parser_round_trips_every_record(gnt_dir):
    root, writer_a, _ = gnt_dir
    parsed = list(hwdb.iter_gnt(str(root / "trn" / "001-f.gnt")))
    assert [r.character for r in parsed] == ["啊", "中", "！", "亍", "啊"]
    for record, (code, bitmap) in zip(parsed, writer_a):
        assert record.code == code
        np.testing.assert_array_equal(record.bitmap, bitmap)
    assert parsed[1].offset == 10 + 28 * 28


# Indices of the fixture's characters in the level-1 table: (row - 0xB0) * 94 + (cell - 0xA1).
INDEX = {"啊": 0, "国": 9 * 94 + 89, "中": 38 * 94 + 47, "座": 39 * 94 + 88}


def test_class_table_is_the_level1_set_in_code_order_whatever_the_files_hold(gnt_dir):
    root, _, _ = gnt_dir
    files = hwdb.find_gnt_files(str(root))
    table = classes.ClassTable.from_counts(hwdb.count_classes(files))
    assert len(table) == 3755 and table.codes == classes.LEVEL1_CODES
    assert table.present() == sorted(INDEX.values())  # B0A1 < B9FA < D6D0 < D7F9
    assert [table.characters[i] for i in table.present()] == ["啊", "国", "中", "座"]
    assert [table.counts[i] for i in table.present()] == [2, 1, 2, 1] and sum(table.counts) == 6
    assert classes.ClassTable.from_counts(hwdb.count_classes(files[:1])).index() == table.index()
    everything = classes.ClassTable.from_counts(hwdb.count_classes(files), "all")
    assert everything.codes[:3755] == classes.LEVEL1_CODES  # a level-1 character keeps its index
    assert everything.characters[3755:] == ["！", "亍"]  # then the other tags present, by code
    tsv = table.to_tsv()
    assert tsv.splitlines()[0] == "index\tcharacter\tgb_code\tcount"
    assert tsv.splitlines()[1 + INDEX["国"]] == f"{INDEX['国']}\t国\tB9FA\t1"
    assert classes.ClassTable.from_tsv(tsv) == table
    named = classes.ClassTable.from_characters(table.characters)
    assert named.codes == table.codes and named.present() == list(range(3755))  # not counted: all present


def test_header_scan_reads_each_file_once_per_process_until_it_changes(gnt_dir, monkeypatch):
    root, _, _ = gnt_dir
    files = hwdb.find_gnt_files(str(root))
    parsed = []
    original = hwdb.iter_gnt
    monkeypatch.setattr(hwdb, "iter_gnt", lambda path, **kwargs: parsed.append(path) or original(path, **kwargs))
    first = hwdb.count_classes(files)
    assert hwdb.count_classes(files) == first and len(parsed) == 2  # the class table, then the reader's check
    with open(files[1], "ab") as handle:  # a changed file (another size) is read again
        handle.write(gnt_record(LEVEL1["国"], character_bitmap(9, 12, 12)))
    again = hwdb.count_classes(files)
    assert parsed[2:] == [files[1]] and again[LEVEL1["国"]] == first[LEVEL1["国"]] + 1


def test_level1_range():
    assert classes.is_gb2312_level1(b"\xb0\xa1") and classes.is_gb2312_level1(b"\xd7\xf9")
    assert not classes.is_gb2312_level1(b"\xd7\xfa")  # unassigned end of row 0xD7
    assert not classes.is_gb2312_level1(LEVEL2[1]) and not classes.is_gb2312_level1(SYMBOL[1])


def test_preprocess_keeps_aspect_by_padding_and_inverts():
    bitmap = np.full((14, 7), 255, np.uint8)
    bitmap[:, 3] = 0  # one dark vertical stroke
    out = hwdb.preprocess(bitmap)
    assert out.shape == (28, 28)
    assert out[:, :7].max() == 0 and out[:, -7:].max() == 0  # padded sides are background (dark)
    assert out[:, 12:16].max() > 150 and out[:, 12:16].mean() > out.mean()  # the stroke is bright, centred
    white = hwdb.preprocess(bitmap, invert=False)
    assert white[:, :7].min() == 255
    stretched = hwdb.preprocess(bitmap, keep_aspect=False)
    assert (stretched.max(0) > 100).sum() > (out.max(0) > 100).sum()  # stretched 4x wide, not 2x


def test_truncated_file_names_file_and_offset(tmp_path):
    path = str(tmp_path / "bad.gnt")
    write_gnt(path, [(LEVEL1["啊"], character_bitmap(1, 10, 10)), (LEVEL1["中"], character_bitmap(2, 10, 10))], truncate_last=7)
    with pytest.raises(hwdb.GntFormatError, match=r"bad\.gnt: byte offset 110: record of 110 bytes runs past"):
        list(hwdb.iter_gnt(path))


def test_inconsistent_record_size_is_reported(tmp_path):
    path = str(tmp_path / "garbage.gnt")
    with open(path, "wb") as handle:  # size 5 cannot hold a 3x3 bitmap
        handle.write(b"\x05\x00\x00\x00\xb0\xa1\x03\x00\x03\x00" + b"\x00" * 9)
    with pytest.raises(hwdb.GntFormatError, match=r"byte offset 0: record size 5 does not match"):
        list(hwdb.iter_gnt(path))


run_converter = functools.partial(run_script, "data_prep/hwdb.py")


@pytest.mark.slow
def test_converter_writes_labels_class_table_and_exact_pixels(gnt_dir, tmp_path):
    root, writer_a, writer_b = gnt_dir
    out = tmp_path / "prepared"
    result = run_converter(f"--src={root}", f"--out={out}", env=user_env())
    assert_quiet(result, "data_prep/hwdb.py")
    assert "wrote 6 records" in result.stdout and "4 classes" in result.stdout
    info = records.read_info(str(out))
    assert info["num_classes"] == 3755 and info["num_records"] == 6
    assert (out / "classes.tsv").read_text(encoding="utf-8").splitlines()[1] == "0\t啊\tB0A1\t2"
    samples = list(prepared_records(str(out)))
    assert [label for _, label in samples] == [INDEX[c] for c in ("啊", "中", "啊", "座", "国", "中")]
    # 28x28 bitmaps need no resize: the stored pixels are exactly the inverted input.
    np.testing.assert_array_equal(samples[0][0][..., 0], 255 - writer_a[0][1])
    np.testing.assert_array_equal(samples[4][0][..., 0], 255 - writer_b[1][1])
    assert not [name for name in os.listdir(tmp_path) if ".tmp-" in name]


@pytest.mark.slow
def test_converter_stops_on_a_truncated_file_and_skip_corrupt_counts_it(gnt_dir, tmp_path):
    root, _, _ = gnt_dir
    write_gnt(str(root / "tst" / "003-f.gnt"), [(LEVEL1["国"], character_bitmap(9, 10, 10))] * 3, truncate_last=5)
    out = tmp_path / "prepared"
    result = run_converter(f"--src={root}", f"--out={out}")
    assert result.returncode == 1
    assert "003-f.gnt: byte offset 220" in result.stderr and "--skip_corrupt" in result.stderr
    assert not out.exists() and not [n for n in os.listdir(tmp_path) if ".tmp-" in n]
    result = run_converter(f"--src={root}", f"--out={out}", "--skip_corrupt")
    assert result.returncode == 0, result.stderr
    assert "wrote 8 records" in result.stdout  # 6 good + the 2 readable records before the cut
    assert "skipped: " in result.stdout and "003-f.gnt" in result.stdout


@pytest.mark.slow
def test_missing_source_is_a_clear_error(tmp_path):
    result = run_converter(f"--src={tmp_path / 'nothing'}", f"--out={tmp_path / 'out'}")
    assert result.returncode == 1 and "not a folder of HWDB1.0 .gnt files" in result.stderr


def test_interrupted_write_leaves_no_finished_looking_output(tmp_path):
    out = tmp_path / "prepared"
    with pytest.raises(RuntimeError):
        with records.ShardedWriter(str(out), records_per_shard=2) as writer:
            for i in range(5):
                writer.write(np.full((4, 4), i, np.uint8), i)
            raise RuntimeError("killed")
    assert not out.exists() and os.listdir(tmp_path) == []
    # A temporary folder left by a SIGKILL is never mistaken for a dataset.
    (tmp_path / "prepared.tmp-123").mkdir()
    assert not records.is_prepared(str(out))
    with pytest.raises(records.PreparedDatasetError, match="data_prep"):
        records.read_info(str(tmp_path / "prepared.tmp-123"))


@pytest.mark.slow
def test_train_reads_raw_gnt_and_prepared_records(gnt_dir, tmp_path):
    root, _, _ = gnt_dir
    out = tmp_path / "prepared"
    assert run_converter(f"--src={root}", f"--out={out}").returncode == 0
    for data_dir in (root, out):
        lines = []
        result = train(TrainConfig(dataset="hwdb", conditional=True, data_dir=str(data_dir), steps=2, batch_size=4,
                                   z_dim=8, sample_every=2, out_dir=str(tmp_path / ("run_" + data_dir.name))),
                       log=lines.append)
        assert result["step"] == 2 and any("step 2/2" in line for line in lines)
        run_table = RunDir(tmp_path / ("run_" + data_dir.name)).class_table()  # kept in the run, whatever the route
        assert len(run_table) == 3755 and run_table.present() == sorted(INDEX.values())
