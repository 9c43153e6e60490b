"""`export_run`: a training run's generator -> SavedModel (TF Serving layout) + TFLite + README + model card."""

from __future__ import annotations

import json
import os
from typing import Callable, List, Optional, Sequence

from lsgan_tf.errors import ExportError, RunError
from lsgan_tf.export.model_card import model_card, read_evaluation
from lsgan_tf.export.serving import (
    DEFAULT_MAX_SAMPLE,
    QUANTIZATIONS,
    TFLITE_NAMES,
    GeneratorModule,
    convert_tflite,
    save_saved_model,
    tflite_metadata,
)
from lsgan_tf.gan import global_step
from lsgan_tf.noise import DISTRIBUTION_NAMES
from lsgan_tf.runs import RunDir
from lsgan_tf.training.build import restore_model
from lsgan_tf.utils.atomic import write_bytes, write_json
from lsgan_tf.utils.commands import as_the_user_runs_them

FORMATS = ("saved_model", "tflite")


def example_requests(z_dim: int, num_classes: Optional[int]) -> dict:
    """JSON bodies for TF Serving's REST API: one for serving_default, one for sample."""
    default = {"signature_name": "serving_default", "instances": [{"z": [0.0] * z_dim}]}
    sample = {"signature_name": "sample", "inputs": {"seed": 7, "num": 4}}
    if num_classes is not None:
        default["instances"][0]["labels"] = 0
        sample["inputs"]["labels"] = [0, 1 % num_classes, 2 % num_classes, 3 % num_classes]
    return {"serving_default": default, "sample": sample}


def readme_text(name: str, z_dim: int, num_classes: Optional[int], version: int, tflite_batch: int,
                shape: Sequence[int], pixel_range: Sequence[float], noise: str, max_sample: int) -> str:
    """The README.txt of an export: layout, signatures, TF Serving commands, on-device use (the
    sampling command named as the user runs the project's commands)."""
    requests = example_requests(z_dim, num_classes)
    labels = "" if num_classes is None else f" and labels (int32 [N], 0..{num_classes - 1})"
    sample_labels = " and labels (int32 [num])" if num_classes else ""
    return as_the_user_runs_them(f"""lsgan_tf export of a {name} generator
====================================

saved_model/{version}/   TF Serving model base path layout (numbered version folder)
  signature serving_default: z (float32 [N, {z_dim}]){labels}
                             -> images (float32 [N, {', '.join(map(str, shape))}], range {list(pixel_range)}),
                                images_uint8 (uint8 0-255)
  signature sample:          seed (int64 scalar), num (int32 scalar, 1..{max_sample}){sample_labels}
                             -> the same outputs, z drawn in the graph from the seed;
                             a num outside 1..{max_sample} is rejected before anything is allocated
tflite/                  generator.tflite (float32), generator_float16.tflite, generator_dynamic.tflite,
                         static batch {tflite_batch}; metadata.json lists inputs, outputs and ranges

Serve with TF Serving (REST on 8501, gRPC on 8500):

  docker run --rm -p 8501:8501 -p 8500:8500 \\
    -v "$PWD/saved_model:/models/generator" -e MODEL_NAME=generator tensorflow/serving

  curl -s -X POST http://localhost:8501/v1/models/generator:predict \\
    -d '{json.dumps(requests["serving_default"])}'

  curl -s -X POST http://localhost:8501/v1/models/generator:predict \\
    -d '{json.dumps(requests["sample"])}'

  (the first body sends one z of zeros; real clients send z ~ {DISTRIBUTION_NAMES[noise]} of width {z_dim}.)

Sample on a phone or any machine without TensorFlow (LiteRT):

  python sample.py --model=tflite/generator.tflite --num=16 --out=grid.png

or in an app: load tflite/generator.tflite with the LiteRT interpreter, feed "z"{' and "labels"' if num_classes else ''}
with the shapes in tflite/metadata.json, read "images_uint8".
""")


def export_run(
    run_dir: str,
    out: str,
    *,
    checkpoint: Optional[str] = None,
    version: int = 1,
    formats: Sequence[str] = FORMATS,
    tflite_batch: int = 1,
    quantize: Sequence[str] = QUANTIZATIONS,
    ema: str = "auto",
    max_sample: int = DEFAULT_MAX_SAMPLE,
    log: Callable[[str], None] = lambda line: None,
) -> List[str]:
    """Exports the run's generator; returns the paths written, and tells `log` of each as it is
    written (a large generator's TFLite conversions take a while)."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ExportError(f"--formats: unknown {unknown}; expected any of {list(FORMATS)}.")
    bad_quantize = [q for q in quantize if q not in QUANTIZATIONS]
    if bad_quantize:
        raise ExportError(f"--quantize: unknown {bad_quantize}; expected any of {list(QUANTIZATIONS)}.")
    if tflite_batch < 1 or version < 1 or max_sample < 1:
        raise ExportError("--tflite_batch, --version and --max_sample must be positive integers.")
    try:
        model, config, record = restore_model(run_dir, checkpoint, precision="float32")  # a mixed-precision run too
    except RunError as error:
        raise ExportError(str(error)) from None
    if ema == "true" and model.ema_generator is None:
        raise ExportError(f"--ema=true but {run_dir} was trained without --ema.")
    generator = model.generator if ema == "false" else model.sampling_generator
    num_classes = model.num_classes if config.conditional else None
    if len(generator.output.shape) != 4:
        raise ExportError(f"{config.arch} generates 2-D points, not images; there is nothing to serve as images.")
    shape = list(generator.output.shape[1:])
    pixel_range = config.pixel_range
    written: List[str] = []

    def wrote(*paths: str) -> None:
        for path in paths:
            written.append(path)
            log(f"wrote {path}")

    log(f"exporting the {config.arch} generator of {run_dir} at step {global_step(model):,} to {out}")
    os.makedirs(out, exist_ok=True)
    table = RunDir(run_dir).class_table() if config.conditional else None
    names = table.characters if table is not None else None
    trained = table.present_subset() if table is not None else None
    if "saved_model" in formats:
        module = GeneratorModule(generator, model.z_dim, pixel_range, model.noise, num_classes, max_sample=max_sample)
        metadata = tflite_metadata(module, None, shape, names, trained, config.dataset)
        wrote(save_saved_model(module, os.path.join(out, "saved_model", str(version)), metadata))
    if "tflite" in formats:
        directory = os.path.join(out, "tflite")
        os.makedirs(directory, exist_ok=True)
        static = GeneratorModule(generator, model.z_dim, pixel_range, model.noise, num_classes,
                                 batch=tflite_batch, checks=False)
        for variant in quantize:
            path = os.path.join(directory, TFLITE_NAMES[variant])
            wrote(write_bytes(path, convert_tflite(static, variant)))
        metadata = tflite_metadata(static, tflite_batch, shape, names, trained, config.dataset)
        metadata["files"] = {variant: TFLITE_NAMES[variant] for variant in quantize}
        write_json(os.path.join(directory, "metadata.json"), metadata, indent=2, ensure_ascii=False)
        wrote(os.path.join(directory, "metadata.json"))
    readme = os.path.join(out, "README.txt")
    with open(readme, "w") as handle:
        handle.write(readme_text(config.arch, model.z_dim, num_classes, version, tflite_batch, shape, pixel_range,
                                 model.noise, max_sample))
    write_json(os.path.join(out, "example_requests.json"), example_requests(model.z_dim, num_classes),
               indent=2, ensure_ascii=False)
    wrote(readme, os.path.join(out, "example_requests.json"))
    card = os.path.join(out, "MODEL_CARD.md")
    files = sorted(os.path.relpath(path, out) for path in written if os.path.dirname(path) != out)
    files = sorted({path.split(os.sep)[0] + "/" if path.startswith("saved_model") else path for path in files})
    text = model_card(config, record, global_step(model), generator.count_params(),
                      files + ["README.txt", "example_requests.json", "MODEL_CARD.md"], run_dir=run_dir,
                      num_classes=num_classes, class_table=table, evaluation=read_evaluation(run_dir))
    wrote(write_bytes(card, text.encode("utf-8")))
    return written
