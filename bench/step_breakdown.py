"""Where one GAN iteration's time goes: the pieces of lsgan_tf's train_step timed on their own
(each a tf.function, batch from the preset), with their FLOPs and their fraction of this
machine's fp32 matmul rate. The profile behind docs/PERFORMANCE.md's account of the digits
target.

  .venv/bin/python -m bench.step_breakdown --arch=digits --repeats=20
"""

from __future__ import annotations

import json
import sys

from absl import app, flags

from bench.common import PRESET_OF, bench_config, layer_flops, matmul_rate, milliseconds, synthetic_batch
from lsgan_tf.architectures import HWDB_CLASSES

FLAGS = flags.FLAGS
flags.DEFINE_enum("arch", "digits", sorted(PRESET_OF), "Architecture (its paper preset's batch size).")
flags.DEFINE_integer("repeats", 20, "Timed calls per piece (after two warm-up calls).")
flags.DEFINE_string("out", None, "JSON output (default bench/results/step_breakdown_<arch>.json).")


def main(argv) -> None:
    del argv
    import tensorflow as tf

    from lsgan_tf.training.build import build_gan

    config = bench_config(FLAGS.arch, jit_compile="false")
    model = build_gan(config, num_classes=HWDB_CLASSES if config.conditional else None)
    batch = config.batch_size
    data = synthetic_batch(config)
    real, labels = model.unpack_batch(data)
    z = model.sample_noise(batch)
    fake = model.generate(z, labels, training=True)
    g_vars, d_vars = model.generator.trainable_variables, model.discriminator.trainable_variables
    f_g, f_d = batch * layer_flops(model.generator), batch * layer_flops(model.discriminator)

    def g_step_gradients():
        with tf.GradientTape() as tape:
            scores = model.discriminate(model.generate(z, labels, training=True), labels)
            loss = model.generator_objective(scores)
        return tape.gradient(loss, g_vars)

    def d_step_gradients():
        with tf.GradientTape() as tape:
            loss = model.discriminator_objective(model.discriminate(real, labels), model.discriminate(fake, labels))
        return tape.gradient(loss, d_vars)

    zero_g, zero_d = [tf.zeros_like(v) for v in g_vars], [tf.zeros_like(v) for v in d_vars]
    model.g_optimizer.build(g_vars)
    model.d_optimizer.build(d_vars)

    def optimizer_updates():
        model.g_optimizer.apply(zero_g, g_vars)
        model.d_optimizer.apply(zero_d, d_vars)
        return g_vars[0]

    pieces = [  # (name, function, FLOPs)
        ("G forward", lambda: model.generate(z, labels, training=True), f_g),
        ("G step gradients (G fwd, D fwd, D input grads, G bwd)", g_step_gradients, 3 * f_g + 2 * f_d),
        ("D step gradients (D fwd+bwd on real and fake)", d_step_gradients, 6 * f_d),
        ("optimizer updates (Adam on G and D)", optimizer_updates, 0.0),
        ("full train_step", lambda: list(model.train_step(data).values()), 3 * f_g + 8 * f_d),
    ]
    rate = matmul_rate()
    rows = []
    for name, function, flops in pieces:
        ms = milliseconds(tf.function(function), FLAGS.repeats, warmup=2)
        rows.append({"piece": name, "ms": ms, "gflop": flops / 1e9, "fraction_of_matmul": flops / (ms / 1000) / rate})
        print(f"{name:58s} {ms:8.1f} ms  {flops / 1e9:6.2f} GFLOP  {rows[-1]['fraction_of_matmul']:5.0%} of matmul", flush=True)
    print(f"matmul rate {rate / 1e9:.1f} GFLOP/s")
    out = FLAGS.out or f"bench/results/step_breakdown_{FLAGS.arch}.json"
    with open(out, "w") as handle:
        json.dump({"command": " ".join(sys.argv), "matmul_gflops": rate / 1e9, "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    app.run(main)
