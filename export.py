"""Export a trained generator for TF Serving (SavedModel) and for phones (TFLite).

  python export.py --run_dir=runs/demo --out=exported/digits

Writes DIR/saved_model/<version>/ (TF Serving's model base path layout), DIR/tflite/*.tflite
with metadata.json, and DIR/README.txt with the serving and on-device instructions.

The same as the `lsgan-export` console script (lsgan_tf/cli/export.py).
"""

from lsgan_tf.cli.export import run

if __name__ == "__main__":
    run()
