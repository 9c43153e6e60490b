"""HWDB at real scale: the class-table scan, the raw .gnt reader, the TFRecord converter and the
prepared-records reader on a folder of `.gnt` files (e.g. the 1.1M-sample synthetic set), each
with its time, throughput and peak memory, against what conditional training consumes.

  .venv/bin/python data_prep/hwdb_synthetic.py --out=DATA --classes=all --per_class=300
  .venv/bin/python -m bench.hwdb_scale --data_dir=DATA --prepared=PREPARED_OUT [--train_img_s=20]

Readers are timed through `make_dataset` exactly as train.py builds it (conditional, batch 64,
shuffled) after 20 warm-up batches. Each stage runs in a process of its own, so its peak
resident memory (ru_maxrss) is its own. `--train_img_s` is the images/s conditional training
consumed in a train.py run on the same data (its steps/s x 64).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("data_dir", None, "A folder of .gnt files.", required=True)
flags.DEFINE_string("prepared", None, "Where the converter writes (must not exist); skipped when not given.")
flags.DEFINE_integer("batches", 300, "Batches of 64 timed per reader.")
flags.DEFINE_float("train_img_s", None, "Images/s conditional training consumed on this data (from train.py).")
flags.DEFINE_string("out", "bench/results/hwdb_scale.json", "Where to write the JSON results.")

STAGE = """
import json, resource, sys, time
stage, data_dir, batches = sys.argv[1], sys.argv[2], int(sys.argv[3])
from lsgan_tf import presets
from lsgan_tf.data import classes, datasets, hwdb
started = time.perf_counter()
if stage == "scan":
    table = classes.ClassTable.from_counts(hwdb.count_classes(hwdb.find_gnt_files(data_dir)))
    result = {"classes_held": len(table.present()), "samples": sum(table.counts)}
else:
    from bench.pipeline import images_per_second
    dataset = datasets.make_dataset(presets.get("hwdb"), batch_size=64, data_dir=data_dir, conditional=True, seed=0)
    result = {"img_s": images_per_second(dataset, 64, batches)}
result["seconds"] = time.perf_counter() - started
result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def stage(name: str, data_dir: str) -> dict:
    output = subprocess.run([sys.executable, "-c", STAGE, name, data_dir, str(FLAGS.batches)], capture_output=True,
                            text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def convert(data_dir: str, out: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, os.path.join("data_prep", "hwdb.py"), f"--src={data_dir}", f"--out={out}"],
                   check=True, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    with open(os.path.join(out, "dataset_info.json")) as handle:
        records = json.load(handle)["num_records"]
    size = sum(os.path.getsize(os.path.join(out, name)) for name in os.listdir(out))
    return {"seconds": elapsed, "img_s": records / elapsed, "records": records, "bytes": size,
            "peak_rss_mib": max(before.ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024}


def main(argv) -> None:
    del argv
    gnt_bytes = sum(os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(FLAGS.data_dir)
                    for name in names if name.endswith(".gnt"))
    results = {"data_dir": FLAGS.data_dir, "gnt_bytes": gnt_bytes, "scan": stage("scan", FLAGS.data_dir),
               "gnt_reader": stage("read", FLAGS.data_dir)}
    if FLAGS.prepared:
        results["converter"] = convert(FLAGS.data_dir, FLAGS.prepared)
        results["records_reader"] = stage("read", FLAGS.prepared)
    if FLAGS.train_img_s:
        results["train_img_s"] = FLAGS.train_img_s
        for reader in ("gnt_reader", "records_reader"):
            if reader in results:
                results[reader]["ratio_to_training"] = results[reader]["img_s"] / FLAGS.train_img_s
    os.makedirs(os.path.dirname(FLAGS.out) or ".", exist_ok=True)
    with open(FLAGS.out, "w") as handle:
        json.dump(results, handle, indent=2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    app.run(main)
