r"""Ships a trained run's generator inside the package, as `lsgan-sample --pretrained=NAME` finds it:
lsgan_tf/pretrained/NAME/ gets the float16 TFLite file, its metadata.json and a MODEL_CARD.md
(with the run's evaluation.json when it scored the shipped step, and `lsgan-evaluate
--pretrained=NAME`'s scores of the shipped float16 file itself), and docs/images/pretrained_NAME.png,
a grid drawn from the shipped file by the command an installed user would type. The run's
config.json and evaluation.json are kept in experiments/results/pretrained_NAME/, from which
--recard writes the card again (after the card's layout changed) without the run's checkpoints.

  .venv/bin/python evaluate.py --run_dir=RUN                   # first, so that the card carries it
  .venv/bin/python experiments/ship_pretrained.py --run_dir=RUN --name=digits
  .venv/bin/python experiments/ship_pretrained.py --run_dir=RUN --name=hwdb100 --labels=啊,阿,埃,挨,哎,唉,哀,皑 \
      --data_command="lsgan-prep-hwdb-synthetic --out=DATA --classes=100 --per_class=300" \
      --data_source="DATA, synthetic handwriting-like characters (not HWDB1.0) made by the command under Data preparation" \
      --subject="handwriting-like Chinese characters (GB2312 level 1; learned from synthetic ones, not HWDB1.0)"
  .venv/bin/python experiments/ship_pretrained.py --name=digits --rescore   # the shipped file's section again
  .venv/bin/python experiments/ship_pretrained.py --name=digits --recard    # the card again, from the kept record
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Optional

from absl import app, flags

from lsgan_tf import pretrained
from lsgan_tf.config import TrainConfig
from lsgan_tf.data.classes import ClassTable
from lsgan_tf.export.generators import open_generator
from lsgan_tf.export.model_card import SHIPPED_FILE_HEADING, model_card, read_evaluation, shipped_file_section
from lsgan_tf.export.run import export_run
from lsgan_tf.gan import global_step
from lsgan_tf.runs import RunDir
from lsgan_tf.scoring import evaluate_generator
from lsgan_tf.training.build import build_gan, restore_model
from lsgan_tf.utils.atomic import write_bytes
from lsgan_tf.utils.cache import cache_directory
from lsgan_tf.utils.commands import as_console_scripts

FLAGS = flags.FLAGS
flags.DEFINE_string("run_dir", None, "A trained lsgan-train --out_dir (not with --rescore or --recard).")
flags.DEFINE_string("name", None, "The name users pass to --pretrained.", required=True)
flags.DEFINE_list("labels", None, "Conditional runs: the classes of the README grid's columns.")
flags.DEFINE_integer("num", 64, "Images in the README grid.")
flags.DEFINE_boolean("rescore", False, "Score the shipped file of --name again and rewrite its card's \"The shipped "
                     "file\" section (after the scoring classifiers changed); nothing else is touched.")
flags.DEFINE_boolean("recard", False, "Write the card of --name again from its kept record (RECORDS/NAME: the run's "
                     "config.json and evaluation.json) and the shipped metadata.json, keeping its \"The shipped "
                     "file\" section; for the hwdb100 card pass --data_command and --data_source again.")
flags.DEFINE_string("data_command", None, "How the run's --data_dir was made (a command writing DATA); the card "
                    "then says DATA for the folder of this machine.")
flags.DEFINE_string("data_source", None, "What the run's --data_dir held, for the card's Source (default: its path).")
flags.DEFINE_string("subject", None, "What the generator's images show, for the card's Draws line (default: the "
                    "dataset's subject), when the run's data was not the dataset itself.")
flags.DEFINE_string("cache_dir", cache_directory(), "Where the Inception graph is cached (lsgan-evaluate's --cache_dir).")

SHIPPED_FILES = [pretrained.MODEL_FILE, "metadata.json", pretrained.CARD_FILE]
RECORDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def record_dir(name: str) -> str:
    """Where the shipped run's config.json and evaluation.json are kept."""
    return os.path.join(RECORDS, f"pretrained_{name}")


def main(argv) -> None:
    del argv
    folder = os.path.join(pretrained.FOLDER, FLAGS.name)
    card_path = os.path.join(folder, pretrained.CARD_FILE)
    if FLAGS.rescore or FLAGS.recard:
        with open(card_path, encoding="utf-8") as handle:
            card = handle.read()
        head, _, rest = card.partition(SHIPPED_FILE_HEADING)
        tail = rest[rest.find("\n## "):] if "\n## " in rest else ""
        if FLAGS.recard:
            head, shipped = card_from_record(FLAGS.name) + "\n", SHIPPED_FILE_HEADING + rest[:len(rest) - len(tail)]
            tail = data_preparation()
        else:
            shipped = shipped_file_scores()
        write_bytes(card_path, (head + shipped + tail).encode("utf-8"))
        print(f"{'recarded' if FLAGS.recard else 'rescored'} {card_path}")
        return
    if not FLAGS.run_dir:
        raise app.UsageError("--run_dir is required (or --rescore, --recard).")
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory() as export:
        export_run(FLAGS.run_dir, export, formats=("tflite",), quantize=("float16",))
        for name in (pretrained.MODEL_FILE, "metadata.json"):
            shutil.copyfile(os.path.join(export, "tflite", name), os.path.join(folder, name))
    os.makedirs(record_dir(FLAGS.name), exist_ok=True)
    for path in (RunDir(FLAGS.run_dir).config_file, RunDir(FLAGS.run_dir).evaluation_file):
        if os.path.exists(path):
            shutil.copyfile(path, os.path.join(record_dir(FLAGS.name), os.path.basename(path)))
    model, config, record = restore_model(FLAGS.run_dir, precision="float32")
    card = card_text(config, record, global_step(model), model.sampling_generator.count_params(),
                     RunDir(FLAGS.run_dir).class_table(), read_evaluation(FLAGS.run_dir))
    write_bytes(card_path, (card + "\n" + shipped_file_scores() + data_preparation()).encode("utf-8"))
    picture = os.path.join("docs", "images", f"pretrained_{FLAGS.name}.png")
    command = [sys.executable, "sample.py", f"--pretrained={FLAGS.name}", f"--num={FLAGS.num}", f"--out={picture}"]
    command += [f"--labels={','.join(FLAGS.labels)}"] if FLAGS.labels else []
    subprocess.run(command, check=True)
    print(f"shipped {FLAGS.name} in {folder}; README picture {picture}")


def card_text(config: TrainConfig, record: dict, step: int, parameters: int, table: Optional[ClassTable],
              evaluation: Optional[dict]) -> str:
    """The card of the shipped generator up to its "The shipped file" section, as installed users
    read it (console-script names, DATA for this machine's data folder)."""
    card = model_card(config, record, step, parameters, SHIPPED_FILES, run_dir="RUN",
                      num_classes=record.get("num_classes") if config.conditional else None, class_table=table,
                      evaluation=evaluation, data_source=FLAGS.data_source, subject=FLAGS.subject)
    card = as_console_scripts(card)
    return card.replace(config.data_dir, "DATA") if FLAGS.data_command and config.data_dir else card


def card_from_record(name: str) -> str:
    """`card_text` from the kept record of shipped generator `name` and its metadata.json (the
    class table), with the generator's parameters counted on a freshly built network."""
    with open(os.path.join(record_dir(name), "config.json")) as handle:
        record = json.load(handle)
    config = TrainConfig(**{key: value for key, value in record.items() if key in TrainConfig.__dataclass_fields__})
    evaluation_path = os.path.join(record_dir(name), "evaluation.json")
    evaluation = json.load(open(evaluation_path)) if os.path.exists(evaluation_path) else None
    metadata = json.load(open(os.path.join(pretrained.FOLDER, name, "metadata.json"), encoding="utf-8"))
    table = (ClassTable.from_characters(metadata["class_names"], metadata.get("trained_classes"))
             if metadata.get("class_names") else None)
    parameters = build_gan(config, record.get("num_classes") if config.conditional else None).generator.count_params()
    step = evaluation["step"] if evaluation else config.steps
    return card_text(config, record, step, parameters, table, evaluation)


def data_preparation() -> str:
    """The card's last section: the command that made the run's data (--data_command), if any."""
    return f"\n## Data preparation\n\n`{FLAGS.data_command}`\n" if FLAGS.data_command else ""


def shipped_file_scores() -> str:
    """The card's last section: `lsgan-evaluate --pretrained=NAME`'s scores of the shipped float16
    file (its default 5,000 samples and seed)."""
    generator = open_generator(pretrained.model_path(FLAGS.name))
    scores = evaluate_generator(generator, f"--pretrained={FLAGS.name}", cache_dir=FLAGS.cache_dir)
    print(f"the shipped file: {scores}")
    return "\n".join(shipped_file_section(FLAGS.name, pretrained.MODEL_FILE, scores))


if __name__ == "__main__":
    app.run(main)
