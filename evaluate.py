"""Evaluate a training run: samples from its generator, scored with the papers' metrics.

  python evaluate.py --run_dir=runs/demo                              # digits: classifier coverage, FD-digits
  python evaluate.py --run_dir=runs/mixture                           # mixture: modes covered, quality, collapse
  python evaluate.py --run_dir=runs/cats --inception_weights=PATH     # images: FID, KID, Inception Score

Writes <run_dir>/evaluation.json (or --out) and prints a table.

The same as the `lsgan-evaluate` console script (lsgan_tf/cli/evaluate.py).
"""

from lsgan_tf.cli.evaluate import run

if __name__ == "__main__":
    run()
