"""Convert HWDB1.0 .gnt files into sharded TFRecords of 28x28 characters with integer labels.

  python data_prep/hwdb.py --src=DIR_WITH_GNT --out=data/hwdb1

Writes classes.tsv (index, character, GB code, count; sorted by GB code, so the class ids
do not depend on file order) and dataset_info.json beside the shards.

The same as the `lsgan-prep-hwdb` console script (lsgan_tf/cli/prep_hwdb.py).
"""

from lsgan_tf.cli.prep_hwdb import run

if __name__ == "__main__":
    run()
