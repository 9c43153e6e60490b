"""Every paper network's train_step compiles and runs under XLA (jit_compile=True, what
--jit_compile=auto picks on a GPU), in float32 and mixed_float16 (the GPU's mixed policy, with
its loss scaling), and the digits net in mixed_bfloat16 too, here on the CPU, so a GPU user is
not the first to run that path."""

import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf import presets
from lsgan_tf.config import TrainConfig
from lsgan_tf.training.build import build_gan

# One preset per architecture (the papers' nets, the conditional hwdb one and the mixture MLPs).
PRESET_OF_ARCH = {preset.arch: name for name, preset in sorted(presets.PRESETS.items(), reverse=True)}
PRECISIONS = ("float32", "mixed_float16")


CASES = [(arch, precision) for arch in sorted(PRESET_OF_ARCH)
         for precision in PRECISIONS + (("mixed_bfloat16",) if arch == "digits" else ())]
MAKE_TEST_CASE = ("digits", "mixed_float16")  # a GPU's default: XLA with loss scaling; the others in make test-full


@pytest.mark.slow
@pytest.mark.parametrize("arch,precision", [case if case == MAKE_TEST_CASE else pytest.param(*case, marks=pytest.mark.full)
                                            for case in CASES])
def test_train_step_runs_two_steps_under_xla(arch, precision):
    config = TrainConfig(dataset=PRESET_OF_ARCH[arch], data_dir="/", jit_compile="true", precision=precision,
                         batch_size=8 if arch == "mixture" else 2).resolve(data_needed=False)
    model = build_gan(config, num_classes=7 if config.conditional else None)
    assert model.jit_compile
    rng = np.random.default_rng(0)
    shape = (config.batch_size,) + (tuple(config.image_shape) or (2,))
    real = rng.uniform(-1, 1, shape).astype(np.float32)
    batch = (real, rng.integers(0, 7, config.batch_size).astype(np.int32)) if config.conditional else real
    history = model.fit(tf.data.Dataset.from_tensors(batch).repeat(), epochs=1, steps_per_epoch=2, verbose=0)
    losses = [history.history[name][-1] for name in ("d_loss", "g_loss")]
    assert np.isfinite(losses).all(), (arch, precision, losses)
    if precision != "mixed_float16":  # (float16 may skip its first updates while the loss scale settles)
        assert int(model.g_optimizer.iterations.numpy()) >= 2, (arch, precision)
