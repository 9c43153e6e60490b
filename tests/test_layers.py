"""The package's layer order, kept: every import in lsgan_tf (function-level ones included)
goes to a module of the same or a lower layer, and no two modules import each other, directly or
round a circle. docs/DESIGN.md draws the same layers.

The imports are read from the source with `ast`, so the test loads no module."""

import ast
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, subprocess_env

PACKAGE = os.path.join(ROOT, "lsgan_tf")
# Bottom to top. A module belongs to the first layer one of whose prefixes it starts with.
LAYERS = (
    ("lsgan_tf.errors", "lsgan_tf.version", "lsgan_tf.utils", "lsgan_tf.pretrained"),
    ("lsgan_tf.noise", "lsgan_tf.presets", "lsgan_tf.losses", "lsgan_tf.penalties", "lsgan_tf.kernels",
     "lsgan_tf.architectures", "lsgan_tf.data"),
    ("lsgan_tf.objectives", "lsgan_tf.gan"),
    ("lsgan_tf.config", "lsgan_tf.samples"),
    ("lsgan_tf.runs",),
    ("lsgan_tf.evaluation",),  # the metrics and scorers: below training, which scores while it trains
    ("lsgan_tf.training",),
    ("lsgan_tf.export", "lsgan_tf.scoring"),
    ("lsgan_tf.cli",),
)


def module_names():
    """{module name: path} of every module of the package."""
    names = {}
    for folder, _, files in os.walk(PACKAGE):
        for file in files:
            if file.endswith(".py"):
                path = os.path.join(folder, file)
                parts = os.path.relpath(path, ROOT)[:-3].split(os.sep)
                names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imports_of(path, modules):
    """The package modules that the file at `path` imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lsgan_tf"):
            for alias in node.names:  # `from lsgan_tf.data import hwdb` imports the module lsgan_tf.data.hwdb
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
    return found


def layer_of(module):
    for index, prefixes in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return index
    return None


@pytest.fixture(scope="module")
def graph():
    modules = module_names()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def test_every_module_has_a_layer(graph):
    assert [name for name in graph if name != "lsgan_tf" and layer_of(name) is None] == []


def test_no_import_goes_up_a_layer(graph):
    upward = [f"{name} (layer {layer_of(name)}) imports {target} (layer {layer_of(target)})"
              for name, targets in sorted(graph.items()) if name != "lsgan_tf"
              for target in sorted(targets) if target != "lsgan_tf" and layer_of(target) > layer_of(name)]
    assert upward == []


def find_cycle(graph):
    """One import circle as a list of modules (first == last), or None."""
    state, stack = {}, []

    def visit(name):
        state[name] = "open"
        stack.append(name)
        for target in sorted(graph.get(name, ())):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        state[name] = "done"
        stack.pop()
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name)
            if cycle:
                return cycle
    return None


def test_no_import_cycle(graph):
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_checks_see_an_upward_import_and_a_cycle():
    """The checks themselves: a hand-made graph with a circle and an upward arrow is caught."""
    graph = {"lsgan_tf.runs": {"lsgan_tf.training.build"}, "lsgan_tf.training.build": {"lsgan_tf.runs"}}
    assert find_cycle(graph) == ["lsgan_tf.runs", "lsgan_tf.training.build", "lsgan_tf.runs"]
    assert layer_of("lsgan_tf.training.build") > layer_of("lsgan_tf.runs")
    assert imports_of(os.path.join(PACKAGE, "training", "build.py"), module_names()) >= {
        "lsgan_tf.runs", "lsgan_tf.objectives", "lsgan_tf.training.checkpoints"}


@pytest.mark.slow
def test_the_configuration_loads_without_tensorflow():
    """TrainConfig (and its flags' declarations) import no TensorFlow: tools that only read or
    check a run's settings stay light."""
    code = ("import sys; from lsgan_tf.config import TrainConfig; from lsgan_tf.runs import RunDir; "
            "assert TrainConfig().dataset == 'digits'; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
