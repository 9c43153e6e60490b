"""MODEL_CARD.md of an exported generator: its data, network, objective and training, the command
that trains it again, how it scored, and what it is for (Mitchell et al., "Model Cards for Model
Reporting", 2019, in the short form of a README)."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Dict, List, Optional

from lsgan_tf.architectures import ARCHITECTURES
from lsgan_tf.config import TrainConfig
from lsgan_tf.data.classes import ClassTable
from lsgan_tf.evaluation.classifiers import CHARACTERS, DIGITS
from lsgan_tf.losses import CODINGS
from lsgan_tf.noise import DISTRIBUTION_NAMES
from lsgan_tf.pretrained import DRAWS_PREFIX
from lsgan_tf.runs import RunDir
from lsgan_tf.utils.commands import as_the_user_runs_them

# Settings that describe where a run lives or how it logs, not what it trains.
_NOT_TRAINING = ("out_dir", "log_every", "sample_every", "checkpoint_every", "keep_checkpoints", "eval_every",
                 "eval_samples", "keep_best", "inception_weights")
_NOT_METRICS = ("step", "num_samples", "seed")  # numbers of an evaluation that are not scores
_MADE_HERE = "made by lsgan_tf itself (rendered digits, sampled mixture)"  # no --data_dir, no TFDS


def training_command(config: TrainConfig) -> str:
    """The lsgan-train command that trains `config` again: --dataset and --data_dir, then every flag
    whose value differs from what the preset resolves to on its own (repeatable flags once per value)."""
    defaults = TrainConfig(dataset=config.dataset, data_dir=config.data_dir,
                           out_dir=config.out_dir).resolve(data_needed=False)
    words = ["python train.py", f"--dataset={config.dataset}"]
    words += [f"--data_dir={config.data_dir}"] if config.data_dir else []
    for field in dataclasses.fields(TrainConfig):
        value, default = getattr(config, field.name), getattr(defaults, field.name)
        if not field.metadata["flag"] or field.name in _NOT_TRAINING + ("dataset",) or value == default:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        words += [f"--{field.name}={str(item).lower() if isinstance(item, bool) else item}" for item in values]
    return as_the_user_runs_them(" ".join(words + ["--out_dir=RUN"]))


def _evaluation(evaluation: Optional[Dict[str, Any]], step: int, run_dir: str) -> List[str]:
    """The card's evaluation lines: the run's evaluation.json (`evaluation`) when it scored this step."""
    command = as_the_user_runs_them(f"python evaluate.py --run_dir={run_dir}")
    if evaluation is None:
        return [f"Not evaluated: `{command}` scores it (`lsgan-evaluate --help` names the metrics)."]
    if evaluation.get("step") != step:
        return [f"Not evaluated at this step: evaluation.json scored step {evaluation.get('step')}; `{command}`."]
    extractor = evaluation.get("extractor") or {}
    shipped = {classifier.name: classifier.sha256 for classifier in (DIGITS, CHARACTERS)}
    local = extractor.get("name") in shipped and extractor.get("sha256") != shipped[extractor["name"]]
    note = (f" That {extractor.get('name')} was trained on the scoring machine itself (lsgan-tf before 0.3.0), "
            f"which no other machine reproduces: these figures are kept for the record, and `{command}` scores "
            f"the run with the classifier shipped in the package, the same on every machine." if local else "")
    return [f"Scored on {evaluation['num_samples']:,} samples at step {step:,} with "
            f"{extractor.get('name', 'no network')}"
            + (f" (SHA-256 {extractor['sha256'][:16]}...)." if extractor.get("sha256") else ".") + note, "",
            *metric_table(evaluation)]


def read_evaluation(run_dir: str) -> Optional[Dict[str, Any]]:
    """The run's evaluation.json (None when it was not evaluated)."""
    path = RunDir(run_dir).evaluation_file
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def metric_table(results: Dict[str, Any]) -> List[str]:
    """The numeric entries of an evaluation (evaluation.json's, or evaluate's scores of an
    exported file) as the lines of a Markdown table."""
    return ["| metric | value |", "|---|---:|"] + [
        f"| {name} | {value:.4g} |" for name, value in results.items()
        if isinstance(value, (int, float)) and not isinstance(value, bool) and name not in _NOT_METRICS]


SHIPPED_FILE_HEADING = "## The shipped file"


def shipped_file_section(name: str, model_file: str, scores: Dict[str, Any]) -> List[str]:
    """A shipped generator's card section: `lsgan-evaluate --pretrained=NAME`'s scores of the
    shipped file (`scores`), with the scoring network's SHA-256 and the day it was scored."""
    extractor = scores["extractor"]
    return [SHIPPED_FILE_HEADING, "",
            f"`lsgan-evaluate --pretrained={name}` draws {scores['num_samples']:,} samples (seed {scores['seed']}) "
            f"from `{model_file}` with LiteRT and scores them with the {extractor['name']} shipped in the package "
            f"(SHA-256 {extractor['sha256'][:16]}...; the same on every machine), here on "
            f"{scores['evaluated_utc'][:10]}:", "", *metric_table(scores), ""]


def draws(config: TrainConfig, class_table: Optional[ClassTable], subject: Optional[str] = None) -> str:
    """What the generator draws, in one line (the card's "Draws:" line and `lsgan-sample
    --pretrained=list`): `subject` (default: the dataset's), the image size and, for a conditional
    generator trained on some of its classes, those classes."""
    size = "x".join(map(str, config.image_shape)) if config.image_shape else "2-D points"
    line = f"{subject or config.preset.subject or config.dataset}, {size}"
    if class_table is not None:
        trained = class_table.present_subset()
        shown = trained if trained is not None else range(len(class_table))
        line += (f"; one of {len(shown):,} classes, asked for by label"
                 + (f" (of {len(class_table):,} label codes)" if trained is not None else "")
                 + f": {''.join(class_table.characters[i] for i in list(shown)[:12])}"
                 + ("..." if len(shown) > 12 else ""))
    return line


def _architecture(config: TrainConfig) -> str:
    """The architecture's name, the function that builds it in the installed package and the
    first line of that function's docstring (the paper's table)."""
    builder = ARCHITECTURES[config.arch]
    summary = (builder.__doc__ or "").strip().splitlines()[0].rstrip(".") if builder.__doc__ else ""
    return f"`{config.arch}` (`{builder.__module__}.{builder.__name__}`: {summary})"


def model_card(config: TrainConfig, record: Dict[str, Any], step: int, parameters: int, files: List[str], *,
               run_dir: str, num_classes: Optional[int] = None, class_table: Optional[ClassTable] = None,
               evaluation: Optional[Dict[str, Any]] = None, data_source: Optional[str] = None,
               subject: Optional[str] = None) -> str:
    """The MODEL_CARD.md text of the generator of `run_dir` at `step`: `evaluation` is the run's
    evaluation.json (None: not evaluated), `class_table` a conditional run's class table,
    `data_source` what the run's --data_dir held (default: the folder's path) and `subject` what
    its images show (default: the dataset's)."""
    preset = config.preset
    a, b, c = CODINGS[config.coding]
    family = {"lsgan": f"LSGAN, coding {config.coding} (a={a:g}, b={b:g}, c={c:g}; TPAMI Eq. 13/14)",
              "nsgan": "NS-GAN (the papers' baseline)", "lsgan_gp": "LSGAN-GP (TPAMI §4.3.2)",
              "wgan_gp": "WGAN-GP"}.get(config.loss, config.loss)
    versions = record.get("versions", {})
    started = [entry.get("started") for entry in record.get("history", []) if entry.get("started")]
    classes = f"; {num_classes:,} label codes (conditional: a label in, that class out)" if num_classes else ""
    trained = class_table.present_subset() if class_table is not None else None
    if trained:
        classes += (f". Only {len(trained):,} of them had training data, and only these are drawn "
                    f"(lsgan-sample refuses the others): {''.join(class_table.characters[i] for i in trained)}")
    source = data_source or config.data_dir or config.tfds_name or _MADE_HERE
    options = ", ".join(config.arch_option) or "none"
    lines = [
        f"# Model card: {config.arch} generator, {config.loss} on {config.dataset}",
        "",
        f"{DRAWS_PREFIX}{draws(config, class_table, subject)}",
        "",
        "## Files",
        "",
        *[f"- `{name}`" for name in files],
        "",
        "## Data",
        "",
        f"`--dataset={config.dataset}`: {preset.notes} Source: {source}. "
        f"Images {'x'.join(map(str, config.image_shape))}, pixels in {list(config.pixel_range)}{classes}.",
        "",
        "## Network and objective",
        "",
        f"- Architecture {_architecture(config)}; options: {options}; generator parameters: {parameters:,}.",
        f"- z: {config.z_dim} numbers drawn from {DISTRIBUTION_NAMES[config.noise]}.",
        f"- Loss: {family}, {config.reduction} reduction.",
        f"- Optimiser: {config.optimizer}, lr {config.lr:g} (D) / {config.g_lr:g} (G), betas {config.beta_1:g}, "
        f"{config.beta_2:g}, epsilon {config.epsilon:g}; batch {config.batch_size}; seed {config.seed}.",
        "",
        "## Training",
        "",
        f"- Steps: {step:,} (of {config.steps:,} asked); started {', '.join(started) or 'unknown'}.",
        f"- Software: lsgan_tf {versions.get('lsgan_tf', 'unknown')}, "
        f"TensorFlow {versions.get('tensorflow', 'unknown')}, Keras {versions.get('keras', 'unknown')}"
        + (f", commit {record['git_commit']}" if record.get("git_commit") else "") + ".",
        f"- Command: `{training_command(config)}`",
        "",
        "## Evaluation",
        "",
        *_evaluation(evaluation, step, run_dir),
        "",
        "## Intended use and limits",
        "",
        "- For studying and demonstrating the LSGAN papers' experiments: sampling, interpolation, "
        "comparison with the papers' figures and with other GAN losses.",
        f"- It draws only what {config.dataset} holds, at {'x'.join(map(str, config.image_shape[:2]))} pixels; "
        "samples are not data and carry no labels beyond the class asked for.",
        "- The checkpoint is the run's step, not one picked by looking at samples, which the papers "
        "advise (TPAMI §4.5): quality can drift between checkpoints.",
        "- Not for identifying, classifying or judging people or handwriting; no content filter is applied.",
        "",
    ]
    return as_the_user_runs_them("\n".join(lines))
