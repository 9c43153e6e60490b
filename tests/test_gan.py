"""The GAN models: every loss family trains both networks, seeded runs repeat exactly, and
LSGAN on the Gaussian mixture develops a learning signal."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lsgan_tf import architectures, objectives
from lsgan_tf.data.mixture import mixture_dataset
from lsgan_tf.gan import GAN, ConditionalGAN

BATCH = 8


def adam():
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


def digits_gan(loss="lsgan", seed=0, **compile_kwargs):
    """The digits GAN, one D update per G update unless d_steps is given (a family's own D steps
    reach configs through TrainConfig.resolve, tests/test_objectives.py)."""
    keras.utils.set_random_seed(seed)
    generator, discriminator = architectures.build("digits", z_dim=16)
    model = GAN(generator, discriminator, seed=seed)
    model.compile(adam(), adam(), objective=loss, **{"d_steps": 1, **compile_kwargs})
    return model


def digit_batches(steps, seed=0):
    images = np.random.default_rng(seed).uniform(-1, 1, size=(BATCH * steps, 28, 28, 1)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(images).batch(BATCH)


def snapshot(model):
    return [v.numpy().copy() for v in model.generator.trainable_variables], [
        v.numpy().copy() for v in model.discriminator.trainable_variables
    ]


def changed(before, after):
    return any(not np.array_equal(b, a) for b, a in zip(before, after))


@pytest.mark.slow
@pytest.mark.parametrize("loss", sorted(objectives.OBJECTIVES))
def test_one_step_updates_both_networks_with_finite_metrics(loss):
    model = digits_gan(loss)
    g_before, d_before = snapshot(model)
    history = model.fit(digit_batches(1), epochs=1, verbose=0, shuffle=False)
    g_after, d_after = snapshot(model)
    assert changed(g_before, g_after) and changed(d_before, d_after)
    metrics = {name: values[-1] for name, values in history.history.items()}
    assert set(metrics) == {"d_loss", "g_loss", "d_real", "d_fake", "gp"}
    assert all(np.isfinite(value) for value in metrics.values())
    if loss.endswith("_gp"):
        assert metrics["gp"] > 0
    else:
        assert metrics["gp"] == 0


@pytest.mark.slow
def test_d_steps_makes_that_many_discriminator_updates():
    model = digits_gan("wgan_gp", d_steps=3)
    model.fit(digit_batches(2), epochs=1, verbose=0)
    assert int(model.d_optimizer.iterations) == 6 and int(model.g_optimizer.iterations) == 2


@pytest.mark.slow
def test_same_seed_gives_identical_weights_and_another_seed_does_not():
    runs = []
    for seed in (0, 0, 1):
        model = digits_gan("lsgan_gp", seed=seed)
        model.fit(digit_batches(2), epochs=1, verbose=0)
        runs.append(snapshot(model))
    for a, b in zip(runs[0][0] + runs[0][1], runs[1][0] + runs[1][1]):
        np.testing.assert_array_equal(a, b)
    assert changed(runs[0][0], runs[2][0])


@pytest.mark.slow
def test_lsgan_step_matches_a_hand_written_update():
    """One D step then one G step, recomputed with tapes outside the model the way the authors' code
    runs them (G applied twice to the same z), gives the same weights and BN moving averages."""
    model = digits_gan("lsgan", seed=3, coding="011")
    reference = digits_gan("lsgan", seed=3, coding="011")
    real = np.random.default_rng(5).uniform(-1, 1, size=(BATCH, 28, 28, 1)).astype(np.float32)
    # The model's noise stream, replayed: a fresh SeedGenerator with the same seed.
    z = keras.random.normal((BATCH, 16), seed=keras.random.SeedGenerator(3))
    model.train_on_batch(real)
    g, d = reference.generator, reference.discriminator
    fake = g(z, training=True)
    with tf.GradientTape() as tape:
        loss = 0.5 * tf.reduce_mean((d(real, training=True) - 1.0) ** 2) + 0.5 * tf.reduce_mean(d(fake, training=True) ** 2)
    reference.d_optimizer.apply(tape.gradient(loss, d.trainable_variables), d.trainable_variables)
    with tf.GradientTape() as tape:
        loss = 0.5 * tf.reduce_mean((d(g(z, training=True), training=True) - 1.0) ** 2)
    reference.g_optimizer.apply(tape.gradient(loss, g.trainable_variables), g.trainable_variables)
    # A bias right before a BN has a zero gradient up to float noise, which Adam's first step
    # (~ lr * sign(g)) turns into +-lr: those are skipped. Everything else agrees to 1e-5.
    layer_names = {layer.name for layer in g.layers + d.layers}
    checked = 0
    for a, b in zip(model.generator.trainable_weights + model.discriminator.trainable_weights, g.trainable_weights + d.trainable_weights):
        layer, kind = a.path.split("/")
        if kind == "bias" and f"{layer}_bn" in layer_names:
            continue
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5, err_msg=a.path)
        checked += 1
    assert checked >= 15
    # The model runs G(z) once per iteration; the reference ran it twice, as the authors' code
    # does. BN moving averages must still agree (they had two updates with the same batch).
    moving = [w for w in g.non_trainable_weights if "moving" in w.path]
    assert len(moving) >= 6
    for a, b in zip(model.generator.non_trainable_weights, g.non_trainable_weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-7, err_msg=a.path)
    assert any(not np.allclose(w.numpy(), w.numpy().flat[0]) for w in moving)  # they did move


@pytest.mark.slow
def test_conditional_gan_trains_on_labelled_batches():
    keras.utils.set_random_seed(0)
    generator, discriminator = architectures.build("hwdb", num_classes=12, z_dim=16, label_dim=8)
    model = ConditionalGAN(generator, discriminator, seed=0)
    model.compile(adam(), adam(), objective="lsgan", coding="011")
    images = np.random.default_rng(0).uniform(0, 1, size=(BATCH, 28, 28, 1)).astype(np.float32)
    labels = np.arange(BATCH, dtype=np.int32) % 12
    g_before, d_before = snapshot(model)
    model.fit(tf.data.Dataset.from_tensor_slices((images, labels)).batch(BATCH), epochs=1, verbose=0)
    g_after, d_after = snapshot(model)
    assert changed(g_before, g_after) and changed(d_before, d_after)
    # The label maps of both networks learn.
    assert not np.array_equal(g_before[0], g_after[0]) or not np.array_equal(d_before[0], d_after[0])
    assert model.num_classes == 12
    assert tuple(model([np.zeros((2, 16), np.float32), np.array([0, 11], np.int32)]).shape) == (2, 28, 28, 1)
    with pytest.raises(ValueError, match="labels"):
        model.train_on_batch(images)


def test_compile_rejects_unknown_settings():
    generator, discriminator = architectures.build("mixture")
    model = GAN(generator, discriminator)
    with pytest.raises(ValueError, match="lsgan.*nsgan"):
        model.compile(adam(), adam(), objective="hinge")
    with pytest.raises(ValueError, match="mean"):
        model.compile(adam(), adam(), reduction="none")
    with pytest.raises(ValueError, match="-110"):
        model.compile(adam(), adam(), coding="101")


def test_default_penalty_weights_follow_the_paper():
    assert objectives.get("lsgan_gp").default_penalty_weight("sum") == 150.0
    assert objectives.get("lsgan_gp").default_penalty_weight("mean") == pytest.approx(150.0 / 64)
    assert objectives.get("wgan_gp").default_penalty_weight() == 10.0
    assert objectives.get("lsgan").default_penalty_weight() == 0.0


@pytest.mark.slow
@pytest.mark.full
def test_lsgan_on_the_gaussian_mixture_learns_the_ring():
    """The paper's mixture settings (011 coding, D Adam 1e-4, G Adam 1e-3, simultaneous updates).

    Measured here: G first collapses to a blob of radius ~0.25 around the origin (D(real) is
    then slightly below D(fake): the 10x faster G sits on D's maximum), then spreads out to
    the unit ring by ~1,500-2,000 steps, when D(real) - D(fake) turns positive.
    """
    keras.utils.set_random_seed(0)
    generator, discriminator = architectures.build("mixture")
    model = GAN(generator, discriminator, seed=0)
    model.compile(
        keras.optimizers.Adam(1e-4, beta_1=0.5, epsilon=1e-8),
        keras.optimizers.Adam(1e-3, beta_1=0.5, epsilon=1e-8),
        loss="lsgan", coding="011", simultaneous_updates=True,
    )
    dataset = mixture_dataset(512, seed=0)

    def mean_radius():
        return float(np.linalg.norm(model(model.sample_noise(2048)).numpy(), axis=1).mean())

    model.fit(dataset, steps_per_epoch=300, epochs=1, verbose=0, shuffle=False)
    collapsed = mean_radius()
    history = model.fit(dataset, steps_per_epoch=1700, epochs=1, verbose=0, shuffle=False).history
    assert collapsed < 0.5
    assert 0.75 < mean_radius() < 1.3
    assert history["d_loss"][-1] < 0.5  # below the D loss at D = 0 everywhere (011 coding)


def test_get_config_round_trip():
    """A GAN rebuilt from its config has the same networks (layer by layer, with every layer's
    settings), noise, seed and z size; with the weights copied over it draws the same images."""
    keras.utils.set_random_seed(0)
    generator, discriminator = architectures.build("digits", z_dim=16)
    model = GAN(generator, discriminator, seed=7, noise="uniform")
    clone = GAN.from_config(model.get_config())
    assert (clone.z_dim, clone.seed, clone.noise) == (16, 7, "uniform")
    for original, rebuilt in ((model.generator, clone.generator), (model.discriminator, clone.discriminator)):
        assert [layer.get_config() for layer in rebuilt.layers] == [layer.get_config() for layer in original.layers]
        assert [w.shape for w in rebuilt.weights] == [w.shape for w in original.weights]
        rebuilt.set_weights(original.get_weights())
    z = np.random.default_rng(0).uniform(-1, 1, (4, 16)).astype(np.float32)
    np.testing.assert_array_equal(clone(z).numpy(), model(z).numpy())


def test_uniform_noise_option():
    generator, discriminator = architectures.build("mixture", z_dim=4)
    model = GAN(generator, discriminator, seed=0, noise="uniform")
    z = model.sample_noise(1000).numpy()
    assert z.min() >= -1 and z.max() <= 1 and abs(z.mean()) < 0.05 and z.std() < 0.7
    with pytest.raises(ValueError, match="uniform"):
        GAN(generator, discriminator, noise="cauchy")
