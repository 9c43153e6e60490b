"""Re-running into a run directory: model settings must match the stored config.json (a diff
otherwise); other settings may change and are kept in its history; settings the user did not type take the
run's values; the default run directory is per dataset and loss."""

import dataclasses
import json

import pytest

from lsgan_tf.config import TrainConfig
from lsgan_tf.errors import ConfigError
from lsgan_tf.training.loop import train
from tests.conftest import run_script


def run(out_dir, **settings):
    config = TrainConfig(**{"dataset": "mixture", "steps": 2, "batch_size": 16, "out_dir": str(out_dir),
                            "log_every": 2, "sample_every": 2, "checkpoint_every": 2, **settings})
    lines = []
    return train(config, log=lines.append), lines


def test_a_different_loss_or_coding_is_refused_with_a_diff(tmp_path):
    run(tmp_path)
    before = (tmp_path / "config.json").read_text()
    with pytest.raises(ConfigError, match=r"the run has --loss=lsgan, the command gives --loss=nsgan"):
        run(tmp_path, loss="nsgan", steps=4)
    with pytest.raises(ConfigError, match=r"the run has --coding=011, the command gives --coding=-110; "
                                          r"the run has --z_dim=256, the command gives --z_dim=8"):
        run(tmp_path, coding="-110", z_dim=8, steps=4)
    with pytest.raises(ConfigError, match=r"the run has --ema=false, the command gives --ema=true.*Nothing was changed"):
        run(tmp_path, ema=True, steps=4)  # an EMA the checkpoints do not hold
    with pytest.raises(ConfigError, match=r"the run has --optimizer=adam, the command gives --optimizer=rmsprop"):
        run(tmp_path, optimizer="rmsprop", steps=4)  # RMSProp would read Adam's second moments as its own
    assert (tmp_path / "config.json").read_text() == before  # nothing overwritten


@pytest.mark.slow
def test_changeable_settings_are_applied_and_kept_in_the_history(tmp_path):
    run(tmp_path)
    result, lines = run(tmp_path, steps=4, lr=5e-5)
    assert result["step"] == 4 and any("lr 0.0001 -> 5e-05" in line for line in lines)
    record = json.loads((tmp_path / "config.json").read_text())
    assert record["lr"] == 5e-5 and record["steps"] == 4
    assert [start["changed"] for start in record["history"]] == [{}, {"steps": [2, 4], "lr": [0.0001, 5e-05], "g_lr": [0.001, 5e-05]}]


def test_the_default_run_directory_is_per_dataset_and_loss():
    assert TrainConfig(dataset="mixture").resolve().out_dir == "runs/mixture-lsgan"
    assert TrainConfig(dataset="digits", loss="nsgan").resolve().out_dir == "runs/digits-nsgan"
    assert TrainConfig(dataset="mixture", out_dir="elsewhere").resolve().out_dir == "elsewhere"


def test_a_given_lr_wins_over_the_mixture_preset_for_both_networks():
    """--lr given sets G's rate too, even when it equals the preset's D rate (1e-4); the
    mixture's own G rate (1e-3) applies only when no rate is given."""
    from lsgan_tf.training.build import build_gan

    def rates(config):
        return config.lr, config.g_lr

    assert rates(TrainConfig(dataset="mixture", lr=1e-4).resolve()) == (1e-4, 1e-4)
    assert rates(TrainConfig(dataset="mixture").resolve()) == (1e-4, 1e-3)
    assert rates(TrainConfig(dataset="mixture", lr=3e-4, g_lr=2e-3).resolve()) == (3e-4, 2e-3)
    model = build_gan(TrainConfig(dataset="mixture", lr=1e-4).resolve())
    assert float(model.g_optimizer.learning_rate) == pytest.approx(1e-4)


def test_train_flags_are_generated_from_the_config_fields():
    """Each TrainConfig field is one flag with the field's default, help and choices, and a
    parsed command line becomes the TrainConfig with the given values."""
    import dataclasses

    from absl import flags

    from lsgan_tf.config import choices_of, config_from_flags, define_flags

    flag_values = flags.FlagValues()
    define_flags(flag_values)
    fields = [field for field in dataclasses.fields(TrainConfig) if field.metadata["flag"]]
    assert sorted(flag_values) == sorted(field.name for field in fields)
    assert "beta_2" in flag_values and "pixel_range" not in flag_values  # copied from the preset by resolve
    for field in fields:
        flag = flag_values[field.name]
        assert field.metadata["help"] in flag.help  # absl adds the choices (enum) or "repeat this option" (multi)
        assert flag.default == (list(field.default) if field.name == "arch_option" else field.default)
        if choices_of(field):
            assert flag.parser.enum_values == list(choices_of(field))
    flag_values(["train.py", "--dataset=mixture", "--lr=1e-4", "--noema", "--arch_option=a=b", "--loss=nsgan"])
    config = config_from_flags(flag_values)
    assert (config.dataset, config.lr, config.g_lr, config.ema, list(config.arch_option), config.loss) == (
        "mixture", 1e-4, None, False, ["a=b"], "nsgan")


def test_resolve_records_every_preset_value_the_run_uses():
    """config.json shows what ran: Adam's betas and epsilon, the update order, the pixel range and
    the image shape come from the preset into explicit fields (a flag given still wins)."""
    gp = TrainConfig(dataset="hwdb", data_dir="/", loss="lsgan_gp", beta_1=0.0).resolve()
    assert (gp.beta_1, gp.beta_2, gp.epsilon, gp.lr) == (0.0, 0.9, 1e-8, 1e-4)
    assert gp.pixel_range == (0.0, 1.0) and gp.image_shape == (28, 28, 1) and gp.simultaneous_updates is False
    mixture = TrainConfig(dataset="mixture").resolve()
    assert mixture.simultaneous_updates is True and mixture.image_shape == () and mixture.beta_2 == 0.999


def test_settings_not_typed_take_the_runs_values():
    stored = dataclasses.asdict(TrainConfig(dataset="mixture", arch_option=("depth=3",), lr=5e-4, steps=10))
    stored = json.loads(json.dumps(stored))  # as config.json holds it (tuples become lists)
    resumed = TrainConfig(steps=20).with_run_settings(stored, given=("steps",))
    assert resumed.dataset == "mixture" and resumed.arch_option == ("depth=3",) and resumed.lr == 5e-4
    assert resumed.steps == 20  # typed: the command wins
    typed = TrainConfig(dataset="digits").with_run_settings(stored, given=("dataset",))
    assert typed.dataset == "digits"  # typed model settings still reach the conflict check


@pytest.mark.slow
@pytest.mark.full
def test_resuming_without_repeating_arch_options_keeps_them(tmp_path):
    run = tmp_path / "run"
    first = run_script("train.py", "--arch_option=d_fc_norm=false", "--steps=1", "--batch_size=4", "--z_dim=8",
                       "--sample_every=1", "--checkpoint_every=1", f"--out_dir={run}")
    assert first.returncode == 0, first.stderr[-2000:]
    again = run_script("train.py", "--steps=2", f"--out_dir={run}")  # no --arch_option, --batch_size or --z_dim typed
    assert again.returncode == 0, again.stderr[-2000:]
    record = json.loads((run / "config.json").read_text())
    assert record["arch_option"] == ["d_fc_norm=false"] and record["z_dim"] == 8 and record["steps"] == 2
    assert record["history"][-1]["changed"] == {"steps": [1, 2]}
    refused = run_script("train.py", "--arch_option=d_fc_norm=true", "--steps=3", f"--out_dir={run}")
    assert refused.returncode == 2 and "the run has --arch_option=d_fc_norm=false, the command gives " \
        "--arch_option=d_fc_norm=true" in refused.stderr
