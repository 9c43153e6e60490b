"""Render the small-variability digit datasets of TPAMI 4.3.1 as PNG folders.

  python data_prep/digits.py --variant=shift_rotate --out=data/digits

Writes <out>/<variant>/<digit>/<i>.png, the layout of the authors' published set, so one
reader serves both (train.py --dataset=digits_rotate --data_dir=<out>/shift_rotate).

The same as the `lsgan-prep-digits` console script (lsgan_tf/cli/prep_digits.py).
"""

from lsgan_tf.cli.prep_digits import run

if __name__ == "__main__":
    run()
