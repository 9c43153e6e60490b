"""The digit classifier behind the digit metrics, and evaluate.py end to end."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from lsgan_tf.data.digits_render import render_dataset
from lsgan_tf.evaluation.features import classifier_statistics, train_digit_classifier
from lsgan_tf.training import TrainConfig, train
from tests.conftest import ROOT, subprocess_env


@pytest.fixture(scope="module")
def classifier():
    parts = [render_dataset(variant, per_class=600, seed=123) for variant in ("shift", "shift_rotate")]
    return train_digit_classifier(np.concatenate([p["images"] for p in parts]), np.concatenate([p["labels"] for p in parts]))


def test_digit_classifier_accuracy_and_real_coverage(classifier):
    held_out = render_dataset("shift_rotate", per_class=100, seed=999)
    x = held_out["images"].astype(np.float32)[..., None] / 127.5 - 1
    accuracy = float((classifier.predict(x, verbose=0).argmax(1) == held_out["labels"]).mean())
    assert accuracy >= 0.99, accuracy
    stats = classifier_statistics(classifier, x)
    assert stats["classes_covered"] == 10 and stats["mean_confidence"] > 0.95
    ones = x[held_out["labels"] == 1]
    collapsed = classifier_statistics(classifier, ones)
    assert collapsed["classes_covered"] == 1 and collapsed["coverage"][1] > 0.95


def run_evaluate(*flags):
    return subprocess.run([sys.executable, os.path.join(ROOT, "evaluate.py"), *flags], capture_output=True, text=True,
                          timeout=600, env=subprocess_env())


def test_evaluate_without_inception_weights_names_the_file(tmp_path):
    folder = tmp_path / "images" / "0"
    folder.mkdir(parents=True)
    for i in range(4):
        Image.fromarray(np.random.default_rng(i).integers(0, 256, (32, 32, 3), np.uint8)).save(folder / f"{i}.png")
    run = tmp_path / "run"
    train(TrainConfig(dataset="cifar10", data_dir=str(tmp_path / "images"), steps=1, batch_size=2, z_dim=8,
                      sample_every=1, out_dir=str(run)), log=lambda line: None)
    result = run_evaluate(f"--run_dir={run}", "--num_samples=8")
    assert result.returncode == 2
    assert "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5" in result.stderr and "--inception_weights" in result.stderr


def test_evaluate_mixture_and_digit_runs(tmp_path):
    mixture = tmp_path / "mixture"
    train(TrainConfig(dataset="mixture", steps=2, batch_size=64, out_dir=str(mixture)), log=lambda line: None)
    result = run_evaluate(f"--run_dir={mixture}", "--num_samples=500")
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads((mixture / "evaluation.json").read_text())
    assert record["num_modes"] == 8 and 0 <= record["high_quality_fraction"] <= 1 and "collapsed" in record
    digits = tmp_path / "digits"
    train(TrainConfig(dataset="digits", steps=1, batch_size=8, z_dim=8, out_dir=str(digits)), log=lambda line: None)
    result = run_evaluate(f"--run_dir={digits}", "--num_samples=250", f"--cache_dir={tmp_path / 'cache'}")
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads((digits / "evaluation.json").read_text())
    assert record["real_classes_covered"] == 10  # the classifier sees every class in the real data
    assert 0 <= record["classes_covered"] <= 10 and record["fd_digits"] > 0
    assert (tmp_path / "cache" / "digit_classifier.keras").exists()
