"""The cost of metrics while training (--eval_every): the time of one evaluation at the default
--eval_samples, against the training time of the default interval, per dataset.

  .venv/bin/python -m bench.eval_cost --datasets=digits,mixture --steps=200

For each dataset one run trains `--steps` steps with evaluation off (its steps/s), then one
evaluation of the trained model is timed twice: the first makes the scorer (classifier, real data
and its features, once per run), the second is what every later interval costs. The overhead at
the default interval is (later evaluation) / (default interval x step time); the first one's
extra is paid once per run. A direct A/B checks the model: the same steps with an evaluation
every `--ab_every` steps against none, in the same process, alternating.
"""

from __future__ import annotations

import json
import os
import tempfile
import time

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_list("datasets", ["digits", "mixture"], "Presets to measure (no --data_dir needed).")
flags.DEFINE_integer("steps", 200, "Training steps timed per run.")
flags.DEFINE_integer("ab_every", 100, "Evaluation interval of the direct A/B.")
flags.DEFINE_integer("rounds", 2, "A/B rounds (each: one run with, one without evaluation).")
flags.DEFINE_string("out", "bench/results/eval_cost.json", "Output JSON.")


def timed_run(dataset: str, steps: int, eval_every: int, folder: str):
    """(seconds of `train`, the result) for a fresh run of `steps` steps."""
    from lsgan_tf.config import TrainConfig
    from lsgan_tf.training.loop import train

    config = TrainConfig(dataset=dataset, steps=steps, eval_every=eval_every, log_every=steps, sample_every=steps,
                         checkpoint_every=steps, out_dir=folder)
    started = time.perf_counter()
    result = train(config, log=lambda line: None)
    return time.perf_counter() - started, result


def measure(dataset: str) -> dict:
    from lsgan_tf.config import TrainConfig
    from lsgan_tf.runs import RunDir
    from lsgan_tf.training.metrics_log import MetricsLog

    default = TrainConfig()
    with tempfile.TemporaryDirectory() as scratch:
        seconds, result = timed_run(dataset, FLAGS.steps, 0, os.path.join(scratch, "plain"))
        step_time = seconds / FLAGS.steps
        config = TrainConfig(dataset=dataset, out_dir=os.path.join(scratch, "plain")).resolve()
        log = MetricsLog(RunDir(config.out_dir), config, None, None, FLAGS.steps, lambda: None, lambda line: None,
                         print)
        log.set_model(result["model"])
        evaluations = []
        for _ in range(2):
            started = time.perf_counter()
            log.evaluate(FLAGS.steps)
            evaluations.append(time.perf_counter() - started)
        ab = {"with": [], "without": []}
        for round_ in range(FLAGS.rounds):
            for name, every in (("with", FLAGS.ab_every), ("without", 0)):
                ab[name].append(timed_run(dataset, 2 * FLAGS.ab_every, every,
                                          os.path.join(scratch, f"{name}{round_}"))[0])
    later = evaluations[1]
    return {
        "dataset": dataset, "eval_samples": default.eval_samples, "eval_every": default.eval_every,
        "step_seconds": round(step_time, 4), "first_evaluation_seconds": round(evaluations[0], 2),
        "later_evaluation_seconds": round(later, 2),
        "overhead_at_default_interval": round(later / (default.eval_every * step_time), 4),
        "first_evaluation_extra_share_of_default_interval": round((evaluations[0] - later) / (default.eval_every * step_time), 4),
        f"ab_{2 * FLAGS.ab_every}_steps_seconds": {name: [round(value, 2) for value in values] for name, values in ab.items()},
        "ab_ratio_median": round(sorted(ab["with"])[len(ab["with"]) // 2] / sorted(ab["without"])[len(ab["without"]) // 2], 3),
    }


def main(argv) -> None:
    del argv
    rows = [measure(dataset) for dataset in FLAGS.datasets]
    for row in rows:
        print(json.dumps(row))
    os.makedirs(os.path.dirname(FLAGS.out), exist_ok=True)
    with open(FLAGS.out, "w") as handle:
        json.dump({"command": "python -m bench.eval_cost " + " ".join(f"--{name}={FLAGS[name].value}" for name in
                                                                       ("datasets", "steps", "ab_every", "rounds")),
                   "date": time.strftime("%Y-%m-%d"), "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    app.run(main)
