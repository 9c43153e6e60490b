"""The dataset registry (lsgan_tf/presets.py): a dataset added from a test module in one place
trains, is scored and exports; no module outside the registry asks for a dataset by its name."""

import ast
import os

import numpy as np
import pytest

from lsgan_tf import presets
from tests.conftest import ROOT

STRIPES = "stripes"
ARCHITECTURE_REGISTRY = os.path.join(ROOT, "lsgan_tf", "architectures", "__init__.py")


def stripes_reader(request):
    """28x28 grey stripes at random angles and phases: a dataset of the test's own."""
    import tensorflow as tf

    rng = np.random.default_rng(request.seed)
    rows, cols = np.mgrid[0:28, 0:28]
    angles, phases = rng.uniform(0, np.pi, 512), rng.uniform(0, 2 * np.pi, 512)
    images = (127.5 + 127.5 * np.sin(0.6 * (np.cos(angles)[:, None, None] * cols + np.sin(angles)[:, None, None] * rows)
                                     + phases[:, None, None])).astype(np.uint8)[..., None]
    return request.finalize(tf.data.Dataset.from_tensor_slices(images), len(images))


@pytest.fixture
def stripes():
    preset = presets.register(presets.Preset(
        dataset=STRIPES, arch="digits", coding="-110", z_dim=8, lr=2e-4, steps=2, batch_size=8,
        source=presets.MADE_HERE, reader=stripes_reader, metric="digit_classifier", notes="Stripes: a test's own dataset.",
    ))
    yield preset
    del presets.PRESETS[STRIPES]


@pytest.mark.slow
def test_a_dataset_registered_from_a_test_module_trains_scores_and_exports(stripes, tmp_path):
    from lsgan_tf.config import TrainConfig
    from lsgan_tf.export.run import export_run
    from lsgan_tf.scoring import evaluate_run
    from lsgan_tf.training.loop import train

    run = str(tmp_path / "run")
    result = train(TrainConfig(dataset=STRIPES, sample_every=1, checkpoint_every=2, log_every=1, eval_every=2,
                               eval_samples=40, out_dir=run), log=lambda line: None)
    assert result["step"] == 2 and result["model"].z_dim == 8  # the record's own settings
    scores = evaluate_run(run, num_samples=40)
    assert scores["step"] == 2 and scores["fd_digits"] > 0 and scores["real_classes_covered"] >= 1
    written = export_run(run, str(tmp_path / "export"), formats=["saved_model"])
    assert any(path.endswith(os.path.join("saved_model", "1")) for path in written)


def test_a_registration_is_checked():
    with pytest.raises(ValueError, match="already registered"):
        presets.register(presets.get("digits"))
    with pytest.raises(ValueError, match="source must be one of"):
        presets.register(presets.Preset(dataset="x", arch="digits", coding="-110", z_dim=8, lr=1e-4, steps=1,
                                         source="somewhere"))


def _about_architectures(node):
    """Whether a comparison is of an architecture's name (`arch`), which may equal a dataset's."""
    return any((isinstance(part, ast.Attribute) and part.attr == "arch") or (isinstance(part, ast.Name) and part.id == "arch")
               for part in [node.left, *node.comparators])


def _dataset_name_comparisons(path, names):
    """(line, text) of every comparison with a dataset name, and every dict keyed by one, in a file
    (the architecture registry, whose names may equal datasets', is not about datasets)."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    found = []

    def constants(node):
        if isinstance(node, ast.Constant) and node.value in names:
            return [node.value]
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return [value for element in node.elts for value in constants(element)]
        return []

    for node in ast.walk(tree):
        if (isinstance(node, ast.Compare) and any(constants(part) for part in [node.left, *node.comparators])
                and not _about_architectures(node)):
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Dict) and any(constants(key) for key in node.keys if key is not None):
            found.append((node.lineno, ast.unparse(node)[:80]))
    return found


def test_no_module_outside_the_registry_compares_a_dataset_name():
    names = set(presets.PRESETS)
    package = os.path.join(ROOT, "lsgan_tf")
    found = {}
    for folder, _, files in os.walk(package):
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".py") and path not in (presets.__file__, ARCHITECTURE_REGISTRY):
                hits = _dataset_name_comparisons(path, names)
                if hits:
                    found[os.path.relpath(path, ROOT)] = hits
    assert found == {}


def test_the_name_check_sees_a_ladder(tmp_path):
    ladder = tmp_path / "ladder.py"
    ladder.write_text('def kind(d):\n    if d == "hwdb":\n        return 1\n    return {"digits": 2}.get(d, d in ("mixture",))\n')
    assert [line for line, _ in _dataset_name_comparisons(str(ladder), set(presets.PRESETS))] == [2, 4, 4]
