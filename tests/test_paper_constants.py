"""Each preset equals the authors' run (tests/reference/constants.py) but for the differences
listed in docs/PAPERS.md §6, value by value: learning rates, Adam, batch, z, coding, loss scale,
steps, and the built networks' widths, kernels, strides, norms, activations and initialisers."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

import keras
import pytest

from lsgan_tf import presets
from lsgan_tf.architectures.blocks import LabelProjection
from lsgan_tf.config import TrainConfig
from lsgan_tf.kernels.batch_norm import BatchNorm
from lsgan_tf.training.build import build_gan
from tests.paper_differences import authors_run, differences_of, listed_differences
from tests.reference import constants as authors

LOSS_OF_REDUCTION = {"mean": "half_mean", "sum": "half_sum"}
INITIALIZERS = {"TruncatedNormal": "truncated_normal", "RandomNormal": "normal", "Orthogonal": "orthogonal"}


def resolved(dataset: str, *flags: str) -> TrainConfig:
    """`train.py --dataset=DATASET [flags]` resolved, without reading any data."""
    settings: Dict[str, Any] = {"dataset": dataset, "out_dir": "/nonexistent/run"}
    options = [flag.split("=", 1)[1] for flag in flags if flag.startswith("--arch_option=")]
    if options:
        settings["arch_option"] = tuple(options)
    if dataset == "hwdb":
        settings["data_dir"] = "/nonexistent/gnt"
    return TrainConfig(**settings).resolve(data_needed=False)


def training_constants(config: TrainConfig) -> Dict[str, Any]:
    """The training constants of a resolved config, in the reference's vocabulary."""
    return {
        "d_lr": config.lr, "g_lr": config.g_lr, "beta_1": config.beta_1, "beta_2": config.beta_2,
        "epsilon": config.epsilon, "batch_size": config.batch_size, "z_dim": config.z_dim, "noise": config.noise,
        "coding": config.coding, "loss": LOSS_OF_REDUCTION[config.reduction], "steps": config.steps,
        "updates": "simultaneous" if config.simultaneous_updates else "alternating",
    }


def _layers(model: keras.Model, kind) -> list:
    return [layer for layer in model.layers if isinstance(layer, kind)]


def _one(values, what: str):
    values = set(values)
    assert len(values) == 1, f"{what} differs between layers: {sorted(map(str, values))}"
    return values.pop()


def _initializer(initializer) -> Tuple[str, float]:
    config = initializer.get_config()
    return INITIALIZERS[type(initializer).__name__], config.get("stddev", config.get("gain"))


def _norm_of(model: keras.Model, layer: keras.layers.Layer) -> bool:
    return any(other.name == f"{layer.name}_bn" for other in model.layers)


def network_constants(config: TrainConfig) -> Dict[str, Any]:
    """The constants of the networks `config` builds, read off the built Keras models."""
    model = build_gan(config, 3740 if config.conditional else None)
    generator, discriminator = model.generator, model.discriminator
    dense = lambda net: _layers(net, keras.layers.Dense)
    biases = [layer.bias_initializer for net in (generator, discriminator)
              for layer in net.layers if hasattr(layer, "bias_initializer")]
    bias = _one((float(keras.ops.convert_to_numpy(init((1,)))[0]) for init in biases), "bias initialiser")
    if config.arch == "mixture":
        activations = {layer.get_config()["activation"] for layer in generator.layers + discriminator.layers
                       if isinstance(layer, keras.layers.Activation)}
        return {
            "g_hidden": tuple(layer.units for layer in dense(generator)[:-1]), "g_outputs": dense(generator)[-1].units,
            "d_hidden": tuple(layer.units for layer in dense(discriminator)[:-1]),
            "d_outputs": dense(discriminator)[-1].units, "hidden_activation": _one(activations, "activation"),
            "dense_init": _one((_initializer(layer.kernel_initializer) for net in (generator, discriminator)
                                for layer in dense(net)), "dense initialiser"),
            "bias_init": bias,
        }
    tconvs = _layers(generator, keras.layers.Conv2DTranspose)
    convs = [layer for layer in _layers(discriminator, keras.layers.Conv2D)
             if not isinstance(layer, keras.layers.Conv2DTranspose)]
    fc, d_dense = dense(generator)[0], dense(discriminator)
    fc_bn = [layer for layer in generator.layers if layer.name == f"{fc.name}_bn"]
    norms = [layer for net in (generator, discriminator) for layer in net.layers if isinstance(layer, BatchNorm)]
    output = [layer for layer in generator.layers if isinstance(layer, keras.layers.Activation)][-1]
    values = {
        "bn_decay": _one((layer.momentum for layer in norms), "BN momentum"),
        "bn_epsilon": _one((layer.epsilon for layer in norms), "BN epsilon"),
        "lrelu_slope": _one((layer.negative_slope for layer in _layers(discriminator, keras.layers.LeakyReLU)),
                            "LeakyReLU slope"),
        "conv_init": _one((_initializer(layer.kernel_initializer) for layer in convs), "conv initialiser"),
        "tconv_init": _one((_initializer(layer.kernel_initializer) for layer in tconvs), "tconv initialiser"),
        "dense_init": _one([_initializer(layer.kernel_initializer) for net in (generator, discriminator)
                            for layer in dense(net) + _layers(net, LabelProjection)], "dense initialiser"),
        "bias_init": bias,
        "g_fc_units": fc.units,
        "g_fc_norm": None if not fc_bn else "flat" if fc_bn[0].gamma.shape[0] == fc.units else "spatial",
        "g_tconv": tuple((layer.filters, layer.strides[0]) for layer in tconvs),
        "g_tconv_kernel": _one((layer.kernel_size[0] for layer in tconvs), "TCONV kernel"),
        "g_output": output.get_config()["activation"],
        "d_conv": tuple((layer.filters, layer.strides[0]) for layer in convs),
        "d_conv_kernel": _one((layer.kernel_size[0] for layer in convs), "CONV kernel"),
        "d_conv_norm": tuple(_norm_of(discriminator, layer) for layer in convs),
        "d_fc_units": tuple(layer.units for layer in d_dense),
        "d_fc_norm": tuple(_norm_of(discriminator, layer) for layer in d_dense),
    }
    if config.conditional:
        values["label_dim"] = _one((layer.units for net in (generator, discriminator)
                                    for layer in _layers(net, LabelProjection)), "label map width")
        values["label_on_input"] = any(layer.name == "d_concat_label0" for layer in discriminator.layers)
    return values


def compare(dataset: str, ours: Dict[str, Any], differences: Dict[str, Dict[str, Any]]) -> List[str]:
    """Every constant where ours differs from the authors' run in a way the listed rows do not say."""
    problems = []
    table = authors_run(dataset)
    assert set(ours) == set(table), f"constants compared: {sorted(set(ours) ^ set(table))} on one side only"
    for name, constant in table.items():
        row = differences.get(name)
        if row is None and ours[name] != constant.value:
            problems.append(f"{name}: lsgan-tf {ours[name]!r}, the authors' run {constant.value!r} "
                            f"({constant.source}); not listed in docs/PAPERS.md §6")
        elif row is not None and (row["authors"], row["lsgan_tf"]) != (constant.value, ours[name]):
            problems.append(f"{name}: docs/PAPERS.md §6 lists {row['authors']!r} -> {row['lsgan_tf']!r}, "
                            f"but the authors' run has {constant.value!r} ({constant.source}) and lsgan-tf {ours[name]!r}")
    return problems


def test_every_constant_has_a_source():
    tables = [authors.LAYERS, *authors.TRAINING.values(), *authors.NETWORKS.values()]
    for table in tables:
        for name, constant in table.items():
            assert constant.source.strip(), name
            cited = re.findall(r"\b(\w+\.py)(:\d+)?", constant.source)
            # A code file is cited with a line, or with the function that holds the value.
            assert all(line or "()" in constant.source or "function" in constant.source
                       for _, line in cited), f"{name}: {constant.source}"
    assert set(authors.TRAINING) == set(presets.PRESETS) == set(authors.ARCH_OF)


def test_the_listed_differences_name_known_datasets_and_constants():
    rows = listed_differences()
    assert len(rows) >= 10
    for row in rows:
        for dataset in row["datasets"]:
            assert row["constant"] in authors_run(dataset), (dataset, row["constant"])


@pytest.mark.parametrize("dataset", sorted(presets.PRESETS))
def test_preset_equals_the_authors_run_but_for_the_listed_differences(dataset):
    config = resolved(dataset)
    assert config.arch == authors.ARCH_OF[dataset]
    ours = {**training_constants(config), **network_constants(config)}
    problems = compare(dataset, ours, differences_of(dataset, options=False))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("row", [row for row in listed_differences() if row["flag"]],
                         ids=lambda row: row["constant"])
def test_each_listed_option_gives_its_value(row):
    for dataset in row["datasets"]:
        default = network_constants(resolved(dataset))
        assert default[row["constant"]] == row["authors"]
        assert network_constants(resolved(dataset, row["flag"]))[row["constant"]] == row["lsgan_tf"]
