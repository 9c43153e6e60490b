"""examples/quickstart.ipynb runs from top to bottom (with LSGAN_QUICKSTART_TINY=1: a few steps
on a small batch): its code cells are executed in order in one namespace, as a kernel would."""

import json
import os
import shutil

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_quickstart_notebook_runs(monkeypatch):
    monkeypatch.setenv("LSGAN_QUICKSTART_TINY", "1")
    notebook = json.load(open(os.path.join(ROOT, "examples", "quickstart.ipynb"), encoding="utf-8"))
    namespace = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), "quickstart.ipynb", "exec"), namespace)
    assert namespace["real"].shape == (8, 28, 28, 1)
    assert namespace["grid"].shape == (8 * 30 + 2, 8 * 30 + 2)
    assert sorted(os.listdir(namespace["out_dir"])) == ["generator.tflite", "samples.png", "saved_model"]
    assert tuple(namespace["served"]["images_uint8"].shape) == (4, 28, 28, 1)
    shutil.rmtree(namespace["out_dir"])
