"""The GAN of a resolved TrainConfig: networks, optimizers and objective (`build_gan`), the
checkpoint that holds all of it (`make_checkpoint`), and a trained run read back from its
directory (`restore_model`)."""

from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterator, Optional, Tuple

import keras
import tensorflow as tf

from lsgan_tf import architectures, objectives
from lsgan_tf.architectures.blocks import synchronized_batch_norm
from lsgan_tf.config import TrainConfig
from lsgan_tf.errors import CheckpointError, ConfigError, RunError
from lsgan_tf.gan import GAN, ConditionalGAN
from lsgan_tf.runs import RunDir
from lsgan_tf.training.checkpoints import MISMATCHED, UNREADABLE, restore_newest_readable
from lsgan_tf.training.optimizers import FusedAdam


def make_optimizer(name: str, lr: float, settings, precision: str = "float32") -> keras.optimizers.Optimizer:
    """Adam(lr, beta_1, beta_2, epsilon) of `settings` (a resolved TrainConfig or a Preset; one
    kernel per variable, lsgan_tf/training/optimizers.py), or RMSProp(lr); under mixed_float16
    wrapped in Keras' dynamic loss scaling (float16 gradients would underflow without it)."""
    if name == "rmsprop":
        optimizer = keras.optimizers.RMSprop(learning_rate=lr)
    else:
        optimizer = FusedAdam(learning_rate=lr, beta_1=settings.beta_1, beta_2=settings.beta_2, epsilon=settings.epsilon)
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
    """The compiled GAN of a resolved config (weights initialised from config.seed);
    `num_classes` sizes a conditional generator's label map. The networks compute in
    `precision` (default: config.precision), the optimizers follow config.precision."""
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
    with synchronized_batch_norm(config.sync_bn), policy:
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
    model.compile(
        d_optimizer=make_optimizer(config.optimizer, config.lr, config, config.precision),
        g_optimizer=make_optimizer(config.optimizer, config.g_lr, config, config.precision),
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


def make_checkpoint(model: GAN) -> tf.train.Checkpoint:
    """Everything a resume needs: networks (with BN statistics), optimizers, EMA, RNG state."""
    objects = dict(
        generator=model.generator, discriminator=model.discriminator,
        d_optimizer=model.d_optimizer, g_optimizer=model.g_optimizer,
        noise_state=model.seed_generator.state,
    )
    if model.ema_generator is not None:
        objects["ema_generator"] = model.ema_generator
    return tf.train.Checkpoint(**objects)


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


def restore_model(run_dir: str, checkpoint: Optional[str] = None,
                  precision: Optional[str] = None) -> Tuple[GAN, TrainConfig, Dict[str, Any]]:
    """(model, config, record): the run's GAN with the newest readable (or the given) checkpoint
    restored, its networks computing in `precision` (default: the run's own)."""
    run = RunDir(run_dir)
    config, record = run.load_config()
    config = config.resolve(data_needed=False)
    model = build_gan(config, record.get("num_classes"), precision)
    if checkpoint is None:  # the newest readable one, as a resumed training run takes it
        try:
            path = restore_newest_readable(make_checkpoint(model), run.checkpoints,
                                           mismatch_hint=lambda path: label_on_input_hint(config, model, path, run.config_file))
        except CheckpointError as error:
            raise RunError(str(error)) from None
        if path is None:
            raise RunError(f"{run_dir} has no checkpoint yet (checkpoints/ is empty); train longer or pass --checkpoint.")
        return model, config, record
    try:
        make_checkpoint(model).restore(checkpoint).expect_partial().assert_existing_objects_matched()
    except UNREADABLE as error:
        raise RunError(f"cannot restore {checkpoint}: {str(error).splitlines()[0]}") from None
    except MISMATCHED as error:
        hint = label_on_input_hint(config, model, checkpoint, run.config_file)
        raise RunError(f"cannot restore {checkpoint}: {str(error).splitlines()[0]}" + (f"; {hint}" if hint else "")) from None
    return model, config, record
