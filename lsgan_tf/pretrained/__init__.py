"""Generators trained by this project and shipped inside the package, one folder per name: the
float16 TFLite file, its metadata.json and its MODEL_CARD.md (`lsgan-sample --pretrained=NAME`).

Standard library only: sampling a shipped generator needs LiteRT, numpy and Pillow, never TensorFlow.
"""

from __future__ import annotations

import os
from typing import List

FOLDER = os.path.dirname(os.path.abspath(__file__))
MODEL_FILE = "generator_float16.tflite"
CARD_FILE = "MODEL_CARD.md"


def names() -> List[str]:
    """The names of the shipped generators, sorted."""
    return sorted(entry for entry in os.listdir(FOLDER) if os.path.isfile(os.path.join(FOLDER, entry, MODEL_FILE)))


def model_path(name: str) -> str:
    """The .tflite file of shipped generator `name`; a ValueError listing the names otherwise."""
    if name not in names():
        raise ValueError(f"no shipped generator {name!r}; shipped: {', '.join(names()) or 'none'}.")
    return os.path.join(FOLDER, name, MODEL_FILE)


DRAWS_PREFIX = "Draws: "  # the card's line saying what the generator draws (lsgan_tf/export/model_card.py)


def summary(name: str) -> str:
    """One line about shipped generator `name`: what it draws (its model card's "Draws:" line)
    and where its card is."""
    card = os.path.join(FOLDER, name, CARD_FILE)
    with open(card, encoding="utf-8") as handle:
        drawn = next((line[len(DRAWS_PREFIX):].strip() for line in handle if line.startswith(DRAWS_PREFIX)),
                     "see its model card")
    return f"{name}: {drawn} (model card: {card})"
