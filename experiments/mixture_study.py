"""TPAMI Table 4: how many of N runs on the 2-D Gaussian mixture ever collapse to one or two modes.

  .venv/bin/python experiments/mixture_study.py --losses=lsgan,nsgan --seeds=10 --steps=35000 \\
      --eval_every=5000 --out=experiments/results/mixture

For each loss the seeds train together as one vectorised program (lsgan_tf/mixture_ensemble.py)
with the paper's settings; every --eval_every steps each seed's samples are scored
(lsgan_tf/evaluation/modes.py). Writes results.json, table.md and a Fig. 8-style grid of
sample plots (rows: seeds, columns: evaluation steps) per loss. Also measures the speed-up of
the vectorised program over training the seeds one after another with the GAN model.
"""

from __future__ import annotations

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_list("losses", ["lsgan", "nsgan"], "Loss families to compare.")
flags.DEFINE_integer("seeds", 10, "Independent runs per loss (the paper: 100).")
flags.DEFINE_integer("steps", 35000, "Training iterations (the paper: 35,000).")
flags.DEFINE_integer("eval_every", 5000, "Evaluate (and plot) every N steps (the paper: 5,000).")
flags.DEFINE_integer("speed_steps", 200, "Steps timed for the vectorised vs sequential comparison (0: skip).")
flags.DEFINE_string("out", "experiments/results/mixture", "Output folder.")


def plot_grid(samples_by_step, path, title):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    from lsgan_tf.data.mixture import mixture_centers

    steps = sorted(samples_by_step)
    seeds = min(5, samples_by_step[steps[0]].shape[0])
    figure, axes = pyplot.subplots(seeds, len(steps), figsize=(1.8 * len(steps), 1.8 * seeds), squeeze=False)
    centers = mixture_centers()
    for column, step in enumerate(steps):
        for row in range(seeds):
            axis = axes[row][column]
            points = samples_by_step[step][row]
            axis.hist2d(points[:, 0], points[:, 1], bins=80, range=[[-1.5, 1.5], [-1.5, 1.5]], cmap="Greens")
            axis.scatter(centers[:, 0], centers[:, 1], s=4, c="red")
            axis.set_xticks([])
            axis.set_yticks([])
            if row == 0:
                axis.set_title(f"step {step}", fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    pyplot.close(figure)


def speed_comparison(steps: int, seeds: int) -> dict:
    """Seconds per step: the ensemble of `seeds` vs one GAN model (x seeds, sequentially)."""
    import keras
    import tensorflow as tf

    from lsgan_tf import architectures
    from lsgan_tf.data.mixture import mixture_dataset
    from lsgan_tf.gan import GAN
    from lsgan_tf.mixture_ensemble import MixtureEnsemble, sample_real

    ensemble = MixtureEnsemble(range(seeds))
    ensemble.train(0, 10)
    started = time.perf_counter()
    ensemble.train(10, steps)
    float(ensemble.g_weights[0].numpy()[0, 0, 0])
    vectorised = (time.perf_counter() - started) / steps
    generator, discriminator = architectures.build("mixture")
    model = GAN(generator, discriminator, seed=0)
    model.compile(keras.optimizers.Adam(1e-4, beta_1=0.5, epsilon=1e-8), keras.optimizers.Adam(1e-3, beta_1=0.5, epsilon=1e-8),
                  loss="lsgan", coding="011", simultaneous_updates=True)
    dataset = mixture_dataset(512, seed=0)
    model.fit(dataset, steps_per_epoch=10, epochs=1, verbose=0)
    started = time.perf_counter()
    model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
    single = (time.perf_counter() - started) / steps
    del tf
    return {"seeds": seeds, "vectorised_s_per_step": vectorised, "single_model_s_per_step": single,
            "sequential_s_per_step": single * seeds, "speedup": single * seeds / vectorised}


PAPER = {"lsgan": "5/100", "nsgan": "99/100"}


def write_outputs(results: dict) -> None:
    """results.json and table.md, rewritten after every evaluation (a cut-off run keeps its data)."""
    with open(os.path.join(FLAGS.out, "results.json"), "w") as handle:
        json.dump(results, handle, indent=2)
    lines = ["| loss | steps reached | runs that ever collapse to 1-2 modes | final mean modes covered (of 8) | "
             "final high-quality fraction | paper (Table 4) |", "|---|---|---|---|---|---|"]
    for loss, record in results["losses"].items():
        lines.append(f"| {loss} | {record['steps_reached']} | {record['ever_collapsed']}/{FLAGS.seeds} | "
                     f"{record['final_mean_modes_covered']:.2f} | {record['final_mean_high_quality']:.3f} | "
                     f"{PAPER.get(loss, '-')} |")
    with open(os.path.join(FLAGS.out, "table.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


def main(argv) -> None:
    del argv
    from lsgan_tf.mixture_ensemble import MixtureEnsemble

    os.makedirs(FLAGS.out, exist_ok=True)
    results = {"command": " ".join(sys.argv), "seeds": FLAGS.seeds, "steps": FLAGS.steps,
               "eval_every": FLAGS.eval_every, "losses": {}}
    if FLAGS.speed_steps:
        results["speed"] = speed_comparison(FLAGS.speed_steps, FLAGS.seeds)
        print(f"speed: {results['speed']}", flush=True)
    for loss in FLAGS.losses:
        started = time.time()
        seeds = list(range(FLAGS.seeds))
        ensemble = MixtureEnsemble(seeds, loss=loss)
        history, samples = [], {}
        chunk = min(FLAGS.eval_every, 500)
        for start in range(0, FLAGS.steps, chunk):
            count = min(chunk, FLAGS.steps - start)
            ensemble.train(start, count)
            step = start + count
            if step % FLAGS.eval_every == 0 or step == FLAGS.steps:
                stats = ensemble.evaluate(seed=step)
                samples[step] = ensemble.samples(seed=step)
                history.append({"step": step, "per_seed": stats})
                collapsed_now = sum(s["collapsed"] for s in stats)
                print(f"{loss} step {step}: collapsed now {collapsed_now}/{len(seeds)}, "
                      f"mean modes covered {np.mean([s['modes_covered'] for s in stats]):.2f}, "
                      f"mean high-quality {np.mean([s['high_quality_fraction'] for s in stats]):.3f} "
                      f"({time.time() - started:.0f} s)", flush=True)
                ever = [any(h["per_seed"][k]["collapsed"] for h in history) for k in range(len(seeds))]
                results["losses"][loss] = {
                    "steps_reached": step,
                    "ever_collapsed": int(sum(ever)),
                    "final_mean_modes_covered": float(np.mean([s["modes_covered"] for s in stats])),
                    "final_mean_high_quality": float(np.mean([s["high_quality_fraction"] for s in stats])),
                    "wall_seconds": time.time() - started,
                    "history": history,
                }
                write_outputs(results)
                plot_grid(samples, os.path.join(FLAGS.out, f"samples_{loss}.png"), f"{loss}: generated density over steps")
    with open(os.path.join(FLAGS.out, "table.md")) as handle:
        print(handle.read())


if __name__ == "__main__":
    app.run(main)
