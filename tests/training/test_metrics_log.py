"""Metrics while training (--eval_every): rows in metrics.jsonl and TensorBoard scalars at every
interval, the best checkpoint kept, a resumed run continuing the file without duplicates, and a
scorer that cannot be made turning evaluation off with one warning while training goes on."""

import json

import numpy as np
import pytest
from PIL import Image

from lsgan_tf.config import TrainConfig
from lsgan_tf.runs import RunDir
from lsgan_tf.training.build import restore_model
from lsgan_tf.training.loop import train
from lsgan_tf.training.metrics_log import read_metrics

TINY = dict(dataset="digits", z_dim=8, batch_size=8, sample_every=2, checkpoint_every=2, log_every=2,
            eval_every=2, eval_samples=40)


def scalar_tags(events_folder):
    import tensorflow as tf

    tags = set()
    for path in sorted(events_folder.glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            tags.update(value.tag for value in event.summary.value)
    return tags


@pytest.mark.slow
def test_scores_every_interval_keeps_the_best_and_continues_after_a_resume(tmp_path):
    run = RunDir(str(tmp_path / "run"))
    lines = []
    train(TrainConfig(steps=4, keep_best=True, out_dir=run.path, **TINY), log=lines.append)
    rows = read_metrics(run.metrics_file)
    assert [row["step"] for row in rows] == [2, 4] and all(row["num_samples"] == 40 for row in rows)
    assert {"fd_digits", "classes_covered", "kid", "precision", "recall", "density", "coverage"} <= set(rows[0])
    assert any(line.startswith("step 2: fd_digits ") for line in lines)
    assert {"eval/fd_digits", "eval/precision"} <= scalar_tags(tmp_path / "run" / "events")
    best = json.loads(open(run.best_record).read())
    winner = min(rows, key=lambda row: row["fd_digits"])
    assert (best["step"], best["metric"], best["value"]) == (winner["step"], "fd_digits", winner["fd_digits"])
    model, _, _ = restore_model(run.path, f"{run.best}/{best['checkpoint']}")  # export and evaluate take it
    assert int(model.g_optimizer.iterations.numpy()) == best["step"]
    # A run killed after scoring step 6 but before its checkpoint: the resume scores 6 again, once.
    with open(run.metrics_file, "a") as handle:
        handle.write(json.dumps({"step": 6, "fd_digits": -1.0}) + "\n")
    train(TrainConfig(steps=6, keep_best=True, out_dir=run.path, **TINY), log=lambda line: None)
    rows_after = read_metrics(run.metrics_file)
    assert [row["step"] for row in rows_after] == [2, 4, 6] and rows_after[:2] == rows
    assert rows_after[2]["fd_digits"] > 0  # the stale row was replaced by the real score


@pytest.mark.slow
def test_the_mixture_scores_its_modes(tmp_path):
    run = RunDir(str(tmp_path / "run"))
    train(TrainConfig(dataset="mixture", steps=4, batch_size=64, sample_every=2, checkpoint_every=2, log_every=2,
                      eval_every=2, eval_samples=500, out_dir=run.path), log=lambda line: None)
    rows = read_metrics(run.metrics_file)
    assert [row["step"] for row in rows] == [2, 4] and 0 <= rows[-1]["modes_covered"] <= 8


@pytest.mark.slow
def test_a_scorer_that_cannot_be_made_turns_evaluation_off_with_one_warning(tmp_path):
    images = tmp_path / "images" / "0"
    images.mkdir(parents=True)
    for i in range(8):
        Image.fromarray(np.random.default_rng(i).integers(0, 256, (32, 32, 3), np.uint8)).save(images / f"{i}.png")
    warnings, lines = [], []
    result = train(TrainConfig(dataset="cifar10", data_dir=str(tmp_path / "images"), steps=4, batch_size=2, z_dim=8,
                               sample_every=2, checkpoint_every=2, log_every=2, eval_every=2, eval_samples=10,
                               inception_weights=str(tmp_path / "none.pb"), out_dir=str(tmp_path / "run")),
                   log=lines.append, warn=warnings.append)
    assert result["step"] == 4  # trained on
    assert len(warnings) == 1 and "metrics while training are off" in warnings[0] and "none.pb" in warnings[0]
    assert read_metrics(RunDir(str(tmp_path / "run")).metrics_file) == []


def test_eval_every_is_checked_and_steps_per_execution_divides_it():
    from lsgan_tf.errors import ConfigError

    with pytest.raises(ConfigError, match="--eval_every must be >= 0"):
        TrainConfig(eval_every=-1).resolve()
    with pytest.raises(ConfigError, match="must divide --eval_every=25"):
        TrainConfig(dataset="mixture", steps_per_execution=10, log_every=100, sample_every=100, checkpoint_every=100,
                    eval_every=25).resolve()
    assert TrainConfig(dataset="mixture", log_every=100, sample_every=100, checkpoint_every=100,
                       eval_every=250).resolve().steps_per_execution == 50
