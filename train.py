"""Train an LSGAN (or its NS-GAN / LSGAN-GP / WGAN-GP baselines) with the papers' settings.

  python train.py                                  # Table 5 digits, the paper's 50,001 steps
  python train.py --dataset=digits_rotate --loss=nsgan
  python train.py --dataset=hwdb --conditional --data_dir=DIR_OF_GNT_FILES

Every flag left out is taken from the dataset's preset (lsgan_tf/presets.py).

The same as the `lsgan-train` console script (lsgan_tf/cli/train.py).
"""

from lsgan_tf.cli.train import run

if __name__ == "__main__":
    run()
