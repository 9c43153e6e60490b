"""Every architecture against the papers' tables (TPAMI Tables 1, 2, 3, 5; ICCV §3.3; docs/PAPERS.md §2), written out here independently."""

import keras
import numpy as np
import pytest

from lsgan_tf import architectures
from lsgan_tf.architectures.blocks import LabelProjection

# (filters, kernel, stride) of every transposed conv / conv, in order; dense units in order.
SPEC = {
    "digits": {
        "g_fc": 8192, "g_tconv": [(256, 3, 2), (128, 3, 2), (1, 3, 2)],
        "d_conv": [(20, 5, 2), (50, 5, 2)], "d_fc": [500, 1],
        "image": (28, 28, 1), "z": 100, "out": "tanh",
    },
    "scene112": {
        "g_fc": 7 * 7 * 256,
        "g_tconv": [(256, 3, 2), (256, 3, 1), (256, 3, 2), (256, 3, 1), (128, 3, 2), (64, 3, 2), (3, 3, 1)],
        "d_conv": [(64, 5, 2), (128, 5, 2), (256, 5, 2), (512, 5, 2)], "d_fc": [1],
        "image": (112, 112, 3), "z": 1024, "out": "tanh",
    },
    "cat128": {
        "g_fc": 8 * 8 * 512, "g_tconv": [(256, 3, 2), (128, 3, 2), (64, 3, 2), (3, 3, 2)],
        "d_conv": [(64, 5, 2), (128, 5, 2), (256, 5, 2), (512, 5, 2)], "d_fc": [1],
        "image": (128, 128, 3), "z": 100, "out": "tanh",
    },
    "dcgan64": {
        "g_fc": 4 * 4 * 512, "g_tconv": [(256, 5, 2), (128, 5, 2), (64, 5, 2), (3, 5, 2)],
        "d_conv": [(64, 5, 2), (128, 5, 2), (256, 5, 2), (512, 5, 2)], "d_fc": [1],
        "image": (64, 64, 3), "z": 100, "out": "tanh",
    },
    "dcgan32": {
        "g_fc": 4 * 4 * 512, "g_tconv": [(256, 5, 2), (128, 5, 2), (3, 5, 2)],
        "d_conv": [(64, 5, 2), (128, 5, 2), (256, 5, 2)], "d_fc": [1],
        "image": (32, 32, 3), "z": 100, "out": "tanh",
    },
    "hwdb": {
        "g_fc": 128 * 7 * 7, "g_tconv": [(128, 5, 2), (1, 5, 2)],
        "d_conv": [(257, 5, 2), (320, 5, 2)], "d_fc": [1024, 1],
        "image": (28, 28, 1), "z": 1024, "out": "sigmoid",
    },
}


def layer_table(model, layer_type):
    return [
        (layer.filters, layer.kernel_size[0], layer.strides[0])
        for layer in model.layers
        if isinstance(layer, layer_type)
    ]


def dense_units(model, prefix):
    return [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense) and layer.name.startswith(prefix)]


def inputs_for(name, generator, batch=3, num_classes=3740):
    z = np.random.default_rng(0).normal(size=(batch, generator.inputs[0].shape[-1])).astype(np.float32)
    if name == "hwdb":
        return [z, np.array([0, 17, num_classes - 1], np.int32)]
    return z


@pytest.mark.parametrize("name", sorted(SPEC))
def test_image_architecture_matches_spec(name):
    spec = SPEC[name]
    generator, discriminator = architectures.build(name)
    assert generator.inputs[0].shape[-1] == spec["z"]
    assert dense_units(generator, "g_fc") == [spec["g_fc"]]
    assert layer_table(generator, keras.layers.Conv2DTranspose) == spec["g_tconv"]
    assert layer_table(discriminator, keras.layers.Conv2D) == spec["d_conv"]
    assert dense_units(discriminator, "d_") == spec["d_fc"]

    images = generator(inputs_for(name, generator), training=False).numpy()
    assert images.shape == (3,) + spec["image"]
    low, high = (0.0, 1.0) if spec["out"] == "sigmoid" else (-1.0, 1.0)
    assert images.min() >= low and images.max() <= high
    assert generator.layers[-1].get_config()["activation"] == spec["out"]

    d_inputs = [images, np.array([0, 1, 2], np.int32)] if name == "hwdb" else images
    scores = discriminator(d_inputs, training=False)
    assert tuple(scores.shape) == (3, 1)
    assert discriminator.layers[-1].get_config().get("activation") in (None, "linear")  # raw score


def test_authors_settings_for_initialisers_batchnorm_and_leaky_relu():
    generator, discriminator = architectures.build("digits")
    for layer in generator.layers + discriminator.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            assert layer.momentum == pytest.approx(0.9) and layer.epsilon == pytest.approx(1e-5)
        if isinstance(layer, keras.layers.LeakyReLU):
            assert layer.negative_slope == pytest.approx(0.2)
        if type(layer) is keras.layers.Conv2D:
            assert isinstance(layer.kernel_initializer, keras.initializers.TruncatedNormal)
            assert layer.kernel_initializer.stddev == pytest.approx(0.02)
        if isinstance(layer, (keras.layers.Conv2DTranspose, keras.layers.Dense)):
            assert isinstance(layer.kernel_initializer, keras.initializers.RandomNormal)
            assert layer.kernel_initializer.stddev == pytest.approx(0.02)
    # The first D conv has no BN; the second has one (Table 5).
    names = [layer.name for layer in discriminator.layers]
    assert "d_conv1_bn" not in names and "d_conv2_bn" in names and "d_fc1_bn" in names


def count_bn(model):
    return sum(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)


@pytest.mark.parametrize("name", ["dcgan64", "dcgan32", "digits"])
def test_stability_variants_remove_batchnorm(name):
    g, d = architectures.build(name)
    g_nog, d_nog = architectures.build(name, variant="BN_G")
    g_none, d_none = architectures.build(name, variant="BN_GD")
    assert count_bn(g) > 0 and count_bn(d) > 0
    assert count_bn(g_nog) == 0 and count_bn(d_nog) == count_bn(d)
    assert count_bn(g_none) == 0 and count_bn(d_none) == 0


def test_digits_option_drops_only_the_batchnorm_of_d_fc_layer():
    _, discriminator = architectures.build("digits", d_fc_norm=False)
    names = [layer.name for layer in discriminator.layers]
    assert "d_fc1" in names and "d_fc1_bn" not in names and "d_conv2_bn" in names
    assert discriminator.output_shape == architectures.build("digits")[1].output_shape


@pytest.mark.parametrize("name,base,channels", [("cat128", 8 * 8 * 512, 512), ("digits", 4 * 4 * 512, 512)])
def test_authors_code_options(name, base, channels):
    generator, _ = architectures.build(name, kernel_size=5, fc_norm="flat")
    assert {kernel for _, kernel, _ in layer_table(generator, keras.layers.Conv2DTranspose)} == {5}
    assert [f for f, _, _ in layer_table(generator, keras.layers.Conv2DTranspose)] == [f for f, _, _ in SPEC[name]["g_tconv"]]
    # BN over the flat FC output instead of per channel after the reshape.
    assert generator.get_layer("g_fc_bn").gamma.shape == (base,)
    paper_generator, _ = architectures.build(name)
    assert paper_generator.get_layer("g_fc_bn").gamma.shape == (channels,)
    assert generator.output_shape[1:] == paper_generator.output_shape[1:]


def test_hwdb_conditions_the_discriminator_as_mcgan_py():
    generator, discriminator = architectures.build("hwdb")
    assert generator.inputs[1].dtype == "int32" and discriminator.inputs[1].dtype == "int32"
    g_maps = [layer for layer in generator.layers if isinstance(layer, LabelProjection)]
    d_maps = [layer for layer in discriminator.layers if isinstance(layer, LabelProjection)]
    assert [(m.num_classes, m.units) for m in g_maps + d_maps] == [(3740, 256), (3740, 256)]
    # Kernel fan-ins show the label vector concatenated after every layer of D, not to the image.
    assert discriminator.get_layer("d_conv1").kernel.shape[2] == 1
    assert discriminator.get_layer("d_conv2").kernel.shape[2] == 257 + 256
    assert discriminator.get_layer("d_fc1").kernel.shape[0] == 7 * 7 * 320 + 256
    assert discriminator.get_layer("d_out").kernel.shape[0] == 1024 + 256
    assert generator.get_layer("g_fc").kernel.shape[0] == 1024 + 256


def test_hwdb_label_on_input_concatenates_the_label_to_the_image_too():
    _, default = architectures.build("hwdb", num_classes=10, label_dim=4)
    _, on_input = architectures.build("hwdb", num_classes=10, label_dim=4, label_on_input=True)
    assert on_input.get_layer("d_conv1").kernel.shape[2] == 1 + 4
    assert [w.shape for w in on_input.weights if "d_conv1" not in w.path] == [
        w.shape for w in default.weights if "d_conv1" not in w.path]
    images = np.random.default_rng(0).uniform(size=(2, 28, 28, 1)).astype(np.float32)
    labels = np.array([1, 2], np.int32)
    # Only the variant with the label on the image sees it in its first layer's output.
    for model, label_reaches_conv1 in ((default, False), (on_input, True)):
        conv1 = keras.Model(model.inputs, model.get_layer("d_conv1").output)
        outputs = [conv1([images[:1], labels[i:i + 1]]).numpy() for i in range(2)]
        assert np.array_equal(outputs[0], outputs[1]) != label_reaches_conv1


def test_hwdb_label_changes_the_output():
    generator, discriminator = architectures.build("hwdb", num_classes=10, z_dim=8)
    z = np.zeros((2, 8), np.float32) + 0.5
    images = generator([z, np.array([1, 2], np.int32)]).numpy()
    assert not np.allclose(images[0], images[1])


def test_label_projection_is_the_one_hot_linear_map():
    layer = LabelProjection(5, 3)
    labels = np.array([4, 0, 2], np.int32)
    out = layer(labels).numpy()
    one_hot = np.eye(5, dtype=np.float32)[labels]
    np.testing.assert_allclose(out, one_hot @ layer.kernel.numpy() + layer.bias.numpy(), rtol=1e-6)


def test_mixture_mlps():
    generator, discriminator = architectures.build("mixture")
    assert generator.inputs[0].shape[-1] == 256
    assert dense_units(generator, "g_") == [128, 128, 2]
    assert dense_units(discriminator, "d_") == [128, 128, 1]
    for layer in generator.layers + discriminator.layers:
        if isinstance(layer, keras.layers.Dense):
            assert isinstance(layer.kernel_initializer, keras.initializers.Orthogonal)
            assert layer.kernel_initializer.gain == pytest.approx(1.4)
    points = generator(np.zeros((3, 256), np.float32))
    assert tuple(points.shape) == (3, 2)
    assert tuple(discriminator(points).shape) == (3, 1)


def test_unknown_architecture_and_option_are_clear_errors():
    with pytest.raises(ValueError, match="digits"):
        architectures.build("resnet")
    with pytest.raises(ValueError, match="BN_G"):
        architectures.build("dcgan64", variant="no_bn")
    with pytest.raises(TypeError):
        architectures.build("digits", kernel=7)
