"""Render handwriting-like GB2312-80 level-1 characters into real HWDB .gnt files.

  python data_prep/hwdb_synthetic.py --out=data/hwdb_synth --classes=all

The same as the `lsgan-prep-hwdb-synthetic` console script (lsgan_tf/cli/prep_hwdb_synthetic.py).
"""

from lsgan_tf.cli.prep_hwdb_synthetic import run

if __name__ == "__main__":
    run()
