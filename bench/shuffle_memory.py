"""Peak memory and throughput of a reader's pipeline with the pixels scaled per element before
the shuffle (float32 in the buffer, the code before issue #17's follow-up) and per batch after
it (`pipeline.finalize(pixel_range=...)`, uint8 in the buffer).

  .venv/bin/python -m bench.shuffle_memory [--size=112] [--buffer=20000] [--out=bench/results/shuffle_memory.json]

Each variant runs in its own process (peak RSS is per process): a stream of uint8 size x size x 3
images (made in-graph, no files) goes through the shuffle buffer until it is full, then
--batches batches of 64 are timed. The buffer's share is the difference between the variants.
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
flags.DEFINE_integer("size", 112, "Image side (scene112 is 112, cat128 128).")
flags.DEFINE_integer("buffer", 20_000, "Shuffle buffer (the readers' SHUFFLE_BUFFER).")
flags.DEFINE_integer("batches", 200, "Batches timed once the buffer is full.")
flags.DEFINE_enum("variant", None, ["per_element", "per_batch"], "Run one variant (used by the parent process).")
flags.DEFINE_string("out", "bench/results/shuffle_memory.json", "Where to write the JSON results.")

BATCH = 64


def _run_variant(variant: str) -> dict:
    import tensorflow as tf

    from lsgan_tf.data import pipeline

    shape = (FLAGS.size, FLAGS.size, 3)
    source = tf.data.Dataset.range(FLAGS.buffer + (FLAGS.batches + 20) * BATCH).map(
        lambda i: tf.cast(tf.random.stateless_uniform(shape, (i, 0), maxval=256, dtype=tf.int32), tf.uint8))
    if variant == "per_element":
        dataset = pipeline.finalize(source.map(pipeline.scale_pixels), BATCH, shuffle_buffer=FLAGS.buffer, seed=0)
    else:
        dataset = pipeline.finalize(source, BATCH, shuffle_buffer=FLAGS.buffer, seed=0, pixel_range=(-1.0, 1.0))
    iterator = iter(dataset)
    for _ in range(20):  # the first batch waits for the full buffer
        next(iterator)
    started = time.perf_counter()
    for _ in range(FLAGS.batches):
        next(iterator)
    seconds = time.perf_counter() - started
    return {"variant": variant, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "images_per_second": FLAGS.batches * BATCH / seconds}


def main(argv) -> None:
    del argv
    if FLAGS.variant:
        print(json.dumps(_run_variant(FLAGS.variant)))
        return
    results = []
    for variant in ("per_element", "per_batch"):
        command = [sys.executable, "-m", "bench.shuffle_memory", f"--variant={variant}", f"--size={FLAGS.size}",
                   f"--buffer={FLAGS.buffer}", f"--batches={FLAGS.batches}"]
        output = subprocess.run(command, capture_output=True, text=True, check=True,
                                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
        print(results[-1], flush=True)
    report = {"command": " ".join(sys.argv), "image_shape": [FLAGS.size, FLAGS.size, 3], "buffer": FLAGS.buffer,
              "results": results,
              "buffer_float32_mib": FLAGS.buffer * FLAGS.size ** 2 * 3 * 4 / 2 ** 20,
              "buffer_uint8_mib": FLAGS.buffer * FLAGS.size ** 2 * 3 / 2 ** 20}
    os.makedirs(os.path.dirname(FLAGS.out), exist_ok=True)
    with open(FLAGS.out, "w") as handle:
        json.dump(report, handle, indent=2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    app.run(main)
