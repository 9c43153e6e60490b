"""The synthetic HWDB renderer (real .gnt files read back by the project's reader), class
accuracy (the shipped character classifier's known behaviour on faithful and label-ignoring
samples), and the conditional path end to end on rendered characters: train, grid with
captions, evaluate."""

import json
import os
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from PIL import Image

from lsgan_tf.config import TrainConfig
from lsgan_tf.data import classes, hwdb, hwdb_render
from lsgan_tf.evaluation import classifiers
from lsgan_tf.evaluation.characters import class_accuracy, classifier_targets, to_classifier_range
from tests.conftest import ROOT, TF_LOG_LINE, assert_quiet, run_script, shared_across_workers, subprocess_env, user_env

CLASSES, PER_CLASS, WRITERS = 10, 60, 4

try:
    FONTS = hwdb_render.find_fonts()
except hwdb_render.FontError as error:  # `make setup` installs mplfonts; say so rather than fail obscurely
    pytest.skip(f"no CJK font: {error}", allow_module_level=True)


def render(out, *flags, env=None):
    return run_script("data_prep/hwdb_synthetic.py", f"--out={out}", *flags, env=env)


def render_set(folder):
    result = render(folder / "gnt", f"--classes={CLASSES}", f"--per_class={PER_CLASS}", f"--writers={WRITERS}",
                    "--workers=2", "--seed=3", env=user_env())
    assert_quiet(result, "data_prep/hwdb_synthetic.py")
    assert f"wrote {CLASSES * PER_CLASS} records in {WRITERS} .gnt files" in result.stdout


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """The rendered set, made once for all workers."""
    return shared_across_workers(tmp_path_factory, "hwdb_synthetic", render_set) / "gnt"


@pytest.mark.slow
def test_rendered_files_are_real_gnt_with_the_exact_class_set(rendered):
    files = hwdb.find_gnt_files(str(rendered))
    assert [os.path.basename(path) for path in files] == ["001-f.gnt", "002-f.gnt", "003-f.gnt", "004-f.gnt"]
    counts = hwdb.count_classes(files)
    assert counts == {code: PER_CLASS for code in classes.LEVEL1_CODES[:CLASSES]}  # the first N level-1, in code order
    assert all(classes.is_gb2312_level1(code) for code in counts)
    table = classes.ClassTable.from_counts(counts)
    assert table.present() == list(range(CLASSES)) and table.characters[:3] == ["啊", "阿", "埃"]
    per_writer = [sum(1 for _ in hwdb.iter_gnt(path, read_pixels=False)) for path in files]
    assert per_writer == [CLASSES * PER_CLASS // WRITERS] * WRITERS
    bitmaps = [record.bitmap for record in hwdb.iter_gnt(files[0])]
    assert len({bitmap.shape for bitmap in bitmaps}) > 20  # variable size, as in HWDB
    for bitmap in bitmaps:
        border = np.concatenate([bitmap[0], bitmap[-1], bitmap[:, 0], bitmap[:, -1]])
        assert border.mean() > 250 and bitmap.min() < 100  # white background, dark ink
    # Two samples of one class by one writer differ (affine, elastic, stroke width per sample).
    first, second = [b for b, r in zip(bitmaps, hwdb.iter_gnt(files[0])) if r.character == "啊"][:2]
    assert first.shape != second.shape or np.abs(first.astype(int) - second).mean() > 5


@pytest.mark.slow
def test_rendering_is_deterministic_for_a_seed_whatever_the_workers(rendered, tmp_path):
    again = tmp_path / "again"
    assert render(again, f"--classes={CLASSES}", f"--per_class={PER_CLASS}", f"--writers={WRITERS}", "--workers=1",
                  "--seed=3").returncode == 0
    other = tmp_path / "other"
    assert render(other, f"--classes={CLASSES}", f"--per_class={PER_CLASS}", f"--writers={WRITERS}", "--seed=4").returncode == 0
    for name in ("001-f.gnt", "004-f.gnt"):
        assert (again / name).read_bytes() == (rendered / name).read_bytes()
        assert (other / name).read_bytes() != (rendered / name).read_bytes()
    assert not [name for name in os.listdir(tmp_path) if ".tmp-" in name]


@pytest.mark.slow
def test_bad_flags_and_a_font_without_hanzi_are_clear_errors(tmp_path):
    latin = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf", "DejaVuSans.ttf")
    result = render(tmp_path / "x", f"--font={latin}")
    assert result.returncode == 2 and "has no GB2312 hanzi" in result.stderr and "mplfonts" in result.stderr
    result = render(tmp_path / "x", "--classes=4000")
    assert result.returncode == 2 and "--classes must be in [1, 3755]" in result.stderr
    result = render(tmp_path / "x", "--per_class=2", "--writers=3")
    assert result.returncode == 2 and "--writers=3 is more than --per_class=2" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x").exists()


@pytest.mark.slow
def test_class_accuracy_is_the_classifiers_on_faithful_samples_and_chance_when_labels_are_ignored(rendered):
    config = TrainConfig(dataset="hwdb", data_dir=str(rendered), conditional=True).resolve()
    table = classes.ClassTable.from_counts(hwdb.count_classes(hwdb.find_gnt_files(str(rendered))))
    classifier = classifiers.load_classifier(classifiers.CHARACTERS)
    # Samples of writers neither the classifier nor the run saw (another seed): 20 per class.
    codes = classes.LEVEL1_CODES[:CLASSES]
    index = table.index()
    pool = {i: [] for i in range(CLASSES)}
    for writer in range(20):
        for code, bitmap in hwdb_render.writer_samples(codes, 1, writer, seed=99, fonts=FONTS):
            pool[index[code]].append(hwdb.preprocess(bitmap).astype(np.float32)[..., None] / 255.0)
    labels = np.arange(200) % CLASSES
    faithful = np.stack([pool[label][k // CLASSES] for k, label in enumerate(labels)])
    ignoring = np.stack([pool[(label * 7 + k) % CLASSES][k // CLASSES] for k, label in enumerate(labels)])
    targets = classifier_targets(table, labels)
    real_accuracy = class_accuracy(classifier, to_classifier_range(faithful, config.pixel_range), targets)
    ignored_accuracy = class_accuracy(classifier, to_classifier_range(ignoring, config.pixel_range), targets)
    recorded = classifiers.CHARACTERS.test_accuracy["rendered_4_writers"]  # over all 3,755 classes
    assert real_accuracy >= 0.8 and abs(real_accuracy - recorded) <= 0.15, real_accuracy
    assert abs(ignored_accuracy - 1.0 / CLASSES) <= 0.1


def test_a_class_outside_level_1_has_no_classifier_class_and_is_not_asked_for():
    from lsgan_tf.evaluation.characters import asked_labels

    table = classes.ClassTable.from_counts({classes.LEVEL1_CODES[5]: 3, b"\xa3\xa1": 2, classes.LEVEL1_CODES[0]: 1}, "all")
    assert len(table) == 3756 and table.present() == [0, 5, 3755]
    assert classifier_targets(table, [0, 5, 3755]).tolist() == [0, 5, -1]
    assert asked_labels(table, len(table), 5).tolist() == [0, 5, 0, 5, 0]


@pytest.mark.slow
@pytest.mark.full
def test_conditional_run_on_rendered_characters_trains_draws_captions_and_reports_class_accuracy(rendered, tmp_path):
    run = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "train.py"), "--dataset=hwdb", "--conditional", f"--data_dir={rendered}",
         "--steps=2", "--batch_size=8", "--z_dim=8", "--sample_every=2", f"--out_dir={run}"],
        capture_output=True, text=True, timeout=300, env=user_env())
    assert result.returncode == 0, result.stderr[-3000:]
    assert not TF_LOG_LINE.search(result.stderr), result.stderr[-3000:]  # tf.data's INFO lines included
    grid = np.asarray(Image.open(run / "samples" / "step_000002.png"))
    assert grid.shape[0] > 8 * 30 + 2 + 10  # 8 rows of 28 + padding, then the caption strip
    assert grid[8 * 30 + 2:].max() == 255  # the captions are drawn
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "evaluate.py"), f"--run_dir={run}", "--num_samples=100"],
        capture_output=True, text=True, timeout=300, env=user_env())
    assert_quiet(result, "evaluate.py")  # a conditional run: the character classifier's class accuracy
    scores = json.loads((run / "evaluation.json").read_text())
    assert scores["chance"] == pytest.approx(1.0 / CLASSES) and scores["classes_asked"] == CLASSES
    assert 0.0 <= scores["class_accuracy"] <= 1.0 and scores["classifier_accuracy_on_run_data"] >= 0.5
    assert scores["extractor"] == classifiers.CHARACTERS.description()
    assert "class_accuracy" in result.stdout
    # The class-fidelity experiment scores every kept checkpoint the same way and draws 10 classes x 8.
    out = tmp_path / "fidelity"
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "experiments", "hwdb_class_fidelity.py"), f"--run_dir={run}",
         "--num_samples=100", f"--out={out}"],
        capture_output=True, text=True, timeout=300, env=subprocess_env())
    assert result.returncode == 0, result.stderr[-3000:]
    curve = json.loads((out / "results.json").read_text())
    assert [score["step"] for score in curve] == [2] and curve[0]["class_accuracy"] == scores["class_accuracy"]
    grid = np.asarray(Image.open(out / "grid.png"))
    assert grid.shape[1] == 10 * 30 + 2 and grid.shape[0] > 8 * 30 + 2 and (out / "class_accuracy.png").exists()
