"""The --verbose flag of the entry points that start TensorFlow (lsgan_tf.utils.quiet reads it
from the command line, before absl parses it)."""

from absl import flags

from lsgan_tf.utils.quiet import VERBOSE_ENV

flags.DEFINE_boolean("verbose", False, f"Show TensorFlow's C++ start-up lines (also: {VERBOSE_ENV}=1).")
