"""Ships a trained run's generator inside the package, as `lsgan-sample --pretrained=NAME` finds it:
lsgan_tf/pretrained/NAME/ gets the float16 TFLite file, its metadata.json and a MODEL_CARD.md
(with the run's evaluation.json when it scored the shipped step, and `lsgan-evaluate
--pretrained=NAME`'s scores of the shipped float16 file itself), and docs/images/pretrained_NAME.png,
a grid drawn from the shipped file by the command an installed user would type.

  .venv/bin/python evaluate.py --run_dir=RUN                   # first, so that the card carries it
  .venv/bin/python experiments/ship_pretrained.py --run_dir=RUN --name=digits
  .venv/bin/python experiments/ship_pretrained.py --run_dir=RUN --name=hwdb100 --labels=啊,阿,埃,挨,哎,唉,哀,皑 \
      --data_command="lsgan-prep-hwdb-synthetic --out=DATA --classes=100 --per_class=300"
  .venv/bin/python experiments/ship_pretrained.py --name=digits --rescore   # the shipped file's section again
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

from absl import app, flags

from lsgan_tf import pretrained
from lsgan_tf.evaluation.run import evaluate_generator
from lsgan_tf.export.generators import open_generator
from lsgan_tf.export.model_card import SHIPPED_FILE_HEADING, model_card, shipped_file_section
from lsgan_tf.export.run import export_run
from lsgan_tf.gan import global_step
from lsgan_tf.training.build import restore_model
from lsgan_tf.utils.atomic import write_bytes
from lsgan_tf.utils.cache import cache_directory
from lsgan_tf.utils.commands import as_console_scripts

FLAGS = flags.FLAGS
flags.DEFINE_string("run_dir", None, "A trained train.py --out_dir (not with --rescore).")
flags.DEFINE_string("name", None, "The name users pass to --pretrained.", required=True)
flags.DEFINE_list("labels", None, "Conditional runs: the classes of the README grid's columns.")
flags.DEFINE_integer("num", 64, "Images in the README grid.")
flags.DEFINE_boolean("rescore", False, "Score the shipped file of --name again and rewrite its card's \"The shipped "
                     "file\" section (after the scoring classifiers changed); nothing else is touched.")
flags.DEFINE_string("data_command", None, "How the run's --data_dir was made (a command writing DATA); the card "
                    "then says DATA for the folder of this machine.")
flags.DEFINE_string("cache_dir", cache_directory(), "Where the Inception graph is cached (evaluate.py's --cache_dir).")

SHIPPED_FILES = [pretrained.MODEL_FILE, "metadata.json", pretrained.CARD_FILE]


def main(argv) -> None:
    del argv
    folder = os.path.join(pretrained.FOLDER, FLAGS.name)
    if FLAGS.rescore:
        card_path = os.path.join(folder, pretrained.CARD_FILE)
        with open(card_path, encoding="utf-8") as handle:
            card = handle.read()
        head, _, rest = card.partition(SHIPPED_FILE_HEADING)
        tail = rest[rest.find("\n## "):] if "\n## " in rest else ""
        write_bytes(card_path, (head + shipped_file_scores() + tail).encode("utf-8"))
        print(f"rescored {card_path}")
        return
    if not FLAGS.run_dir:
        raise app.UsageError("--run_dir is required (or --rescore).")
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory() as export:
        export_run(FLAGS.run_dir, export, formats=("tflite",), quantize=("float16",))
        for name in (pretrained.MODEL_FILE, "metadata.json"):
            shutil.copyfile(os.path.join(export, "tflite", name), os.path.join(folder, name))
    model, config, record = restore_model(FLAGS.run_dir, precision="float32")
    num_classes = model.num_classes if config.conditional else None
    card = model_card(FLAGS.run_dir, config, record, global_step(model), num_classes,
                      model.sampling_generator.count_params(), SHIPPED_FILES)
    card = as_console_scripts(card + "\n" + shipped_file_scores())  # read by installed users, who have lsgan-train
    if FLAGS.data_command:
        card = card.replace(config.data_dir, "DATA") + f"\n## Data preparation\n\n`{FLAGS.data_command}`\n"
    write_bytes(os.path.join(folder, pretrained.CARD_FILE), card.encode("utf-8"))
    picture = os.path.join("docs", "images", f"pretrained_{FLAGS.name}.png")
    command = [sys.executable, "sample.py", f"--pretrained={FLAGS.name}", f"--num={FLAGS.num}", f"--out={picture}"]
    command += [f"--labels={','.join(FLAGS.labels)}"] if FLAGS.labels else []
    subprocess.run(command, check=True)
    print(f"shipped {FLAGS.name} in {folder}; README picture {picture}")


def shipped_file_scores() -> str:
    """The card's last section: `lsgan-evaluate --pretrained=NAME`'s scores of the shipped float16
    file (its default 5,000 samples and seed)."""
    generator = open_generator(pretrained.model_path(FLAGS.name))
    scores = evaluate_generator(generator, f"--pretrained={FLAGS.name}", cache_dir=FLAGS.cache_dir)
    print(f"the shipped file: {scores}")
    return "\n".join(shipped_file_section(FLAGS.name, pretrained.MODEL_FILE, scores))


if __name__ == "__main__":
    app.run(main)
