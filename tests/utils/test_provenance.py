"""Provenance: the lsgan_tf version and the git commit, recorded in config.json."""

import json
import subprocess

from lsgan_tf import __version__
from lsgan_tf.config import TrainConfig
from lsgan_tf.training.loop import train
from lsgan_tf.utils import provenance
from tests.conftest import ROOT


def test_commit_of_this_checkout_and_none_below_the_top_of_another(tmp_path, monkeypatch):
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert provenance.git_commit() == head
    # An installed package inside some checkout (a venv in a repo): not that checkout's commit.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "venv" / "site-packages").mkdir(parents=True)
    monkeypatch.setattr(provenance, "PACKAGE_ROOT", str(tmp_path / "venv" / "site-packages"))
    assert provenance.git_commit() is None


def test_config_json_records_the_version_and_commit(tmp_path):
    train(TrainConfig(steps=1, batch_size=4, z_dim=8, sample_every=1, out_dir=str(tmp_path / "run")),
          log=lambda line: None)
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["versions"]["lsgan_tf"] == provenance.lsgan_tf_version() == __version__
    assert record["git_commit"] == provenance.git_commit() and record["versions"]["tensorflow"]
