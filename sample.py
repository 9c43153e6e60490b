"""Sample images from an exported generator into a PNG grid.

  python sample.py --model=exported/digits/tflite/generator.tflite --num=64 --out=grid.png
  python sample.py --model=exported/hwdb/saved_model/1 --labels=中,国 --out=grid.png

A .tflite model runs with the LiteRT interpreter (ai_edge_litert) alone: TensorFlow is never
imported on that path, as on a phone. A SavedModel folder is run with TensorFlow through
its `sample` signature.

The same as the `lsgan-sample` console script (lsgan_tf/cli/sample.py).
"""

from lsgan_tf.cli.sample import run

if __name__ == "__main__":
    run()
