"""Train an LSGAN (or its NS-GAN / LSGAN-GP / WGAN-GP baselines) with the papers' settings.

  python train.py                                  # Table 5 digits, the paper's 50,001 steps
  python train.py --dataset=digits_rotate --loss=nsgan
  python train.py --dataset=hwdb --conditional --data_dir=DIR_OF_GNT_FILES

Every flag left out is taken from the dataset's preset (lsgan_tf/presets.py).
"""

from __future__ import annotations

import errno
import sys

from absl import flags, logging

from lsgan_tf import quiet
from lsgan_tf.cli import program, run_app

quiet.quiet_tensorflow_startup()

from lsgan_tf import architectures, losses, presets  # noqa: E402  (after the quiet start-up)
from lsgan_tf.gan import LOSS_FAMILIES  # noqa: E402
from lsgan_tf.noise import NOISE_DISTRIBUTIONS  # noqa: E402

FLAGS = flags.FLAGS
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)

flags.DEFINE_string("dataset", "digits", f"Dataset preset, one of {sorted(presets.PRESETS)}, or tfds:NAME for a TFDS dataset already in --data_dir (mnist, cifar10, lsun/CATEGORY, hwdb1). Sets the paper's architecture, coding and hyperparameters.")
flags.DEFINE_string("data_dir", None, "Where the dataset lives (prepared TFRecords, image folders or raw files). Rendered digits need none.")
flags.DEFINE_boolean("skip_corrupt", False, "Leave unreadable training records (a broken image, a cut-short .gnt file or TFRecord shard) out and count them in train.log, instead of stopping with an error that names the first.")
flags.DEFINE_boolean("conditional", None, "Train the class-conditional model (hwdb). Default: the preset's.")
flags.DEFINE_enum("loss", "lsgan", list(LOSS_FAMILIES), "Loss family.")
flags.DEFINE_enum("coding", None, sorted(losses.CODINGS), "LSGAN a-b-c coding: -110 (Eq. 13) or 011 (Eq. 14). Default: the preset's.")
flags.DEFINE_enum("reduction", "mean", list(losses.REDUCTIONS), "LS loss reduction: mean (the paper) or sum (the authors' code: half the batch sum).")
flags.DEFINE_enum("arch", None, sorted(architectures.ARCHITECTURES), "Architecture override. Default: the preset's.")
flags.DEFINE_multi_string("arch_option", [], "NAME=VALUE option of the architecture, repeatable, e.g. digits' kernel_size=5 and fc_norm=flat (the authors' code) or d_fc_norm=false (no BN in D's FC layer: the demo). See lsgan_tf/architectures.")
flags.DEFINE_integer("steps", None, "Total training steps (G updates). Default: the paper's count for the dataset.")
flags.DEFINE_integer("batch_size", None, "Global batch size. Default: the preset's (64; 512 for the mixture).")
flags.DEFINE_float("lr", None, "Learning rate of D, and of G unless --g_lr is given. Default: the preset's.")
flags.DEFINE_float("g_lr", None, "Learning rate of G. Default: --lr when given, else the preset's (1e-3 for the mixture, --lr's otherwise).")
flags.DEFINE_integer("z_dim", None, "Noise dimension. Default: the preset's.")
flags.DEFINE_enum("optimizer", None, ["adam", "rmsprop"], "Optimizer. Default: the preset's (Adam, beta1 = 0.5).")
flags.DEFINE_integer("d_steps", None, "Discriminator updates per generator update. Default: 1 (5 for wgan_gp).")
flags.DEFINE_float("gp_weight", None, "Gradient-penalty weight. Default: 150/64 for lsgan_gp (150 with --reduction=sum), 10 for wgan_gp.")
flags.DEFINE_string("out_dir", None, "Run directory: config.json (settings and their history), checkpoints/, samples/, events/ (TensorBoard), train.log. Default: runs/<dataset>-<loss>. Re-running into it resumes the run; settings that define the model (dataset, arch, options, loss, coding, reduction, z_dim, conditional, noise) must match.")
flags.DEFINE_integer("sample_every", 500, "Write a fixed-noise sample grid every N steps.")
flags.DEFINE_integer("checkpoint_every", 1000, "Write a checkpoint every N steps.")
flags.DEFINE_integer("keep_checkpoints", 3, "How many recent checkpoints to keep.")
flags.DEFINE_integer("seed", 0, "Seed of weights, noise and data order.")
flags.DEFINE_boolean("ema", False, "Keep an exponential moving average of G's weights; samples and export use it.")
flags.DEFINE_float("ema_decay", 0.999, "EMA decay per step.")
flags.DEFINE_enum("noise", "normal", list(NOISE_DISTRIBUTIONS), "z ~ N(0, I) (the papers) or U(-1, 1) (the authors' digit code).")
flags.DEFINE_enum("strategy", "default", ["default", "mirrored", "multi_worker"], "tf.distribute strategy: one device, all local GPUs (MirroredStrategy), or the workers of TF_CONFIG.")
flags.DEFINE_boolean("sync_bn", False, "Batch-norm statistics over all replicas (Keras synchronized=True) instead of per replica.")
flags.DEFINE_enum("jit_compile", "auto", ["auto", "true", "false"], "XLA for train_step; auto: off on CPU (measured slower), on with a GPU.")
flags.DEFINE_integer("log_every", 100, "Progress line and TensorBoard scalars every N steps.")
flags.DEFINE_integer("steps_per_execution", 0, "Training steps per compiled call (must divide the log, sample and checkpoint intervals). 0: automatic, up to 100 for the overhead-bound mixture MLPs, 1 for the image nets.")


def main(argv) -> int:
    del argv
    logging.set_verbosity(logging.WARNING)
    from lsgan_tf.data.datasets import DataError
    from lsgan_tf.training import ConfigError, TrainConfig, TrainingDiverged, train

    names = [field for field in TrainConfig.__dataclass_fields__]
    config = TrainConfig(**{name: FLAGS[name].value for name in names})
    try:
        result = train(config)
    except (ConfigError, DataError) as error:
        print(f"{program()}: error: {error}", file=sys.stderr)
        return 2
    except TrainingDiverged as error:
        print(f"{program()}: {error}", file=sys.stderr)
        return 3
    except OSError as error:
        if error.errno not in DISK_FULL:
            raise
        print(f"{program()}: error: cannot write {error.filename}: {error.strerror}. Free disk space (or use another "
              f"--out_dir) and re-run the same command: it resumes from the last checkpoint.", file=sys.stderr)
        return 2
    return 130 if result.get("stopped_by") else 0


def run() -> None:
    """The `lsgan-train` console script and `train.py`."""
    run_app(main, sys.modules[__name__], quiet, usage=__doc__)
