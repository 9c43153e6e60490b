"""Align and crop the cat faces (TPAMI Table 2 data) into 128x128 PNGs or TFRecords.

python data_prep/cats.py --src=DIR_WITH_CAT_FOLDERS --out=data/cats128 --size=128

The same as the `lsgan-prep-cats` console script (lsgan_tf/cli/prep_cats.py).
"""

from lsgan_tf.cli.prep_cats import run

if __name__ == "__main__":
    run()
