"""lsgan_tf: Least Squares GANs (Mao et al., ICCV 2017; TPAMI 2019) in Keras 3 / TensorFlow.

The public API::

    from lsgan_tf import GAN, ConditionalGAN, TrainConfig, train, build_gan, make_dataset
    from lsgan_tf import architectures, losses, objectives, penalties, presets

`GAN` / `ConditionalGAN` are keras.Model subclasses whose `train_step` runs one iteration of a
loss family of `objectives` (LSGAN, NS-GAN, LSGAN-GP, WGAN-GP); `architectures.build(name)`
gives the papers' networks; `presets.get(dataset)` the papers' hyperparameters;
`train(TrainConfig(...))` what `lsgan-train` runs. The classes and functions load TensorFlow on
first use, so that `import lsgan_tf` (and `lsgan-sample` on a .tflite model) needs numpy and
Pillow only; TensorFlow's C++ start-up lines stay off the terminal (LSGAN_TF_VERBOSE=1 shows them).
"""

from __future__ import annotations

import importlib
from typing import Any

from lsgan_tf.version import __version__

_EXPORTS = {
    "GAN": "lsgan_tf.gan",
    "ConditionalGAN": "lsgan_tf.gan",
    "TrainConfig": "lsgan_tf.config",
    "ConfigError": "lsgan_tf.errors",
    "DataError": "lsgan_tf.errors",
    "TrainingDiverged": "lsgan_tf.errors",
    "train": "lsgan_tf.training.loop",
    "build_gan": "lsgan_tf.training.build",
    "make_dataset": "lsgan_tf.data.datasets",
}
_MODULES = ("architectures", "losses", "objectives", "penalties", "presets")
__all__ = sorted(_EXPORTS) + list(_MODULES) + ["__version__"]


def __getattr__(name: str) -> Any:
    """Loads a public class or function from its module on first access (PEP 562)."""
    if name not in _EXPORTS and name not in _MODULES:
        raise AttributeError(f"module 'lsgan_tf' has no attribute {name!r}")
    from lsgan_tf.utils import quiet

    with quiet.tensorflow_startup_quieted():  # TensorFlow's C++ start-up lines, if this loads it, kept off the terminal
        module = importlib.import_module(_EXPORTS.get(name, f"lsgan_tf.{name}"))
    return getattr(module, name) if name in _EXPORTS else module
