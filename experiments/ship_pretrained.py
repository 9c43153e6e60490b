"""Ships a trained run's generator inside the package, as `lsgan-sample --pretrained=NAME` finds it:
lsgan_tf/pretrained/NAME/ gets the float16 TFLite file, its metadata.json and a MODEL_CARD.md
(with the run's evaluation.json when it scored the shipped step, and the same metric of samples
drawn from the shipped float16 file itself through LiteRT), and docs/images/pretrained_NAME.png, a
grid drawn from the shipped file by the command an installed user would type.

  .venv/bin/python evaluate.py --run_dir=RUN                   # first, so that the card carries it
  .venv/bin/python experiments/ship_pretrained.py --run_dir=RUN --name=digits
  .venv/bin/python experiments/ship_pretrained.py --run_dir=RUN --name=hwdb100 --labels=啊,阿,埃,挨,哎,唉,哀,皑 \
      --data_command="lsgan-prep-hwdb-synthetic --out=DATA --classes=100 --per_class=300"
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from absl import app, flags

from lsgan_tf import pretrained
from lsgan_tf.evaluation.run import CheckpointEvaluator
from lsgan_tf.export.model_card import metric_table, model_card
from lsgan_tf.export.run import export_run
from lsgan_tf.gan import global_step
from lsgan_tf.training.build import restore_model
from lsgan_tf.utils.cache import cache_directory
from lsgan_tf.utils.commands import as_console_scripts
from lsgan_tf.utils.atomic import write_bytes

FLAGS = flags.FLAGS
flags.DEFINE_string("run_dir", None, "A trained train.py --out_dir.", required=True)
flags.DEFINE_string("name", None, "The name users pass to --pretrained.", required=True)
flags.DEFINE_list("labels", None, "Conditional runs: the classes of the README grid's columns.")
flags.DEFINE_integer("num", 64, "Images in the README grid.")
flags.DEFINE_integer("check_samples", 4000, "Samples of the shipped file scored for its model card.")
flags.DEFINE_string("data_command", None, "How the run's --data_dir was made (a command writing DATA); the card "
                    "then says DATA for the folder of this machine.")
flags.DEFINE_string("cache_dir", cache_directory(), "Where the scoring classifiers are cached (evaluate.py's --cache_dir).")

SHIPPED_FILES = [pretrained.MODEL_FILE, "metadata.json", pretrained.CARD_FILE]


def main(argv) -> None:
    del argv
    folder = os.path.join(pretrained.FOLDER, FLAGS.name)
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory() as export:
        export_run(FLAGS.run_dir, export, formats=("tflite",), quantize=("float16",))
        for name in (pretrained.MODEL_FILE, "metadata.json"):
            shutil.copyfile(os.path.join(export, "tflite", name), os.path.join(folder, name))
    model, config, record = restore_model(FLAGS.run_dir, precision="float32")
    num_classes = model.num_classes if config.conditional else None
    card = model_card(FLAGS.run_dir, config, record, global_step(model), num_classes,
                      model.sampling_generator.count_params(), SHIPPED_FILES)
    card = as_console_scripts(card + shipped_file_scores())  # read by installed users, who have lsgan-train
    if FLAGS.data_command:
        card = card.replace(config.data_dir, "DATA") + f"\n## Data preparation\n\n`{FLAGS.data_command}`\n"
    write_bytes(os.path.join(folder, pretrained.CARD_FILE), card.encode("utf-8"))
    picture = os.path.join("docs", "images", f"pretrained_{FLAGS.name}.png")
    command = [sys.executable, "sample.py", f"--pretrained={FLAGS.name}", f"--num={FLAGS.num}", f"--out={picture}"]
    command += [f"--labels={','.join(FLAGS.labels)}"] if FLAGS.labels else []
    subprocess.run(command, check=True)
    print(f"shipped {FLAGS.name} in {folder}; README picture {picture}")


def shipped_file_scores() -> str:
    """The card's last section: the run's metric of --check_samples images drawn from the shipped
    float16 file with LiteRT (sample.py's default labels and seed)."""
    with tempfile.TemporaryDirectory() as scratch:
        npy = os.path.join(scratch, "samples.npy")
        subprocess.run([sys.executable, "sample.py", f"--pretrained={FLAGS.name}", f"--num={FLAGS.check_samples}",
                        f"--out={os.path.join(scratch, 'grid.png')}", f"--npy={npy}"], check=True)
        evaluator = CheckpointEvaluator(FLAGS.run_dir, num_samples=FLAGS.check_samples, cache_dir=FLAGS.cache_dir)
        scores = evaluator.score_exported(np.load(npy))
    print(f"the shipped file: {scores}")
    lines = ["", "## The shipped file", "",
             f"{FLAGS.check_samples:,} samples drawn from `{pretrained.MODEL_FILE}` with LiteRT "
             f"(`lsgan-sample --pretrained={FLAGS.name} --num={FLAGS.check_samples} --npy=...`), scored "
             f"with {scores['extractor']['name']}:", "", *metric_table(scores), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    app.run(main)
