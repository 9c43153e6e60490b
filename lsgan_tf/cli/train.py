"""Train an LSGAN (or its NS-GAN / LSGAN-GP / WGAN-GP baselines) with the papers' settings.

  python train.py                                  # Table 5 digits, the paper's 50,001 steps
  python train.py --dataset=digits_rotate --loss=nsgan
  python train.py --dataset=hwdb --conditional --data_dir=DIR_OF_GNT_FILES

Every flag left out is taken from the dataset's preset (lsgan_tf/presets.py), or, when --out_dir
already holds a run, from that run's config.json: resume by re-running with only what changes.
"""

from __future__ import annotations

import errno
import sys

from absl import flags, logging

from lsgan_tf.cli import program, require, run_app, verbose
from lsgan_tf.utils import quiet

require("tensorflow", "tensorflow_datasets", "scipy")
quiet.quiet_tensorflow_startup()

from lsgan_tf.config import TrainConfig, config_from_flags, define_flags, given_flags  # after the quiet start-up
from lsgan_tf.errors import ConfigError

FLAGS = flags.FLAGS
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


define_flags(FLAGS)


def main(argv) -> int:
    del argv
    logging.set_verbosity(logging.WARNING)
    from lsgan_tf.errors import DataError, TrainingDiverged
    from lsgan_tf.runs import RunDir
    from lsgan_tf.training.loop import train

    config = config_from_flags(FLAGS)
    try:
        stored = RunDir(config.out_dir or config.default_out_dir()).read_record()
    except (OSError, ValueError):
        stored = None  # an unreadable config.json: train() names it
    if stored:  # resuming: what the user did not type is the run's own setting
        config = config.with_run_settings(stored, given_flags(FLAGS))
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
    run_app(main, sys.modules[__name__], sys.modules[TrainConfig.__module__], verbose, usage=__doc__)
