"""train.py as a product: exact resume after repeated SIGKILLs, a failed checkpoint write (full disk),
SIGTERM checkpoints, NaN stops, every preset, tf.distribute (mirrored on 2 logical CPUs, two workers on 127.0.0.1), bad flags."""

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf import objectives, presets
from lsgan_tf.config import TrainConfig
from lsgan_tf.data import records
from lsgan_tf.errors import ConfigError, TrainingDiverged
from lsgan_tf.training.build import make_checkpoint
from lsgan_tf.training.loop import train
from tests.conftest import ROOT, subprocess_env
from tests.fixtures import LEVEL1, character_bitmap, write_gnt

QUIET = dict(log=lambda line: None)
SMALL = dict(batch_size=8, sample_every=1000, checkpoint_every=3, log_every=1000, seed=1)


def weights(model):
    return [w.numpy() for w in model.generator.weights + model.discriminator.weights]


def assert_same_weights(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.slow
def test_resume_in_process_gives_identical_weights(tmp_path):
    reference = train(TrainConfig(steps=6, out_dir=str(tmp_path / "a"), **SMALL), **QUIET)
    train(TrainConfig(steps=3, out_dir=str(tmp_path / "b"), **SMALL), **QUIET)
    lines = []
    resumed = train(TrainConfig(steps=6, out_dir=str(tmp_path / "b"), **SMALL), log=lines.append)
    assert "resumed from step 3" in lines and resumed["step"] == 6
    assert_same_weights(weights(reference["model"]), weights(resumed["model"]))


def train_command(out_dir, steps, *extra):
    return [sys.executable, os.path.join(ROOT, "train.py"), f"--steps={steps}", "--batch_size=8",
            "--checkpoint_every=2", "--sample_every=1000", "--log_every=1", "--seed=1", f"--out_dir={out_dir}", *extra]


def restore_weights(out_dir):
    """The final checkpoint's weights, restored into a fresh model of the same config."""
    from lsgan_tf.training.build import build_gan

    config = TrainConfig(**{k: v for k, v in json.load(open(os.path.join(out_dir, "config.json"))).items()
                            if k in TrainConfig.__dataclass_fields__})
    model = build_gan(config.resolve())
    checkpoint = make_checkpoint(model)
    checkpoint.restore(tf.train.latest_checkpoint(os.path.join(out_dir, "checkpoints"))).assert_existing_objects_matched()
    return int(model.g_optimizer.iterations), weights(model)


def wait_for(predicate, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# Five in make test (each costs a trainer start, ~12 s); LSGAN_TF_SOAK_KILLS=20 for a longer soak.
SOAK_KILLS = int(os.environ.get("LSGAN_TF_SOAK_KILLS", "5"))


@pytest.mark.slow
@pytest.mark.full
def test_soak_sigkills_at_random_moments_then_rerun_is_bit_identical(tmp_path):
    """Each start is killed (SIGKILL) at a random moment up to 0.6 s after it wrote a new
    checkpoint: with a checkpoint every 2 steps (~0.1 s each) the kills land in steps, in
    checkpoint writes and in the start-up of the next; the run then finishes and its weights
    equal, bit for bit, those of a run never interrupted."""
    steps = 40 + 8 * SOAK_KILLS  # enough that the run outlives every kill
    reference = subprocess.run(train_command(tmp_path / "reference", steps), capture_output=True, text=True,
                               timeout=300, env=subprocess_env())
    assert reference.returncode == 0, reference.stderr[-2000:]
    run_dir = tmp_path / "killed"
    state = run_dir / "checkpoints" / "checkpoint"
    rng = np.random.default_rng(7)
    kills = 0
    for _ in range(SOAK_KILLS):
        process = subprocess.Popen(train_command(run_dir, steps), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env=subprocess_env())
        before = state.stat().st_mtime_ns if state.exists() else 0
        assert wait_for(lambda: process.poll() is not None or (state.exists() and state.stat().st_mtime_ns != before))
        time.sleep(rng.uniform(0.0, 0.6))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills == SOAK_KILLS, "the run finished before every kill; raise `steps`"
    final = subprocess.run(train_command(run_dir, steps), capture_output=True, text=True, timeout=300,
                           env=subprocess_env())
    assert final.returncode == 0, final.stderr[-2000:]
    assert "resumed from step" in final.stdout and f"step {steps}/{steps}" in final.stdout
    step_a, weights_a = restore_weights(tmp_path / "reference")
    step_b, weights_b = restore_weights(run_dir)
    assert step_a == step_b == steps
    assert_same_weights(weights_a, weights_b)


def limit_file_size():
    """In the child: files may not grow past 1 MiB (a digits checkpoint is 42 MB), and the write
    that would fails with EFBIG instead of killing the process, as a full disk fails with ENOSPC."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))


@pytest.mark.slow
def test_a_failed_checkpoint_write_stops_cleanly_and_the_previous_checkpoint_restores(tmp_path):
    run_dir = tmp_path / "run"
    first = subprocess.run(train_command(run_dir, 2), capture_output=True, text=True, timeout=300, env=subprocess_env())
    assert first.returncode == 0, first.stderr[-2000:]
    full = subprocess.run(train_command(run_dir, 4), capture_output=True, text=True, timeout=300, env=subprocess_env(),
                          preexec_fn=limit_file_size)
    assert full.returncode == 2, full.stderr[-2000:]
    assert "Traceback" not in full.stderr
    assert (f"train.py: error: could not write checkpoint {run_dir / 'checkpoints' / 'ckpt-4'} (" in full.stderr
            and "File too large" in full.stderr and f"{run_dir / 'checkpoints' / 'ckpt-2'}, is intact" in full.stderr)
    assert sorted(os.listdir(run_dir / "checkpoints")) == ["checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index"]
    step, restored = restore_weights(run_dir)
    assert step == 2 and all(np.all(np.isfinite(w)) for w in restored)


@pytest.mark.slow
def test_sigterm_writes_a_final_checkpoint(tmp_path):
    process = subprocess.Popen(train_command(tmp_path / "run", 100000), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=subprocess_env())
    assert wait_for(lambda: (tmp_path / "run" / "train.log").exists() and "step 3/" in (tmp_path / "run" / "train.log").read_text())
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "stopped by SIGTERM at step" in stdout
    step = int(stdout.split("stopped by SIGTERM at step ")[1].split(";")[0])
    assert tf.train.latest_checkpoint(str(tmp_path / "run" / "checkpoints")).endswith(f"ckpt-{step}")


@pytest.mark.slow
def test_absurd_learning_rate_stops_with_the_nan_message_and_keeps_the_last_checkpoint(tmp_path):
    out = tmp_path / "run"
    train(TrainConfig(steps=2, out_dir=str(out), **SMALL), **QUIET)  # a good checkpoint at step 2
    with pytest.raises(TrainingDiverged, match=r"diverged at step \d+.*ckpt-2 and was not overwritten"):
        train(TrainConfig(steps=50, lr=1e30, out_dir=str(out), **SMALL), **QUIET)
    assert tf.train.latest_checkpoint(str(out / "checkpoints")).endswith("ckpt-2")
    step, good = restore_weights(out)
    assert step == 2 and all(np.all(np.isfinite(w)) for w in good)


@pytest.mark.slow
def test_ema_weights_are_kept_and_used_for_samples(tmp_path):
    result = train(TrainConfig(steps=3, ema=True, ema_decay=0.5, out_dir=str(tmp_path / "run"), **SMALL), **QUIET)
    model = result["model"]
    assert model.sampling_generator is model.ema_generator
    trained = model.generator.trainable_weights[0].numpy()
    averaged = model.ema_generator.trainable_weights[0].numpy()
    assert not np.array_equal(trained, averaged) and np.all(np.isfinite(averaged))


@pytest.fixture(scope="module")
def preset_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("preset_data")
    rng = np.random.default_rng(0)
    paths = {}
    for name, shape in (("lsun", (112, 112, 3)), ("lsun64", (64, 64, 3)), ("cats", (128, 128, 3))):
        with records.ShardedWriter(str(root / name)) as writer:
            for _ in range(4):
                writer.write(rng.integers(0, 256, shape, np.uint8))
            writer.commit({"dataset": name, "image_shape": list(shape)})
        paths[name] = str(root / name)
    for name, size, channels in (("mnist", 28, 1), ("cifar10", 32, 3)):
        for label in range(2):
            folder = root / name / str(label)
            folder.mkdir(parents=True)
            for i in range(3):
                from PIL import Image

                Image.fromarray(rng.integers(0, 256, (size, size, channels)[: 2 if channels == 1 else 3], np.uint8)).save(folder / f"{i}.png")
        paths[name] = str(root / name)
    write_gnt(str(root / "hwdb" / "1.gnt"), [(code, character_bitmap(i, 30, 20)) for i, code in enumerate(LEVEL1.values())])
    paths["hwdb"] = str(root / "hwdb")
    return paths


@pytest.mark.slow
@pytest.mark.parametrize("dataset", [name if name != "lsun" else pytest.param(name, marks=pytest.mark.full)
                                     for name in sorted(presets.PRESETS)])  # make test: lsun's through the CLI (tests/data/test_lsun.py)
def test_every_preset_runs_two_steps(dataset, preset_data, tmp_path):
    result = train(TrainConfig(dataset=dataset, data_dir=preset_data.get(dataset), steps=2, batch_size=2, z_dim=8,
                               sample_every=2, out_dir=str(tmp_path / "run")), **QUIET)
    assert result["step"] == 2 and all(np.isfinite(v) for v in result["metrics"].values())
    assert (tmp_path / "run" / "checkpoints" / "checkpoint").exists()


@pytest.mark.slow
def test_steps_per_execution_trains_the_same_weights_and_keeps_every_callback_step(tmp_path):
    """Ten mixture steps per compiled call: same weights as one step per call, and the
    checkpoints and sample plots still land on their steps."""
    mixture = dict(dataset="mixture", steps=40, batch_size=64, log_every=10, sample_every=20, checkpoint_every=20,
                   keep_checkpoints=5, seed=2)
    one = train(TrainConfig(out_dir=str(tmp_path / "one"), steps_per_execution=1, **mixture), **QUIET)
    ten = train(TrainConfig(out_dir=str(tmp_path / "ten"), steps_per_execution=10, **mixture), **QUIET)
    assert ten["model"].steps_per_execution == 10 and one["step"] == ten["step"] == 40
    for a, b in zip(weights(one["model"]), weights(ten["model"])):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert sorted(os.listdir(tmp_path / "ten" / "samples")) == ["step_000020.png", "step_000040.png"]
    assert tf.train.get_checkpoint_state(str(tmp_path / "ten" / "checkpoints")).all_model_checkpoint_paths[-2:] == [
        str(tmp_path / "ten" / "checkpoints" / "ckpt-20"), str(tmp_path / "ten" / "checkpoints" / "ckpt-40")]


@pytest.mark.slow
def test_steps_per_execution_shrinks_to_fit_a_resumed_run(tmp_path):
    """A run resumed at step 30 of 40 with 20 steps per call runs 10 per call, not 20 past the end."""
    mixture = dict(dataset="mixture", batch_size=64, log_every=10, sample_every=10, checkpoint_every=10, seed=2,
                   out_dir=str(tmp_path / "run"))
    train(TrainConfig(steps=30, steps_per_execution=10, **mixture), **QUIET)
    resumed = train(TrainConfig(steps=40, steps_per_execution=20, **dict(mixture, checkpoint_every=20, log_every=20,
                                                                          sample_every=20)), **QUIET)
    assert resumed["step"] == 40 and resumed["model"].steps_per_execution == 10


@pytest.mark.parametrize("dataset", ["digits", "mixture"])
def test_training_pipelines_run_without_tf_data_autotuning(dataset):
    """Autotuning left fit on one core in most processes (docs/PERFORMANCE.md)."""
    from lsgan_tf.data.datasets import make_dataset

    pipeline = make_dataset(presets.get(dataset), batch_size=8, seed=0)
    assert pipeline.options().autotune.enabled is False


def test_automatic_steps_per_execution():
    assert TrainConfig(dataset="mixture").resolve().steps_per_execution == 100
    assert TrainConfig(dataset="mixture", log_every=30, sample_every=60, checkpoint_every=90,
                       eval_every=180).resolve().steps_per_execution == 30
    assert TrainConfig(dataset="mixture", log_every=30, sample_every=60, checkpoint_every=90).resolve().steps_per_execution == 10  # eval_every 5000
    assert TrainConfig(dataset="mixture", log_every=7).resolve().steps_per_execution == 1
    assert TrainConfig(dataset="digits").resolve().steps_per_execution == 1
    with pytest.raises(ConfigError, match="--steps_per_execution=3 must divide --log_every=100"):
        TrainConfig(dataset="mixture", steps_per_execution=3).resolve()


@pytest.mark.parametrize(
    "flags,message",
    [
        (dict(dataset="imagenet"), "--dataset"),
        (dict(dataset="digits", conditional=True), "--conditional"),
        (dict(dataset="lsun"), "--data_dir is required"),
        (dict(dataset="tfds:hwdb1", conditional=True), r"TFDS cannot download hwdb1: .*manual_dir"),
        (dict(dataset="hwdb", data_dir="/nonexistent/gnt"), "does not exist"),
        (dict(strategy="multi_worker"), "TF_CONFIG"),
        (dict(batch_size=0), "--batch_size"),
        (dict(ema=True, ema_decay=1.5), r"--ema_decay: must be a finite number in \(0.0, 1.0\), got 1.5"),
        (dict(ema_decay=1.0), "--ema_decay"),  # refused even while --ema is off
        (dict(lr=float("nan")), "--lr: must be a finite number in"),
        (dict(g_lr=float("inf")), "--g_lr: must be a finite number in"),
        (dict(lr=0.0), "--lr: must be a finite number in"),
        (dict(beta_1=1.0), r"--beta_1: must be a finite number in \[0.0, 1.0\)"),
        (dict(beta_2=-0.1), "--beta_2"),
        (dict(epsilon=0.0), "--epsilon"),
        (dict(loss="lsgan_gp", gp_weight=float("nan")), "--gp_weight: must be a finite number in"),
        (dict(gp_weight=-1.0), "--gp_weight"),
        (dict(steps=0), "--steps: must be a positive integer, got 0"),
        (dict(arch_option=["depth=3"]), "--arch_option=depth=3: expected NAME=VALUE with NAME one of"),
        (dict(arch_option=["d_fc_norm=maybe"]), "d_fc_norm takes a value of type bool"),
        (dict(arch_option=["variant=no_bn"]), "--arch_option: Unknown stability variant"),
    ],
)
def test_bad_configuration_fails_before_creating_the_run_directory(tmp_path, flags, message):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match=message):
        train(TrainConfig(**{"steps": 1, "out_dir": str(out), **flags}), **QUIET)
    assert not out.exists()


MIRRORED_CHECK = """
import sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import numpy as np, keras
from lsgan_tf import architectures, objectives
from lsgan_tf.gan import GAN
from lsgan_tf.training.distribute import mirrored_strategy
from lsgan_tf.kernels.adam import FusedAdam

def one_step(strategy, loss, d_steps):
    with strategy.scope():
        keras.utils.set_random_seed(0)
        g, d = architectures.build("digits", variant="BN_GD", z_dim=16)
        model = GAN(g, d, seed=3)
        model.compile(FusedAdam(2e-4, beta_1=0.5), FusedAdam(2e-4, beta_1=0.5), objective=loss, d_steps=d_steps)
    x = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype(keras.config.floatx())
    model.fit(tf.data.Dataset.from_tensors(x), epochs=1, verbose=0, shuffle=False)
    return [w.numpy() for w in model.generator.weights + model.discriminator.weights], strategy.num_replicas_in_sync

for case in sys.argv[1:]:  # dtype:loss:d_steps, each with a MirroredStrategy of its own, all in this process
    dtype, loss, d_steps = case.split(":")
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    single, n1 = one_step(tf.distribute.get_strategy(), loss, int(d_steps))
    mirrored, n2 = one_step(mirrored_strategy(["/cpu:0", "/cpu:1"]), loss, int(d_steps))
    assert (n1, n2) == (1, 2)
    print(case, "MAXDIFF", max(float(np.abs(a - b).max()) for a, b in zip(single, mirrored)))
"""
# float32, one D step per iteration: the production kernels (fused Adam) on two replicas.
FLOAT32_CASES = [f"float32:{loss}:1" for loss in ("lsgan", "lsgan_gp", "wgan_gp")]
# float64, each family's own D steps (wgan_gp: 5 critic steps, each with fresh z and penalty
# points): the iteration itself. In float32 WGAN-GP's 5 critic steps differ by 4.3e-4: the two
# replicas' gradients are summed in another order, and Adam's first update, lr * g / (|g| + eps),
# turns the float32 rounding of G's many near-zero gradient entries into differences of up to
# lr itself; in float64 the same step agrees to 3e-16 (measured), so the iteration is the same.
FLOAT64_CASES = [f"float64:{loss}:{objectives.get(loss).critic_steps}" for loss in ("lsgan", "nsgan", "lsgan_gp", "wgan_gp")]


@pytest.mark.slow
@pytest.mark.full
def test_mirrored_two_replicas_equal_one_device_on_the_global_batch():
    """One step on two replicas gives the weights of one step on one device with the global batch,
    for every family, with every family's own critic steps (float64: the iteration; float32: the
    production kernels): the noise of z and of the gradient penalties' points is the global draw.
    Seven strategies of the library's (`mirrored_strategy`) are made in one process, reducing
    float32 and then float64 gradients: TensorFlow's default all-reduce fails at the first
    float64 one ("Collective instance 100 expected ... data_type 1 but got ... data_type 2")."""
    result = subprocess.run([sys.executable, "-c", MIRRORED_CHECK, *FLOAT32_CASES, *FLOAT64_CASES],
                            capture_output=True, text=True, timeout=600, env=subprocess_env(), cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    differences = dict(line.split(" MAXDIFF ") for line in result.stdout.splitlines() if " MAXDIFF " in line)
    assert set(differences) == set(FLOAT32_CASES + FLOAT64_CASES)
    for case in FLOAT32_CASES:
        assert float(differences[case]) <= 1e-5, (case, differences[case])
    for case in FLOAT64_CASES:
        assert float(differences[case]) <= 1e-12, (case, differences[case])


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_two_workers_train_together(tmp_path):
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    processes = []
    for index in range(2):
        env = subprocess_env(TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
        command = [sys.executable, os.path.join(ROOT, "train.py"), "--dataset=mixture", "--strategy=multi_worker",
                   "--steps=3", "--batch_size=16", "--checkpoint_every=2", "--log_every=1", f"--out_dir={tmp_path / 'run'}"]
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (stdout, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr[-3000:]
    assert "step 3/3" in outputs[0][0]
    assert json.load(open(tmp_path / "run" / "config.json"))["replicas"] == 2
    assert tf.train.latest_checkpoint(str(tmp_path / "run" / "checkpoints")).endswith("ckpt-3")
    assert not [name for name in os.listdir(tmp_path / "run") if name.startswith("worker_")]


def test_sync_bn_builds_synchronized_batch_norm_layers():
    import keras

    from lsgan_tf.training.build import build_gan

    for sync in (False, True):
        model = build_gan(TrainConfig(steps=1, sync_bn=sync).resolve())
        layers = [layer for layer in model.generator.layers + model.discriminator.layers
                  if isinstance(layer, keras.layers.BatchNormalization)]
        assert layers and all(layer.synchronized == sync for layer in layers)


@pytest.mark.slow
def test_arch_options_are_typed_and_reach_the_built_and_restored_model(tmp_path):
    from lsgan_tf.training.build import build_gan, restore_model

    config = TrainConfig(arch_option=["kernel_size=5", "fc_norm=flat", "d_fc_norm=false"]).resolve()
    assert config.arch_options() == {"kernel_size": 5, "fc_norm": "flat", "d_fc_norm": False}
    model = build_gan(config)
    assert model.generator.get_layer("g_tconv1").kernel.shape[:2] == (5, 5)
    assert "d_fc1_bn" not in [layer.name for layer in model.discriminator.layers]
    out = tmp_path / "run"
    train(TrainConfig(steps=2, out_dir=str(out), arch_option=["d_fc_norm=false"], **SMALL), **QUIET)
    restored, _, _ = restore_model(str(out))
    assert "d_fc1_bn" not in [layer.name for layer in restored.discriminator.layers]
    with pytest.raises(ConfigError, match="--arch_option=z_dim=3: expected NAME=VALUE"):
        TrainConfig(arch_option=["z_dim=3"]).resolve()
    with pytest.raises(ConfigError, match="kernel_size takes a value of type int"):
        TrainConfig(arch_option=["kernel_size=five"]).resolve()
