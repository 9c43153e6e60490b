"""The README and docs/ as reference documents: every relative link and image resolves, the
README stays a two-minute read whose test command is the one CI runs, no page cites an issue
number, and the README's library example runs."""

import glob
import os
import re

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import ROOT

PAGES = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
# [text](target) and ![alt](target); the target up to a space (a title) or the closing bracket.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)[^)]*\)")


def relative_links(page):
    text = open(page, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # code blocks hold commands, not links
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target) and not target.startswith("#")]


@pytest.mark.parametrize("page", PAGES, ids=lambda path: os.path.relpath(path, ROOT))
def test_every_relative_link_and_image_resolves(page):
    links = relative_links(page)
    missing = [target for target in links
               if not os.path.exists(os.path.join(os.path.dirname(page), target.split("#")[0]))]
    assert missing == []


def test_the_link_check_sees_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("![a](images/none.png) [b](https://example.org) [c](#top)\n```\n[d](not/a/link)\n```\n")
    assert relative_links(str(page)) == ["images/none.png"]


def test_no_page_cites_an_issue_number():
    cited = [(os.path.relpath(page, ROOT), line.strip()) for page in PAGES
             for line in open(page, encoding="utf-8") if re.search(r"issue #?\d+|\(issue:", line, re.I)]
    assert cited == []


def test_the_readme_is_short_and_names_the_ci_test_command():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    assert len(readme.splitlines()) <= 150
    ci = open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8").read()
    assert "make test\n" in ci and "make test " in readme


@pytest.mark.slow
def test_the_readmes_library_example_runs():
    """The README's ten lines, on 2 batches of 8 noise images for 1 epoch instead of 50."""
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    code = re.search(r"## The library in ten lines\n\n```python\n(.*?)```", readme, re.S).group(1)
    assert len(code.strip().splitlines()) <= 10 and "epochs=50" in code
    images = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype(np.float32)
    namespace = {"images_in_minus1_1": tf.data.Dataset.from_tensor_slices(images).batch(8)}
    exec(compile(code.replace("epochs=50", "epochs=1"), "README.md", "exec"), namespace)
    samples = namespace["samples"].numpy()
    assert samples.shape == (16, 28, 28, 1) and np.all(np.abs(samples) <= 1.0)


def test_the_design_pages_dataset_example_registers_a_dataset_that_reads():
    """docs/DESIGN.md "Adding a dataset": its code registers a dataset whose batches come out
    scaled to the preset's pixel range."""
    from lsgan_tf import presets
    from lsgan_tf.data.datasets import make_dataset

    page = open(os.path.join(ROOT, "docs", "DESIGN.md"), encoding="utf-8").read()
    code = re.search(r"## Adding a dataset\n.*?```python\n(.*?)```", page, re.S).group(1)
    try:
        exec(compile(code, "DESIGN.md", "exec"), {})
        preset = presets.get("stripes")
        batch = next(iter(make_dataset(preset, batch_size=8, seed=0))).numpy()
    finally:
        presets.PRESETS.pop("stripes", None)
    assert batch.shape == (8, 28, 28, 1) and -1.0 <= batch.min() < 0 < batch.max() <= 1.0
    assert preset.subject == "grey stripes"
