"""TensorFlow op errors as a user reads them."""

from __future__ import annotations

import re

import tensorflow as tf

OP_ERROR_NOISE = re.compile(r"\{\{function_node [^}]*\}\}\s*|\s*\[Op:\w+\].*$|\s*\[\[\{\{node .*$")


def op_error_text(error: tf.errors.OpError) -> str:
    """The first line of a TensorFlow op error's message without the op and node decorations."""
    return OP_ERROR_NOISE.sub("", error.message.strip().splitlines()[0]).strip()
