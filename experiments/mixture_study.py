"""TPAMI Table 4: how many of N runs on the 2-D Gaussian mixture ever collapse to one or two modes.

  .venv/bin/python experiments/mixture_study.py --losses=lsgan,nsgan --seeds=10 --steps=35000 \\
      --eval_every=5000 --out=experiments/results/mixture

For each loss the seeds train together as one vectorised program (experiments/study_lib/mixture_ensemble.py)
with the paper's settings; every --eval_every steps each seed's samples are scored
(lsgan_tf/evaluation/modes.py) and kept in samples_<loss>.npz. Writes results.json, table.md
and per loss two grids (rows: seeds, columns: evaluation steps): samples_<loss>.png, a
2-D histogram, and density_<loss>.png, a Gaussian kernel density estimate drawn as the
paper's Fig. 8 is. Also measures the speed-up of the vectorised program over training the
seeds one after another with the GAN model.

  --rescore: score and plot the samples_<loss>.npz already in --out again, without training
  (after a change of the metric).
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
from absl import app, flags

from lsgan_tf import presets
from lsgan_tf.utils import quiet
from lsgan_tf.utils.atomic import atomic_path

MIXTURE = presets.get("mixture")
FLAGS = flags.FLAGS
flags.DEFINE_list("losses", ["lsgan", "nsgan"], "Loss families to compare.")
flags.DEFINE_integer("seeds", 10, "Independent runs per loss (the paper: 100).")
flags.DEFINE_integer("steps", MIXTURE.steps, "Training iterations (the paper: 35,000).")
flags.DEFINE_integer("eval_every", 5000, "Evaluate (and plot) every N steps (the paper: 5,000).")
flags.DEFINE_integer("speed_steps", 200, "Steps timed for the vectorised vs sequential comparison (0: skip).")
flags.DEFINE_string("out", "experiments/results/mixture", "Output folder.")
flags.DEFINE_bool("rescore", False, "Score the samples_<loss>.npz in --out again instead of training.")

GRID_SEEDS = 5  # rows of the sample grids
PLOT_RANGE = [[-1.5, 1.5], [-1.5, 1.5]]


def plot_grid(samples_by_step, path, title, kind="histogram"):
    """Rows: the first seeds; columns: evaluation steps. kind="histogram": a 2-D histogram of the
    samples; kind="kde": a Gaussian kernel density estimate (scipy, Scott's bandwidth) drawn as
    filled contours, the way the paper's Fig. 8 shows the generated density."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from scipy.stats import gaussian_kde

    from lsgan_tf.data.mixture import mixture_centers
    from study_lib.mixture_ensemble import sample_real

    steps = sorted(samples_by_step)
    seeds, count = samples_by_step[steps[0]].shape[:2]
    seeds = min(GRID_SEEDS, seeds)
    columns = {f"step {step}": samples_by_step[step] for step in steps}
    columns["data"] = sample_real(np.random.default_rng(0), seeds, count)  # the paper's last column
    figure, axes = pyplot.subplots(seeds, len(columns), figsize=(1.8 * len(columns), 1.8 * seeds + 0.4), squeeze=False)
    centers = mixture_centers()
    grid = np.mgrid[-1.5:1.5:120j, -1.5:1.5:120j]
    for column, (heading, samples) in enumerate(columns.items()):
        for row in range(seeds):
            axis = axes[row][column]
            points = samples[row]
            if kind == "kde":
                inside = points[(np.abs(points) <= 3).all(axis=1)]
                if len(inside) > 2 and np.linalg.matrix_rank(np.cov(inside.T)) == 2:
                    density = gaussian_kde(inside.T)(grid.reshape(2, -1)).reshape(grid.shape[1:])
                    axis.contourf(grid[0], grid[1], density, levels=20, cmap="Greens")
                axis.set_xlim(*PLOT_RANGE[0])
                axis.set_ylim(*PLOT_RANGE[1])
            else:
                axis.hist2d(points[:, 0], points[:, 1], bins=80, range=PLOT_RANGE, cmap="Greens")
            axis.scatter(centers[:, 0], centers[:, 1], s=4, c="red")
            axis.set_xticks([])
            axis.set_yticks([])
            axis.set_aspect("equal")
            if row == 0:
                axis.set_title(heading, fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    pyplot.close(figure)


def speed_comparison(steps: int, seeds: int) -> dict:
    """Seconds per step: the ensemble of `seeds` vs one GAN model (x seeds, sequentially)."""
    import tensorflow as tf

    from lsgan_tf import architectures
    from lsgan_tf.data.mixture import mixture_dataset
    from lsgan_tf.gan import GAN
    from lsgan_tf.training.build import make_optimizer
    from study_lib.mixture_ensemble import MixtureEnsemble

    ensemble = MixtureEnsemble(range(seeds))
    ensemble.train(0, 10)
    started = time.perf_counter()
    ensemble.train(10, steps)
    float(ensemble.g_weights[0].numpy()[0, 0, 0])
    vectorised = (time.perf_counter() - started) / steps
    generator, discriminator = architectures.build("mixture")
    model = GAN(generator, discriminator, seed=0)
    model.compile(make_optimizer("adam", MIXTURE.lr, MIXTURE), make_optimizer("adam", MIXTURE.generator_lr, MIXTURE),
                  objective="lsgan", coding=MIXTURE.coding, simultaneous_updates=True)
    dataset = mixture_dataset(MIXTURE.batch_size, seed=0)
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
    lines = ["| loss | steps reached | runs that ever collapse to 1-2 modes | runs ever concentrated (>= half the samples on 2 small spots) | "
             "final mean modes covered (of 8) | final high-quality fraction | paper (Table 4) |",
             "|---|---|---|---|---|---|---|"]
    for loss, record in results["losses"].items():
        lines.append(f"| {loss} | {record['steps_reached']} | {record['ever_collapsed']}/{results['seeds']} | "
                     f"{record['ever_concentrated']}/{results['seeds']} | {record['final_mean_modes_covered']:.2f} | "
                     f"{record['final_mean_high_quality']:.3f} | {PAPER.get(loss, '-')} |")
    with open(os.path.join(FLAGS.out, "table.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


def score(samples: dict, wall_seconds: float) -> dict:
    """The study's record of one loss from its samples ({step: (seeds, n, 2)}): per-seed mode
    statistics at every step, and how many seeds ever collapse / are ever concentrated."""
    from lsgan_tf.data.mixture import STD, mixture_centers
    from lsgan_tf.evaluation.modes import mode_statistics

    history = [{"step": step, "per_seed": [mode_statistics(points, mixture_centers(), STD) for points in samples[step]]}
               for step in sorted(samples)]
    seeds = range(len(history[-1]["per_seed"]))
    last = history[-1]["per_seed"]
    return {
        "steps_reached": history[-1]["step"],
        "ever_collapsed": sum(any(h["per_seed"][k]["collapsed"] for h in history) for k in seeds),
        "ever_concentrated": sum(any(h["per_seed"][k]["concentrated"] for h in history) for k in seeds),
        "final_mean_modes_covered": float(np.mean([s["modes_covered"] for s in last])),
        "final_mean_high_quality": float(np.mean([s["high_quality_fraction"] for s in last])),
        "wall_seconds": wall_seconds,
        "history": history,
    }


def save_and_plot(loss: str, samples: dict) -> None:
    """samples_<loss>.npz (through a temporary name) and the two grids of the loss."""
    path = os.path.join(FLAGS.out, f"samples_{loss}.npz")
    with atomic_path(path, ".npz") as temporary:
        np.savez_compressed(temporary, **{f"step_{step}": points for step, points in samples.items()})
    plot_grid(samples, os.path.join(FLAGS.out, f"samples_{loss}.png"), f"{loss}: generated samples over steps")
    plot_grid(samples, os.path.join(FLAGS.out, f"density_{loss}.png"), f"{loss}: kernel density estimate over steps", kind="kde")


def load_samples(loss: str) -> dict:
    with np.load(os.path.join(FLAGS.out, f"samples_{loss}.npz")) as saved:
        return {int(name[len("step_"):]): saved[name] for name in saved.files}


def train_and_score(loss: str, results: dict) -> None:
    from study_lib.mixture_ensemble import MixtureEnsemble

    started = time.time()
    ensemble = MixtureEnsemble(list(range(FLAGS.seeds)), loss=loss)
    samples = {}
    chunk = min(FLAGS.eval_every, 500)
    for start in range(0, FLAGS.steps, chunk):
        count = min(chunk, FLAGS.steps - start)
        ensemble.train(start, count)
        step = start + count
        if step % FLAGS.eval_every == 0 or step == FLAGS.steps:
            samples[step] = ensemble.samples(seed=step)
            record = results["losses"][loss] = score(samples, time.time() - started)
            stats = record["history"][-1]["per_seed"]
            print(f"{loss} step {step}: collapsed now {sum(s['collapsed'] for s in stats)}/{FLAGS.seeds}, "
                  f"concentrated now {sum(s['concentrated'] for s in stats)}/{FLAGS.seeds}, "
                  f"mean modes covered {record['final_mean_modes_covered']:.2f}, "
                  f"mean high-quality {record['final_mean_high_quality']:.3f} ({time.time() - started:.0f} s)", flush=True)
            write_outputs(results)
            save_and_plot(loss, samples)


def main(argv) -> None:
    del argv
    quiet.quiet_tensorflow_startup()
    os.makedirs(FLAGS.out, exist_ok=True)
    if FLAGS.rescore:
        with open(os.path.join(FLAGS.out, "results.json")) as handle:
            results = json.load(handle)
        results["rescored_with"] = " ".join(sys.argv)
        for loss in FLAGS.losses:
            samples = load_samples(loss)
            results["losses"][loss] = score(samples, results["losses"].get(loss, {}).get("wall_seconds", 0.0))
            save_and_plot(loss, samples)
        write_outputs(results)
    else:
        results = {"command": " ".join(sys.argv), "seeds": FLAGS.seeds, "steps": FLAGS.steps,
                   "eval_every": FLAGS.eval_every, "losses": {}}
        if FLAGS.speed_steps:
            results["speed"] = speed_comparison(FLAGS.speed_steps, FLAGS.seeds)
            print(f"speed: {results['speed']}", flush=True)
        for loss in FLAGS.losses:
            train_and_score(loss, results)
    with open(os.path.join(FLAGS.out, "table.md")) as handle:
        print(handle.read())


if __name__ == "__main__":
    app.run(main)
