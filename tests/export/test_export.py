"""export.py and sample.py: the SavedModel in a fresh TensorFlow process that never imports
lsgan_tf, the TFLite files in the LiteRT interpreter, and the Keras model agree."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf.config import TrainConfig
from lsgan_tf.data import classes
from lsgan_tf.training.build import restore_model
from lsgan_tf.training.loop import train
from tests.conftest import ROOT, run_script, shared_across_workers, subprocess_env
from tests.fixtures import LEVEL1, character_bitmap, psnr, write_gnt

RUN = dict(steps=2, batch_size=4, sample_every=1000, checkpoint_every=2, log_every=1000, seed=0)


def train_and_export(root):
    """Two trained runs (digits; conditional hwdb from .gnt files), each exported by export.py."""
    write_gnt(str(root / "gnt" / "1.gnt"), [(code, character_bitmap(i, 28, 28)) for i, code in enumerate(LEVEL1.values())])
    runs = {
        "digits": TrainConfig(dataset="digits", z_dim=16, out_dir=str(root / "digits_run"), **RUN),
        "hwdb": TrainConfig(dataset="hwdb", data_dir=str(root / "gnt"), z_dim=8, out_dir=str(root / "hwdb_run"), **RUN),
    }
    for name, config in runs.items():
        train(config, log=lambda line: None)
        result = run_script("export.py", f"--run_dir={config.out_dir}", f"--out={root / name}")
        assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="session")
def exports(tmp_path_factory):
    """{name: (run directory, export folder)}, made once for all workers."""
    root = shared_across_workers(tmp_path_factory, "exports", train_and_export)
    return {name: (str(root / f"{name}_run"), root / name) for name in ("digits", "hwdb")}


def keras_images(run_dir, z, labels=None):
    model, _, _ = restore_model(run_dir)
    inputs = z if labels is None else [z, labels]
    return model.sampling_generator(inputs, training=False).numpy()


SAVED_MODEL_RUNNER = """
import sys, json, numpy as np, tensorflow as tf
assert sys.modules.get("lsgan_tf") is None
path, z_path, out_path = sys.argv[1:4]
labels = np.load(sys.argv[4]) if len(sys.argv) > 4 else None
serving = tf.saved_model.load(path).signatures["serving_default"]
feed = {"z": tf.constant(np.load(z_path))}
if labels is not None:
    feed["labels"] = tf.constant(labels)
np.save(out_path, serving(**feed)["images"].numpy())
assert all(sys.modules[name] is None for name in sys.modules if name.startswith("lsgan_tf"))
"""

TFLITE_RUNNER = """
import sys, numpy as np
from ai_edge_litert.interpreter import Interpreter
path, z_path, out_path = sys.argv[1:4]
labels = np.load(sys.argv[4]) if len(sys.argv) > 4 else None
runner = Interpreter(model_path=path).get_signature_runner("serving_default")
z = np.load(z_path)
images = []
for i in range(len(z)):
    feed = {"z": z[i:i + 1]}
    if labels is not None:
        feed["labels"] = labels[i:i + 1]
    images.append(np.array(runner(**feed)["images"]))  # copy: outputs alias interpreter memory
np.save(out_path, np.concatenate(images))
assert "tensorflow" not in sys.modules
"""


NO_LSGAN_TF = "import sys\nsys.modules['lsgan_tf'] = None  # any import of lsgan_tf fails in this process\n"


def run_external(code, *args, tmp_path, env=None):
    """Runs `code` in a fresh interpreter where lsgan_tf cannot be imported (it is installed
    in the virtualenv, so the process is run from elsewhere and the import is blocked)."""
    environment = dict(env or os.environ)
    environment.pop("PYTHONPATH", None)
    result = subprocess.run([sys.executable, "-c", NO_LSGAN_TF + code, *map(str, args)], capture_output=True, text=True,
                            timeout=300, env=environment, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["digits", "hwdb"])
def test_keras_saved_model_and_tflite_agree(exports, name, tmp_path):
    run_dir, out = exports[name]
    rng = np.random.default_rng(0)
    z_dim = 16 if name == "digits" else 8
    z = rng.standard_normal((6, z_dim)).astype(np.float32)
    labels = np.array([0, 1, 2, 3, 0, 3], np.int32) if name == "hwdb" else None
    np.save(tmp_path / "z.npy", z)
    extra = []
    if labels is not None:
        np.save(tmp_path / "labels.npy", labels)
        extra = [tmp_path / "labels.npy"]
    reference = keras_images(run_dir, z, labels)
    run_external(SAVED_MODEL_RUNNER, out / "saved_model" / "1", tmp_path / "z.npy", tmp_path / "sm.npy", *extra, tmp_path=tmp_path)
    saved = np.load(tmp_path / "sm.npy")
    assert np.abs(saved - reference).max() <= 1e-5
    measured = {}
    for variant, file_name in (("float32", "generator.tflite"), ("float16", "generator_float16.tflite"),
                               ("dynamic", "generator_dynamic.tflite")):
        run_external(TFLITE_RUNNER, out / "tflite" / file_name, tmp_path / "z.npy", tmp_path / f"{variant}.npy", *extra,
                     tmp_path=tmp_path)
        images = np.load(tmp_path / f"{variant}.npy")
        assert images.shape == reference.shape
        measured[variant] = psnr(reference, images, 2.0 if name == "digits" else 1.0)
        if variant == "float32":
            assert np.abs(images - reference).max() <= 1e-5
    print(f"{name} PSNR vs Keras: {measured}")
    assert measured["float16"] >= 40 and measured["dynamic"] >= 30


@pytest.mark.slow
def test_saved_model_cli_lists_both_signatures(exports):
    _, out = exports["hwdb"]
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    result = subprocess.run([cli, "show", "--all", "--dir", str(out / "saved_model" / "1")], capture_output=True,
                            text=True, timeout=120, env=subprocess_env())
    assert result.returncode == 0, result.stderr[-2000:]
    text = result.stdout
    for expected in ("signature_def['serving_default']", "signature_def['sample']", "inputs['z'] tensor_info",
                     "inputs['labels'] tensor_info", "inputs['seed'] tensor_info", "inputs['num'] tensor_info",
                     "outputs['images'] tensor_info", "outputs['images_uint8'] tensor_info", "DT_UINT8", "DT_INT64"):
        assert expected in text, expected
    assert "shape: (-1, 8)" in text


@pytest.mark.slow
def test_sample_signature_is_deterministic_per_seed(exports):
    _, out = exports["digits"]
    sample = tf.saved_model.load(str(out / "saved_model" / "1")).signatures["sample"]
    first = sample(seed=tf.constant(5, tf.int64), num=tf.constant(3))["images"].numpy()
    again = sample(seed=tf.constant(5, tf.int64), num=tf.constant(3))["images"].numpy()
    other = sample(seed=tf.constant(6, tf.int64), num=tf.constant(3))["images"].numpy()
    assert first.shape == (3, 28, 28, 1)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["digits", "hwdb"])
def test_readme_example_requests_fit_the_signatures(exports, name):
    _, out = exports[name]
    readme = (out / "README.txt").read_text()
    requests = json.loads((out / "example_requests.json").read_text())
    assert json.dumps(requests["serving_default"]) in readme and json.dumps(requests["sample"]) in readme
    loaded = tf.saved_model.load(str(out / "saved_model" / "1"))
    # TF Serving's row format: every instance is one example; stack the columns.
    instances = requests["serving_default"]["instances"]
    columns = {key: tf.constant([row[key] for row in instances]) for key in instances[0]}
    columns["z"] = tf.cast(columns["z"], tf.float32)
    if "labels" in columns:
        columns["labels"] = tf.cast(columns["labels"], tf.int32)
    assert loaded.signatures["serving_default"](**columns)["images_uint8"].shape[0] == len(instances)
    inputs = requests["sample"]["inputs"]
    feed = {"seed": tf.constant(inputs["seed"], tf.int64), "num": tf.constant(inputs["num"], tf.int32)}
    if "labels" in inputs:
        feed["labels"] = tf.constant(inputs["labels"], tf.int32)
    assert loaded.signatures["sample"](**feed)["images"].shape[0] == inputs["num"]


BLOCK_TENSORFLOW = """
import runpy, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ImportError("tensorflow is blocked in this test (as on a phone)")
sys.meta_path.insert(0, Block())
sys.argv = ["sample.py"] + sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.mark.slow
def test_sample_py_runs_tflite_without_tensorflow(exports, tmp_path):
    for name, extra in (("digits", []), ("hwdb", ["--labels=中,0,国"])):
        _, out = exports[name]
        grid = tmp_path / f"{name}.png"
        result = subprocess.run([sys.executable, "-c", BLOCK_TENSORFLOW, f"--model={out / 'tflite' / 'generator.tflite'}",
                                 "--num=6", f"--out={grid}", f"--npy={tmp_path / name}.npy", *extra],
                                capture_output=True, text=True, timeout=300, env=subprocess_env(), cwd=ROOT)
        assert result.returncode == 0, result.stderr[-3000:]
        assert grid.exists() and np.load(tmp_path / f"{name}.npy").shape[0] == 6


@pytest.mark.slow
def test_sample_py_streams_to_a_folder_and_bounds_num(exports, tmp_path):
    _, out = exports["digits"]
    model = f"--model={out / 'tflite' / 'generator.tflite'}"
    grid = run_script("sample.py", model, "--num=7", f"--out={tmp_path / 'g.png'}", f"--npy={tmp_path / 'g.npy'}")
    folder = run_script("sample.py", model, "--num=7", f"--folder={tmp_path / 'samples'}")
    assert grid.returncode == 0 and folder.returncode == 0, folder.stderr[-2000:]
    written = sorted(path.name for path in (tmp_path / "samples").iterdir())
    assert written == [f"{i}.png" for i in range(7)] and "wrote 7 images" in folder.stdout
    from PIL import Image

    expected = np.load(tmp_path / "g.npy")
    for i in range(7):  # the same images, in order, as the grid's
        np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "samples" / f"{i}.png")), expected[i, ..., 0])
    too_many = run_script("sample.py", model, "--num=5000", f"--out={tmp_path / 'big.png'}")
    assert too_many.returncode == 2 and "--num must be in [1, 4,096] (more with --folder), got 5000" in too_many.stderr
    assert not (tmp_path / "big.png").exists()


@pytest.mark.slow
def test_sample_py_saved_model_and_label_errors(exports, tmp_path):
    _, out = exports["hwdb"]
    ok = run_script("sample.py", f"--model={out / 'saved_model' / '1'}", "--num=4", "--labels=座", f"--out={tmp_path / 'g.png'}")
    assert ok.returncode == 0, ok.stderr[-2000:]
    bad = run_script("sample.py", f"--model={out / 'tflite' / 'generator.tflite'}", "--labels=3755", f"--out={tmp_path / 'b.png'}")
    assert bad.returncode == 2 and "outside [0, 3755)" in bad.stderr
    # The run's data held 4 of the 3,755 classes: the export says which, sample.py draws only those.
    tflite = f"--model={out / 'tflite' / 'generator.tflite'}"
    trained = [classes.LEVEL1_CODES.index(code) for code in LEVEL1.values()]
    metadata = json.loads((out / "tflite" / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["trained_classes"] == sorted(trained)
    untrained = run_script("sample.py", tflite, "--labels=中,阿,1", f"--out={tmp_path / 'u.png'}")
    assert untrained.returncode == 2 and "--labels: 阿, 1 had no training data: this generator learned 4 of its 3,755 " \
        "classes (metadata.json: trained_classes), e.g. --labels=啊,国,中,座." in untrained.stderr
    drawn = {}
    for name, flags in (("default", []), ("asked", ["--labels=啊,国,中,座"])):
        result = run_script("sample.py", tflite, "--num=8", f"--out={tmp_path / name}.png", f"--npy={tmp_path / name}.npy",
                            *flags)
        assert result.returncode == 0, result.stderr[-2000:]
        drawn[name] = np.load(tmp_path / f"{name}.npy")
    np.testing.assert_array_equal(drawn["default"], drawn["asked"])  # without --labels: the trained classes in turn
    assert "Only 4 of them had training data" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")


BLOCK_LITERT = BLOCK_TENSORFLOW.replace('name == "tensorflow" or name.startswith("tensorflow.")',
                                        'name == "ai_edge_litert" or name.startswith("ai_edge_litert.")')


@pytest.mark.slow
def test_sample_py_without_litert_says_which_extra_to_install(tmp_path):
    result = subprocess.run([sys.executable, "-c", BLOCK_LITERT, f"--model={tmp_path / 'generator.tflite'}",
                             f"--out={tmp_path / 'g.png'}"], capture_output=True, text=True, timeout=300,
                            env=subprocess_env(), cwd=ROOT)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and 'pip install "lsgan-tf[litert]"' in errors[0]


@pytest.mark.slow
def test_sample_py_names_a_missing_model_file(tmp_path):
    missing = tmp_path / "missing.tflite"
    result = run_script("sample.py", f"--model={missing}", f"--out={tmp_path / 'g.png'}")
    assert result.returncode == 2 and f"--model={missing}: no such file" in result.stderr
    assert "metadata.json" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_bad_inputs_give_clear_errors(exports, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_script("export.py", f"--run_dir={empty}", f"--out={tmp_path / 'x'}")
    assert result.returncode == 2 and "no config.json" in result.stderr
    _, out = exports["hwdb"]
    serving = tf.saved_model.load(str(out / "saved_model" / "1")).signatures["serving_default"]
    # The signature's z spec is [None, 8]: a width-9 z is rejected (binding or matmul shape check).
    with pytest.raises((ValueError, TypeError, tf.errors.InvalidArgumentError), match="z|incompatible|shape"):
        serving(z=tf.zeros((1, 9)), labels=tf.constant([0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="labels must be < num_classes = 3755"):
        serving(z=tf.zeros((1, 8)), labels=tf.constant([3755]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="labels must be >= 0"):
        serving(z=tf.zeros((1, 8)), labels=tf.constant([-1]))


@pytest.mark.slow
def test_serving_rejects_unbounded_and_non_finite_requests(exports):
    """sample's num must be in [1, max_sample] (checked before z is drawn: 50 million images
    would need gigabytes), serving_default refuses NaN z; the bound is in metadata and README."""
    _, out = exports["digits"]
    loaded = tf.saved_model.load(str(out / "saved_model" / "1"))
    sample = loaded.signatures["sample"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="num must be <= max_sample = 1024"):
        sample(seed=tf.constant(0, tf.int64), num=tf.constant(50_000_000))
    with pytest.raises(tf.errors.InvalidArgumentError, match="num must be >= 1"):
        sample(seed=tf.constant(0, tf.int64), num=tf.constant(0))
    assert sample(seed=tf.constant(0, tf.int64), num=tf.constant(1024))["images"].shape[0] == 1024
    z = np.zeros((2, 16), np.float32)
    z[1, 3] = np.nan
    with pytest.raises(tf.errors.InvalidArgumentError, match="z must be finite"):
        loaded.signatures["serving_default"](z=tf.constant(z))
    metadata = json.loads((out / "saved_model" / "1" / "assets.extra" / "metadata.json").read_text())
    assert metadata["max_sample"] == 1024 and "num (int32 scalar, 1..1024)" in (out / "README.txt").read_text()


@pytest.mark.slow
def test_one_seed_gives_the_same_images_from_the_checkpoint_the_saved_model_and_the_tflite_files(exports, tmp_path):
    """sample.py --seed=S feeds the same z (numpy's default_rng(S)) to every format: the images
    agree up to each format's rounding (float32: one level of 255 at a rounding boundary; float16
    weights: a few). Before, the SavedModel drew z in-graph and gave other images (134 levels off)."""
    for name, extra in (("digits", []), ("hwdb", ["--labels=啊,国"])):
        run_dir, out = exports[name]
        drawn = {}
        for source, flag in (("checkpoint", f"--run_dir={run_dir}"),
                             ("saved_model", f"--model={out / 'saved_model' / '1'}"),
                             ("tflite", f"--model={out / 'tflite' / 'generator.tflite'}"),
                             ("tflite_float16", f"--model={out / 'tflite' / 'generator_float16.tflite'}")):
            result = run_script("sample.py", flag, "--num=7", "--seed=11", f"--out={tmp_path / source}.png",
                                f"--npy={tmp_path / name}_{source}.npy", *extra)
            assert result.returncode == 0, (name, source, result.stderr[-2000:])
            drawn[source] = np.load(tmp_path / f"{name}_{source}.npy").astype(np.int32)
        assert drawn["checkpoint"].shape == (7, 28, 28, 1)
        # These 2-step generators draw images near mid-grey: another seed moves a pixel by 0.4
        # levels on average (measured), the formats of one seed by less than 0.001.
        for source, (largest, mean) in (("saved_model", (1, 0.01)), ("tflite", (1, 0.01)), ("tflite_float16", (4, 0.05))):
            difference = np.abs(drawn[source] - drawn["checkpoint"])
            assert difference.max() <= largest and difference.mean() <= mean, (name, source, difference.mean())
        other = run_script("sample.py", f"--run_dir={run_dir}", "--num=7", "--seed=12", f"--out={tmp_path / 'o'}.png",
                           f"--npy={tmp_path / 'other'}.npy", *extra)
        assert other.returncode == 0, other.stderr[-2000:]
        assert np.abs(np.load(tmp_path / "other.npy") - drawn["checkpoint"]).mean() >= 0.2, name


def test_seeded_z_is_one_draw_whatever_the_block_size():
    from lsgan_tf.noise import seeded_z, seeded_z_blocks

    for noise in ("normal", "uniform"):
        whole = seeded_z(5, 1001, 16, noise)
        assert whole.dtype == np.float32 and whole.shape == (1001, 16)
        for batch in (1, 7, 500, 2000):
            np.testing.assert_array_equal(np.concatenate(list(seeded_z_blocks(5, 1001, 16, noise, batch))), whole)
    assert not np.array_equal(seeded_z(5, 4, 16), seeded_z(6, 4, 16))
