"""A conditional run of lsgan-tf 0.1.0 (D with the label on its input image) meets today's
default D (mcgan.py's, the image alone): the error names the option that restores it."""

import json

import pytest

from lsgan_tf.config import TrainConfig
from lsgan_tf.errors import CheckpointError, RunError
from lsgan_tf.runs import RunDir
from lsgan_tf.training.build import restore_model
from lsgan_tf.training.loop import train
from tests.fixtures import LEVEL1, character_bitmap, write_gnt

OLD_LAYOUT = "label_on_input=true"


def set_arch_options(run_dir: str, options) -> None:
    """Rewrites the run's recorded --arch_option values (what a 0.1.0 run recorded: no label_on_input)."""
    path = RunDir(run_dir).config_file
    with open(path) as handle:
        record = json.load(handle)
    record["arch_option"] = list(options)
    with open(path, "w") as handle:
        json.dump(record, handle)


@pytest.fixture(scope="module")
def old_layout_run(tmp_path_factory):
    """A trained conditional run whose D takes the label on the input image, recorded as 0.1.0 recorded it."""
    root = tmp_path_factory.mktemp("old_conditional")
    write_gnt(str(root / "gnt" / "1.gnt"), [(code, character_bitmap(i, 28, 28)) for i, code in enumerate(LEVEL1.values())])
    config = TrainConfig(dataset="hwdb", data_dir=str(root / "gnt"), z_dim=8, out_dir=str(root / "run"), steps=2,
                         batch_size=4, sample_every=1000, checkpoint_every=2, log_every=1000, seed=0,
                         arch_option=("label_dim=8", OLD_LAYOUT))
    train(config, log=lambda line: None)
    set_arch_options(config.out_dir, ["label_dim=8"])
    return config


def test_restoring_names_the_option_and_the_file_to_put_it_in(old_layout_run):
    run_dir = old_layout_run.out_dir
    with pytest.raises(RunError) as error:
        restore_model(run_dir)
    assert OLD_LAYOUT in str(error.value) and RunDir(run_dir).config_file in str(error.value)


def test_resuming_names_the_option(old_layout_run):
    resumed = TrainConfig(**{**vars(old_layout_run), "arch_option": ("label_dim=8",), "steps": 4})
    with pytest.raises(CheckpointError, match=OLD_LAYOUT):
        train(resumed, log=lambda line: None)


def test_the_named_option_restores_the_run(old_layout_run):
    run_dir = old_layout_run.out_dir
    set_arch_options(run_dir, ["label_dim=8", OLD_LAYOUT])
    try:
        model, config, _ = restore_model(run_dir)
        assert model.discriminator.get_layer("d_conv1").kernel.shape[2] == 1 + 8
    finally:
        set_arch_options(run_dir, ["label_dim=8"])
