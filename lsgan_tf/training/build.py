"""The GAN of a resolved TrainConfig: networks, optimizers and objective (`build_gan`), the
checkpoint that holds all of it (`make_checkpoint`, `restore_checkpoint`), and a trained run
read back from its directory (`restore_model`).

A checkpoint holds the same objects in every precision: the networks' variables are float32
under every Keras policy, and under mixed_float16 the Adam state is the loss-scale optimizer's
inner optimizer, saved where a float32 run saves its optimizer. The dynamic loss scale is saved
beside it, so a run can change --precision when it resumes (a float32 checkpoint resumed in
mixed_float16 starts a fresh loss scale). Each checkpoint also records the settings that shape
the model (`config.MODEL_SETTINGS`), so that one that does not fit names the setting that differs.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

import keras
import tensorflow as tf

from lsgan_tf import architectures, kernels, objectives
from lsgan_tf.architectures.blocks import synchronized_batch_norm
from lsgan_tf.config import MODEL_SETTINGS, TrainConfig
from lsgan_tf.errors import CheckpointError, ConfigError, RunError
from lsgan_tf.gan import GAN, ConditionalGAN
from lsgan_tf.runs import RunDir, comparable, flag_text
from lsgan_tf.training.checkpoints import MISMATCHED, restore_fitting, restore_newest_readable, unreadable_reason


def make_optimizer(name: str, lr: float, settings, precision: str = "float32") -> keras.optimizers.Optimizer:
    """Adam(lr, beta_1, beta_2, epsilon) of `settings` (a resolved TrainConfig or a Preset; by the
    selected kernels: one kernel per variable, lsgan_tf/kernels/adam.py), or RMSProp(lr); under mixed_float16
    wrapped in Keras' dynamic loss scaling (float16 gradients would underflow without it)."""
    if name == "rmsprop":
        optimizer = keras.optimizers.RMSprop(learning_rate=lr)
    else:
        optimizer = kernels.adam_optimizer()(learning_rate=lr, beta_1=settings.beta_1, beta_2=settings.beta_2,
                                             epsilon=settings.epsilon)
    if precision == "mixed_float16":
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


@contextlib.contextmanager
def dtype_policy(name: str) -> Iterator[None]:
    """Keras' global dtype policy set to `name` for the layers built in the block, then restored."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _float32_output(network: keras.Model) -> keras.Model:
    """`network` with its output cast to float32 by a last weightless layer, as Keras' mixed
    precision guide advises: samples, exports and losses see float32 (the layers before it keep
    their order, so checkpoints restore across precisions)."""
    output = keras.layers.Activation("linear", dtype="float32", name="float32_output")(network.output)
    return keras.Model(network.input, output, name=network.name)


def resolve_jit_compile(choice: str) -> bool:
    """--jit_compile=auto: plain graph mode on CPU, where XLA measured slower for every
    architecture (bench/train_step_ab.py --compare=xla: 1.2x digits to 12x dcgan64), XLA when a
    GPU is visible."""
    if choice == "auto":
        return bool(tf.config.list_logical_devices("GPU"))
    return choice == "true"


def build_gan(config: TrainConfig, num_classes: Optional[int] = None, precision: Optional[str] = None) -> GAN:
    """The compiled GAN of a resolved config (weights initialised from config.seed), its layers
    and optimizers by config.kernels; `num_classes` sizes a conditional generator's label map.
    The networks compute in `precision` (default: config.precision), the optimizers follow
    config.precision."""
    precision = precision or config.precision
    # Grappler's remapper fuses a bias add with the LeakyReLU after it although LeakyReluGrad
    # still reads the pre-activation; on D's bias + LeakyReLU convs (digits, hwdb) its graph
    # mutation then fails, now and then, printing "E0000 ... remapper failed" and dropping the
    # pass. Turned off, the math is the same and the terminal stays quiet; an in-process A/B of
    # the digits iteration measured no speed difference (on/off 1.02 in 12 alternating blocks).
    tf.config.optimizer.set_experimental_options({"remapping": False})
    keras.utils.set_random_seed(config.seed)
    options = {**dict(config.preset.arch_options), **config.arch_options()}
    if config.conditional and num_classes is not None:
        options["num_classes"] = num_classes
    # float32 keeps the global policy as it is (tests of the iteration run it in float64).
    policy = dtype_policy(precision) if precision != "float32" else contextlib.nullcontext()
    with synchronized_batch_norm(config.sync_bn), policy, kernels.selected(config.kernels):
        try:
            generator, discriminator = architectures.build(config.arch, z_dim=config.z_dim, **options)
        except ValueError as error:  # an option value the architecture rejects (e.g. variant)
            raise ConfigError(f"--arch_option: {error}") from None
    if precision != "float32":
        generator = _float32_output(generator)
    model_class = ConditionalGAN if config.conditional else GAN
    model = model_class(generator, discriminator, seed=config.seed, noise=config.noise)
    if config.ema:
        model.enable_ema(config.ema_decay)
    with kernels.selected(config.kernels):
        optimizers = [make_optimizer(config.optimizer, lr, config, config.precision) for lr in (config.lr, config.g_lr)]
    model.compile(
        d_optimizer=optimizers[0],
        g_optimizer=optimizers[1],
        objective=objectives.get(config.loss),
        coding=config.coding,
        reduction=config.reduction,
        gp_weight=config.gp_weight,
        d_steps=config.d_steps,
        simultaneous_updates=config.simultaneous_updates,
        jit_compile=resolve_jit_compile(config.jit_compile),
        steps_per_execution=max(1, config.steps_per_execution),
    )
    return model


SETTINGS_KEY = "model_settings"
# The optimizer slots of a checkpoint written under mixed_float16 by lsgan-tf 0.2.0, which saved
# the loss-scale optimizer itself (its inner optimizer one level down).
_LEGACY_MIXED_LAYOUT = "legacy_mixed_float16"


class _RecordedSettings(tf.train.experimental.PythonState):
    """The run's MODEL_SETTINGS, saved as JSON text in each checkpoint (never restored: read by
    `recorded_settings` when a checkpoint does not fit)."""

    def __init__(self, settings: Dict[str, Any]):
        self.settings = settings

    def serialize(self) -> str:
        return json.dumps(self.settings, sort_keys=True)

    def deserialize(self, text) -> None:
        self.settings = json.loads(text)


def model_settings(config: TrainConfig) -> Dict[str, Any]:
    """The settings of `config` that shape what a checkpoint holds (config.MODEL_SETTINGS)."""
    return {name: comparable(getattr(config, name)) for name in MODEL_SETTINGS}


def recorded_settings(path: str) -> Optional[Dict[str, Any]]:
    """The MODEL_SETTINGS checkpoint `path` was written with (None for checkpoints of lsgan-tf
    0.2.0 and earlier, which did not record them)."""
    reader = tf.train.load_checkpoint(path)
    key = f"{SETTINGS_KEY}/.ATTRIBUTES/py_state"
    if not reader.has_tensor(key):
        return None
    return json.loads(reader.get_tensor(key))


def _inner(optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
    """The optimizer that holds the Adam (RMSProp) state: a loss-scale optimizer's inner one."""
    return optimizer.inner_optimizer if isinstance(optimizer, keras.optimizers.LossScaleOptimizer) else optimizer


def _loss_scales(model: GAN) -> Dict[str, tf.train.Checkpoint]:
    """The dynamic loss-scale state of each loss-scale optimizer (none outside mixed_float16)."""
    return {f"{name}_loss_scale": tf.train.Checkpoint(step_counter=optimizer.step_counter,
                                                      dynamic_scale=optimizer.dynamic_scale)
            for name, optimizer in (("d", model.d_optimizer), ("g", model.g_optimizer))
            if isinstance(optimizer, keras.optimizers.LossScaleOptimizer)}


def _restored_objects(model: GAN, layout: str = "current") -> Dict[str, Any]:
    """What a resume must find in a checkpoint: networks (with BN statistics), the optimizers' state,
    the EMA generator, the noise RNG state."""
    legacy = layout == _LEGACY_MIXED_LAYOUT
    objects = dict(
        generator=model.generator, discriminator=model.discriminator,
        d_optimizer=model.d_optimizer if legacy else _inner(model.d_optimizer),
        g_optimizer=model.g_optimizer if legacy else _inner(model.g_optimizer),
        noise_state=model.seed_generator.state,
    )
    if model.ema_generator is not None:
        objects["ema_generator"] = model.ema_generator
    return objects


def make_checkpoint(model: GAN, config: Optional[TrainConfig] = None) -> tf.train.Checkpoint:
    """The checkpoint a run saves: everything a resume needs (networks, optimizers, EMA, RNG
    state, loss scales under mixed_float16) and, given the run's `config`, its MODEL_SETTINGS."""
    objects = {**_restored_objects(model), **_loss_scales(model)}
    if config is not None:
        objects[SETTINGS_KEY] = _RecordedSettings(model_settings(config))
    return tf.train.Checkpoint(**objects)


def restore_checkpoint(model: GAN, path: str) -> None:
    """Restores checkpoint `path` into `model`. Every object of the model must be found with its
    shape and dtype, else one of checkpoints.MISMATCHED is raised. The loss scales are restored when
    the checkpoint has them; a run that saved none (float32, bfloat16) starts a fresh one."""
    scales = _loss_scales(model)
    layouts = ["current"] + ([_LEGACY_MIXED_LAYOUT] if scales else [])
    for layout in layouts:
        try:
            status = tf.train.Checkpoint(**_restored_objects(model, layout)).restore(path)
            status.expect_partial()  # entries the model has no use for (another layout's) stay unread
            status.assert_existing_objects_matched()
            break
        except MISMATCHED:
            if layout == layouts[-1]:
                raise
    if scales:
        tf.train.Checkpoint(**scales).restore(path).expect_partial()


def label_on_input_hint(config: TrainConfig, model: GAN, path: str, config_file: str) -> str:
    """Why a conditional checkpoint does not fit the default `hwdb` D, when it is one of
    lsgan-tf 0.1.0's: that D also concatenated the label map to the input image, so its first
    kernel has 1 + label_dim input channels (mcgan.py's has 1). "" for any other mismatch."""
    if config.arch != "hwdb" or config.arch_options().get("label_on_input", False):
        return ""
    kernel = model.discriminator.get_layer("d_conv1").kernel.shape
    label_dim = model.discriminator.get_layer("d_label_map").units
    old_kernel = [*kernel[:2], kernel[2] + label_dim, kernel[3]]
    shapes = tf.train.load_checkpoint(path).get_variable_to_shape_map().values()
    if old_kernel not in shapes or list(kernel) in shapes:
        return ""
    return (f"its discriminator also takes the label on the input image, as lsgan-tf 0.1.0 built the conditional "
            f"net. Add \"label_on_input=true\" to \"arch_option\" in {config_file} (for a new run: "
            f"--arch_option=label_on_input=true) and run the command again.")


def mismatch_message(config: TrainConfig, model: GAN, path: str, reason: str, config_file: str,
                     built_from: str, fix: str) -> str:
    """One line on why checkpoint `path` does not fit `model` (built from `config`, described as
    `built_from`): the settings the checkpoint records that differ, else 0.1.0's conditional D,
    else TensorFlow's `reason`; then that nothing was changed, and `fix`, whose "{values}" becomes
    the flags the checkpoint was written with."""
    recorded = recorded_settings(path) or {}
    differ = [name for name in MODEL_SETTINGS
              if name in recorded and recorded[name] != comparable(getattr(config, name))]
    head = f"checkpoint {path} does not fit the model {built_from}"
    if differ:
        written = ", ".join(flag_text(name, recorded[name]) for name in differ)
        built = ", ".join(flag_text(name, getattr(config, name)) for name in differ)
        return (f"{head}: it was written with {written}, this builds {built}. Nothing was changed. "
                f"{fix.format(values=written)}.")
    hint = label_on_input_hint(config, model, path, config_file)
    if hint:
        return f"{head}: {hint}"
    return f"{head} ({reason}). Nothing was changed. {fix.format(values='the settings it was written with')}."


def _warn(line: str) -> None:
    print(line, file=sys.stderr)


def restore_model(run_dir: str, checkpoint: Optional[str] = None, precision: Optional[str] = None,
                  log: Callable[[str], None] = _warn) -> Tuple[GAN, TrainConfig, Dict[str, Any]]:
    """(model, config, record): the run's GAN with the newest readable (or the given) checkpoint
    restored, its networks computing in `precision` (default: the run's own). It only reads:
    an unreadable checkpoint is skipped with a warning to `log` (stderr), never moved; any
    failure is a one-line RunError."""
    run = RunDir(run_dir)
    config, record = run.load_config()
    config = config.resolve(data_needed=False)
    model = build_gan(config, record.get("num_classes"), precision)

    def describe(path: str, reason: str) -> str:
        return mismatch_message(config, model, path, reason, run.config_file, f"that {run.config_file} describes",
                                "The checkpoint and config.json come from different runs: put back this run's own "
                                "checkpoint, or a config.json with {values}")

    if checkpoint is None:
        try:
            path = restore_newest_readable(lambda path: restore_checkpoint(model, path), run.checkpoints,
                                           quarantine=False, describe_mismatch=describe, log=log)
        except CheckpointError as error:
            raise RunError(str(error)) from None
        if path is None:
            raise RunError(f"{run_dir} has no checkpoint yet ({run.checkpoints} holds none): train it first, "
                           f"or pass --checkpoint.")
        return model, config, record
    if not tf.io.gfile.exists(checkpoint + ".index"):
        raise RunError(f"--checkpoint={checkpoint}: no such checkpoint ({checkpoint}.index does not exist).")
    reason = unreadable_reason(checkpoint)
    if reason is not None:
        raise RunError(f"--checkpoint={checkpoint} cannot be read ({reason}).")
    try:
        restore_fitting(lambda path: restore_checkpoint(model, path), checkpoint, describe)
    except CheckpointError as error:
        raise RunError(str(error)) from None
    return model, config, record
