"""The shipped digit classifier behind the digit metrics, and evaluate.py end to end."""

import functools
import hashlib
import json
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image

from lsgan_tf.config import TrainConfig
from lsgan_tf.data.digits_render import render_dataset
from lsgan_tf.errors import FeatureError
from lsgan_tf.evaluation import classifiers
from lsgan_tf.evaluation.features import classifier_statistics
from lsgan_tf.training.loop import train
from lsgan_tf.utils.hashing import file_sha256
from tests.conftest import assert_quiet, run_script, subprocess_env, user_env
from tests.fixtures import standin_inception_graph, tgz_of
from tests.loopback import loopback_server


@pytest.fixture(scope="module")
def classifier():
    return classifiers.load_classifier(classifiers.DIGITS)


def test_the_shipped_digit_classifier_reads_rendered_digits_and_its_coverage(classifier):
    held_out = render_dataset("shift_rotate", per_class=100, seed=999)
    x = held_out["images"].astype(np.float32)[..., None] / 127.5 - 1
    accuracy = float((classifier.predict(x, verbose=0).argmax(1) == held_out["labels"]).mean())
    assert accuracy >= 0.99, accuracy
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # lsgan-evaluate prints no Keras input-structure warning
        stats = classifier_statistics(classifier, x)
    assert stats["classes_covered"] == 10 and stats["mean_confidence"] > 0.95
    ones = x[held_out["labels"] == 1]
    collapsed = classifier_statistics(classifier, ones)
    assert collapsed["classes_covered"] == 1 and collapsed["class_shares"][1] > 0.95


def test_the_shipped_digit_classifiers_recorded_accuracy_on_the_authors_sets(classifier, official_digits_tarball):
    """The test accuracy fixed in classifiers.DIGITS is what the shipped file scores on the authors'
    published digits (another CPU's rounding may flip a rare argmax: 0.002 allowed)."""
    from lsgan_tf.data.digits_render import AUTHORS_FOLDERS
    from lsgan_tf.data.tfds_builders import authors_digits

    for variant in AUTHORS_FOLDERS:
        read = list(authors_digits(official_digits_tarball, variant))
        x = np.stack([image for _, image, _ in read]).astype(np.float32)[..., None] / 127.5 - 1.0
        labels = np.asarray([digit for _, _, digit in read])
        accuracy = float(np.mean(classifier.predict(x, batch_size=500, verbose=0).argmax(axis=1) == labels))
        assert len(labels) == 10_000
        assert accuracy == pytest.approx(classifiers.DIGITS.test_accuracy[f"authors_{variant}"], abs=0.002), variant


def test_a_modified_classifier_file_is_refused_by_its_hash(tmp_path, monkeypatch):
    for shipped in (classifiers.DIGITS, classifiers.CHARACTERS):
        assert file_sha256(shipped.path) == shipped.sha256, shipped.name  # the installed files
    damaged = tmp_path / "digit_classifier.npz"
    data = bytearray(open(classifiers.DIGITS.path, "rb").read())
    data[len(data) // 2] ^= 1
    damaged.write_bytes(bytes(data))
    monkeypatch.setattr(classifiers, "WEIGHTS_FOLDER", str(tmp_path))
    with pytest.raises(FeatureError, match="not the shipped 6f6a54b4e3a57b6b.*reinstall lsgan-tf"):
        classifiers.load_classifier(classifiers.DIGITS)
    damaged.unlink()
    with pytest.raises(FeatureError, match="is missing from the installed lsgan_tf"):
        classifiers.load_classifier(classifiers.DIGITS)


def test_the_classifier_files_are_reproducible_bytes(tmp_path):
    """write_weights depends on the weights alone (no zip timestamps), so retraining to the same
    weights gives the same SHA-256; read_weights returns them (as float32 of the float16 file)."""
    model = classifiers.read_weights(classifiers.digit_classifier(), classifiers.DIGITS.path)
    again = classifiers.write_weights(model, str(tmp_path / "again.npz"))
    assert file_sha256(again) == classifiers.DIGITS.sha256


run_evaluate = functools.partial(run_script, "evaluate.py", timeout=600)


def image_run(tmp_path, count: int):
    """A one-step cifar10-preset run on `count` random 32x32 images in tmp_path/images."""
    folder = tmp_path / "images" / "0"
    folder.mkdir(parents=True)
    for i in range(count):
        Image.fromarray(np.random.default_rng(i).integers(0, 256, (32, 32, 3), np.uint8)).save(folder / f"{i}.png")
    run = tmp_path / "run"
    train(TrainConfig(dataset="cifar10", data_dir=str(tmp_path / "images"), steps=1, batch_size=2, z_dim=8,
                      sample_every=1, out_dir=str(run)), log=lambda line: None)
    return run


@pytest.mark.slow
def test_evaluate_fetches_the_inception_graph_and_records_its_hash(tmp_path, monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    run = image_run(tmp_path, 8)
    graph = standin_inception_graph()
    with loopback_server() as host:
        host.files["/inception-2015-12-05.tgz"] = tgz_of({"classify_image_graph_def.pb": graph})
        url = host.url + "/inception-2015-12-05.tgz"
        result = run_evaluate(f"--run_dir={run}", "--num_samples=8", f"--inception_url={url}",
                              f"--cache_dir={tmp_path / 'cache'}", env=user_env())
        assert_quiet(result, "evaluate.py")  # the download and the Inception pass
        assert host.requests == ["/inception-2015-12-05.tgz"]
    scores = json.loads((run / "evaluation.json").read_text())
    assert scores["extractor"]["sha256"] == hashlib.sha256(graph).hexdigest() and scores["extractor"]["source"] == url
    assert scores["fid"] > 0 and "inception_score" in scores
    offline = run_evaluate(f"--run_dir={run}", "--num_samples=8", f"--inception_url={url}",
                           f"--cache_dir={tmp_path / 'empty_cache'}")  # the host is gone
    assert offline.returncode == 2 and "Traceback" not in offline.stderr
    error = [line for line in offline.stderr.splitlines() if "error:" in line]
    assert len(error) == 1 and url in error[0] and "--inception_weights=PATH/classify_image_graph_def.pb" in error[0]


STAND_IN_INCEPTION = """
import sys, tensorflow as tf
class StandIn(tf.Module):
    # The TF-GAN Inception module's interface: [-1, 1] 299x299x3 -> {"pool_3": [N,1,1,D], "logits": [N,K]}.
    def __init__(self):
        self.kernel = tf.Variable(tf.random.stateless_normal((4, 4, 3, 16), seed=(1, 2)) * 0.2)
        self.head = tf.Variable(tf.random.stateless_normal((16, 10), seed=(3, 4)))
    @tf.function(input_signature=[tf.TensorSpec([None, 299, 299, 3], tf.float32)])
    def __call__(self, images):
        features = tf.nn.relu(tf.nn.conv2d(images, self.kernel, 4, "VALID"))
        pool = tf.reduce_mean(features, axis=[1, 2], keepdims=True)
        return {"pool_3": pool, "logits": tf.reshape(pool, (-1, 16)) @ self.head}
tf.saved_model.save(StandIn(), sys.argv[1])
"""


@pytest.mark.slow
@pytest.mark.full
def test_inception_savedmodel_gives_fid_is_and_a_recorded_extractor_and_reuses_reference_stats(tmp_path):
    module = tmp_path / "inception"
    made = subprocess.run([sys.executable, "-c", STAND_IN_INCEPTION, str(module)], capture_output=True, text=True,
                          timeout=300, env=subprocess_env())
    assert made.returncode == 0, made.stderr[-2000:]
    run = image_run(tmp_path, 24)
    stats = tmp_path / "stats" / "real.npz"
    flags = (f"--run_dir={run}", "--num_samples=20", f"--inception_weights={module}", f"--reference_stats={stats}")
    result = run_evaluate(*flags)
    assert result.returncode == 0, result.stderr[-2000:]
    first = json.loads((run / "evaluation.json").read_text())
    assert first["num_samples"] == 20 and first["fid"] > 0 and first["reference"]["source"] == "data"
    assert 1.0 <= first["inception_score"] <= 10.0 and "kid" in first  # 10 stand-in classes
    digest = hashlib.sha256()
    for name in sorted(str(p.relative_to(module)) for p in module.rglob("*") if p.is_file()):
        digest.update(name.encode())
        digest.update((module / name).read_bytes())
    assert first["extractor"]["sha256"] == digest.hexdigest()
    assert first["extractor"]["name"] == "tfgan_inception_savedmodel" and first["extractor"]["comparable_with_published_fid"]
    with np.load(stats) as stored:
        assert stored["mu"].shape == (16,) and stored["sigma"].shape == (16, 16)
    # With the statistics saved, the real data is not needed again: the same FID without it.
    shutil.rmtree(tmp_path / "images")
    result = run_evaluate(*flags)
    assert result.returncode == 0, result.stderr[-2000:]
    second = json.loads((run / "evaluation.json").read_text())
    assert second["fid"] == pytest.approx(first["fid"], rel=1e-9) and second["reference"]["source"] == str(stats)
    assert second["reference"]["num_samples"] == "20" and "kid" not in second
    # Statistics of another extractor are refused, naming the file, not silently mixed in.
    from lsgan_tf.evaluation import metrics

    mean, cov = metrics.load_statistics(str(stats))[:2]
    metrics.save_statistics(str(stats), mean, cov, num_samples=20, extractor_sha256="0" * 64, data_dir="elsewhere")
    refused = run_evaluate(*flags)
    assert refused.returncode == 2 and "another extractor" in refused.stderr and str(stats) in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.slow
def test_evaluate_mixture_and_digit_runs_with_the_shipped_classifier_and_the_seed_recorded(tmp_path):
    """Scores a mixture run and a digits run in a child process with an empty cache: the digits
    record names the shipped classifier by its hash and nothing is trained or cached for the
    metric; another --seed draws another sample set. (Two processes with two empty caches giving
    one FD-digits: tests/cli/test_pretrained.py, on the shipped generator.)"""
    mixture = tmp_path / "mixture"
    train(TrainConfig(dataset="mixture", steps=2, batch_size=64, out_dir=str(mixture)), log=lambda line: None)
    result = run_evaluate(f"--run_dir={mixture}", "--num_samples=500", env=user_env())
    assert_quiet(result, "evaluate.py")
    record = json.loads((mixture / "evaluation.json").read_text())
    assert record["num_modes"] == 8 and 0 <= record["high_quality_fraction"] <= 1 and "collapsed" in record
    digits = tmp_path / "digits"
    train(TrainConfig(dataset="digits", steps=1, batch_size=8, z_dim=8, out_dir=str(digits)), log=lambda line: None)
    result = run_evaluate(f"--run_dir={digits}", "--num_samples=250", f"--out={tmp_path / 'first.json'}",
                          env={**user_env(), "XDG_CACHE_HOME": str(tmp_path / "first_machine")})
    assert_quiet(result, "evaluate.py")
    first = json.loads((tmp_path / "first.json").read_text())
    assert first["real_classes_covered"] == 10  # the classifier sees every class in the real data
    assert 0 <= first["classes_covered"] <= 10 and first["fd_digits"] > 0
    assert first["extractor"] == classifiers.DIGITS.description()
    assert first["extractor"]["sha256"] == hashlib.sha256(open(classifiers.DIGITS.path, "rb").read()).hexdigest()
    assert first["num_samples"] == 250 and first["seed"] == 0 and first["evaluated_utc"].endswith("Z")
    for name in ("kid", "kid_std", "inception_score", "precision", "recall", "density", "coverage"):
        assert isinstance(first[name], float), name  # on the digit classifier's features and logits
    assert first["conventions"]["kid"].startswith("100 subsets") and first["conventions"]["precision_recall"].startswith("k = 3 nearest")
    assert not list((tmp_path / "first_machine").rglob("*classifier*"))  # nothing trained or cached for the metric
    reseeded = run_evaluate(f"--run_dir={digits}", "--num_samples=250", "--seed=3", f"--out={tmp_path / 'seed3.json'}")
    assert reseeded.returncode == 0, reseeded.stderr[-2000:]
    third = json.loads((tmp_path / "seed3.json").read_text())
    assert third["seed"] == 3 and third["fd_digits"] != first["fd_digits"]


@pytest.mark.slow
def test_checkpoint_evaluator_scores_later_checkpoints_without_recomputing_the_real_side(tmp_path, monkeypatch):
    from lsgan_tf import scoring as evaluate_run
    from lsgan_tf.evaluation import scorers
    from lsgan_tf.runs import RunDir
    from lsgan_tf.training.build import restore_model
    from lsgan_tf.training.checkpoints import checkpoint_step, listed_checkpoints
    from lsgan_tf.utils.images import to_uint8

    cache = tmp_path / "cache"
    calls = []
    for module, name in ((scorers, "real_images"), (classifiers, "load_classifier")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *args, _f=original, _n=name: calls.append(_n) or _f(*args))
    run = str(tmp_path / "run")

    def train_to(steps):
        train(TrainConfig(dataset="digits", steps=steps, batch_size=8, z_dim=8, checkpoint_every=1, out_dir=run),
              log=lambda line: None)

    train_to(1)
    evaluator = evaluate_run.CheckpointEvaluator(run, num_samples=40, cache_dir=str(cache))
    first = evaluator(listed_checkpoints(RunDir(run).checkpoints)[-1])
    train_to(2)  # written after the evaluator's first call, as a study's next segment is
    newest = listed_checkpoints(RunDir(run).checkpoints)[-1]
    second = evaluator(newest)
    assert (first["step"], second["step"], checkpoint_step(newest)) == (1, 2, 2)
    assert sorted(calls) == ["load_classifier", "real_images"]  # once for both checkpoints
    fresh = evaluate_run.evaluate_run(run, newest, num_samples=40, cache_dir=str(cache))
    assert fresh["fd_digits"] == second["fd_digits"] != first["fd_digits"]
    assert fresh["class_shares"] == second["class_shares"]
    # An export's uint8 samples of the same z are scored as the run's own: equal up to 8-bit rounding.
    model, _, _ = restore_model(run, newest)
    fake = scorers.generate(model, 40, 0, None)
    scored = []
    original = scorers.DigitScorer.__call__
    monkeypatch.setattr(scorers.DigitScorer, "__call__",
                        lambda self, images: scored.append(images) or original(self, images))
    exported = evaluate_run.CheckpointEvaluator(run, num_samples=40, cache_dir=str(cache)).score_exported(
        to_uint8(fake, (-1.0, 1.0)))
    np.testing.assert_allclose(scored[-1], fake, atol=1.0 / 255 + 1e-6)  # back in the run's pixel range
    assert exported["num_samples"] == 40 and exported["fd_digits"] == pytest.approx(fresh["fd_digits"], rel=0.005)
