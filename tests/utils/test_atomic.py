"""The one atomic writer: a complete write replaces the target, a failed one leaves the old
target as it was and no temporary file or folder behind."""

import os

import pytest

from lsgan_tf.utils.atomic import atomic_path, write_bytes, write_json


def test_complete_write_replaces_file_and_folder(tmp_path):
    path = str(tmp_path / "a" / "out.bin")
    write_bytes(path, b"old")
    write_bytes(path, b"new")
    assert open(path, "rb").read() == b"new"
    folder = str(tmp_path / "saved_model")
    for marker in ("first", "second"):
        with atomic_path(folder) as temporary:
            os.makedirs(temporary)
            open(os.path.join(temporary, marker), "w").close()
    assert os.listdir(folder) == ["second"]
    assert sorted(os.listdir(tmp_path)) == ["a", "saved_model"]


def test_failed_write_keeps_the_old_target_and_leaves_no_temporary(tmp_path):
    path = str(tmp_path / "config.json")
    write_json(path, {"step": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(path) as temporary:
            open(temporary, "w").write('{"st')  # half written when the writer fails
            raise RuntimeError("disk full")
    assert open(path).read() == '{"step": 1}'
    assert os.listdir(tmp_path) == ["config.json"]


def test_suffix_keeps_the_extension_for_writers_that_need_it(tmp_path):
    import numpy as np

    path = str(tmp_path / "samples.npz")
    with atomic_path(path, ".npz") as temporary:
        assert temporary.endswith(".npz")
        np.savez(temporary, x=np.arange(3))
    assert os.listdir(tmp_path) == ["samples.npz"] and list(np.load(path)["x"]) == [0, 1, 2]
