"""Convert an LSUN category LMDB (WebP values) or a folder of exported images into sharded
TFRecords of square images.

  python data_prep/lsun.py --src=bedroom_train_lmdb --out=data/lsun_bedroom_112 --size=112

The same as the `lsgan-prep-lsun` console script (lsgan_tf/cli/prep_lsun.py).
"""

from lsgan_tf.cli.prep_lsun import run

if __name__ == "__main__":
    run()
