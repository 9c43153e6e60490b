"""What the user reads about each command holds: every example of the usage texts, README,
docs/ and model cards names a program of the project and flags it has, with values it accepts
(a child process per program parses them with its own flags, and lsgan-train resolves its
settings); the cheap ones run as written, in a folder laid out as the examples assume
(runs/demo, exported/digits); each --help, as the console script shows it, lists every flag of
the program, names the console scripts (not the checkout's scripts) and refers to no flag the
program lacks."""

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tokenize

import pytest

from tests.cli.examples import MODULES, SCRIPT_COMMANDS, _commands_in, all_examples, words
from tests.conftest import ROOT, subprocess_env
from tests.export.test_export import exports  # noqa: F401  (the session's exported runs)

BIN = os.path.dirname(sys.executable)  # the console scripts of the installed package (make setup)
NO_TENSORFLOW = ("lsgan-prep-digits", "lsgan-prep-hwdb-synthetic")  # no TF start-up to quiet: no --verbose
FLAG_LINE = re.compile(r"^\s+--(?:\[no\])?(\w+)", re.MULTILINE)

# Parses each example's flags as its program does, then renders the program's --help as the
# console script shows it and what --helpfull would (absl's FLAGS.get_help()); prints
# {"failures": [...], "help": TEXT, "helpfull": TEXT}. One process (one TensorFlow start-up) a program.
PARSE_AND_HELP = r"""
import contextlib, importlib, io, json, sys
from absl import flags
command, module, examples = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.argv = [command]
entry = importlib.import_module(module)
FLAGS, failures = flags.FLAGS, []
for argv in examples:
    FLAGS.unparse_flags()
    try:
        FLAGS([command] + argv)
        if module == "lsgan_tf.cli.train":
            from lsgan_tf.config import config_from_flags
            config_from_flags(FLAGS).resolve(data_needed=False)
    except Exception as error:
        failures.append(f"{' '.join(argv)}: {type(error).__name__}: {error}")
FLAGS.unparse_flags()
sys.argv, shown = [command, "--help"], io.StringIO()
with contextlib.redirect_stdout(shown), contextlib.suppress(SystemExit):
    entry.run()
print(json.dumps({"failures": failures, "help": shown.getvalue(), "helpfull": FLAGS.get_help()}))
"""
HELP_FLAGS = ("--help", "--helpfull")  # print and exit: each program's help is checked as a whole


def start_child(command, examples):
    return subprocess.Popen([sys.executable, "-c", PARSE_AND_HELP, command, MODULES[command], json.dumps(examples)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env(), cwd=ROOT)


def outcome_of(child):
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def programs():
    """{console script: its outcome} for every program, with every example of it parsed."""
    examples = all_examples()
    by_program = {command: [] for command in MODULES}
    for where, command in examples:
        argv = words(command)
        assert argv[0] in MODULES, f"{where}: {command}: no such program"
        if not any(flag.split("=")[0] in HELP_FLAGS for flag in argv[1:]):
            by_program[argv[0]].append(argv[1:])
    assert len(examples) > 60 and all(by_program.values()), by_program  # each program has examples
    children = {command: start_child(command, argvs) for command, argvs in by_program.items()}
    return {command: outcome_of(child) for command, child in children.items()}


def project_flags(helpfull):
    """The flags --helpfull lists under the project's own modules (not absl's)."""
    sections = re.split(r"^(\S.*):$", helpfull, flags=re.MULTILINE)
    return {flag for title, body in zip(sections[1::2], sections[2::2])
            if title.startswith(("lsgan_tf", "lsgan-")) for flag in FLAG_LINE.findall(body)}


def flags_referred_to(text):
    """The --flags a help text refers to, leaving out those given to another program
    ("the folder lsgan-train wrote with --out_dir" would name `lsgan-train --out_dir`)."""
    return {match.group(2) for match in re.finditer(r"(?:(lsgan-[\w-]+|\S+\.py) )?--(\w+)", text)
            if not match.group(1)} - {"no"}


@pytest.mark.slow
def test_every_example_parses_with_its_programs_flags(programs):
    assert {command: outcome["failures"] for command, outcome in programs.items()} == {
        command: [] for command in MODULES}


@pytest.mark.slow
def test_every_help_lists_the_programs_flags_names_console_scripts_and_refers_to_its_own_flags(programs):
    scripts = "|".join(re.escape(script) for script in SCRIPT_COMMANDS)
    for command, outcome in programs.items():
        shown = set(FLAG_LINE.findall(outcome["help"]))
        assert command in outcome["help"] and ("verbose" in shown or command in NO_TENSORFLOW), command
        own = project_flags(outcome["helpfull"])
        assert {"verbose", "out", "model", "run_dir", "dataset"} & own, command
        assert own - shown == set(), f"{command} --help omits {sorted(own - shown)}"
        flag_help = outcome["help"].split("\nflags:\n", 1)[1]
        referred = flags_referred_to(flag_help) - {"helpfull", "helpshort", "help", "helpxml"}
        assert referred <= shown, f"{command}: {sorted(referred - shown)}"
        assert re.findall(rf"(?<![\w./-])(?:{scripts})\b", outcome["help"]) == [], command


@pytest.mark.slow
def test_the_parse_check_sees_a_wrong_flag_and_a_wrong_value():
    outcome = outcome_of(start_child("lsgan-prep-digits", [["--variant=shift", "--no_such_flag=1"], ["--variant=spin"],
                                                           ["--variant=shift_rotate", "--out=data/digits"]]))
    assert len(outcome["failures"]) == 2 and "no_such_flag" in outcome["failures"][0]
    assert "spin" in outcome["failures"][1]


def test_flags_of_another_program_are_not_counted():
    assert flags_referred_to("the folder lsgan-train --out_dir wrote; train.py --steps; see --seed") == {"seed"}


def test_no_string_of_the_project_joins_two_lines_with_a_backslash():
    """A backslash ending a line of a (non-raw) triple-quoted string joins it with the next one:
    `--num_samples=50000 \\` then showed as one line with a run of spaces in --help."""
    odd_backslash_newline = re.compile(r"(?<!\\)(?:\\\\)*\\\n")
    joined = []
    for folder in ("lsgan_tf", "bench", "experiments", "data_prep", "tests"):
        for root, _, names in os.walk(os.path.join(ROOT, folder)):
            for name in (name for name in names if name.endswith(".py")):
                path = os.path.join(root, name)
                with open(path, encoding="utf-8") as handle:
                    for token in tokenize.generate_tokens(handle.readline):
                        body = token.string.lstrip("rRbBuUfF")
                        prefix = token.string[:len(token.string) - len(body)].lower()
                        if (token.type == tokenize.STRING and "r" not in prefix and body[:3] in ('"""', "'''")
                                and odd_backslash_newline.search(body)):
                            joined.append(f"{os.path.relpath(path, ROOT)}:{token.start[0]}")
    assert joined == []


def test_the_joined_line_check_sees_one():
    source = 'DOC = """a \\\nb"""\nRAW = r"""a \\\nb"""\n'
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.STRING]
    assert [bool(re.search(r"(?<!\\)(?:\\\\)*\\\n", t.string)) for t in tokens] == [True, True]
    assert [t.string.startswith("r") for t in tokens] == [False, True]  # the raw one is allowed


# The examples that run as written (the export first: the others read what it writes), with the
# file each one writes. runs/demo is a 2-step run of the digits preset (the README's demo run is
# 1,500 steps). The test fails when one of them is no longer among the examples.
EXPORT_EXAMPLE = ("lsgan-export --run_dir=runs/demo --out=exported/digits", "exported/digits/tflite/generator.tflite")
RUN_AS_WRITTEN = [
    ("lsgan-sample --model=exported/digits/tflite/generator.tflite --num=64 --out=grid.png", "grid.png"),
    ("lsgan-sample --run_dir=runs/demo --num=64 --out=grid.png", "grid.png"),
    ("lsgan-evaluate --model=exported/digits/tflite/generator.tflite", None),
    ("lsgan-prep-digits --variant=shift_rotate --out=data/digits", "data/digits/shift_rotate/9"),
]
# Also as written, at full size (10-40 s each): make test-full. `lsgan-evaluate --pretrained=NAME`
# runs in tests/cli/test_pretrained.py, which compares its figures with the card's.
RUN_AS_WRITTEN_FULL_SIZE = [
    ("lsgan-evaluate --run_dir=runs/demo", "runs/demo/evaluation.json"),
    ("lsgan-sample --model=exported/digits/saved_model/1 --num=10000 --folder=samples/", "samples"),
]


def run_as_written(command, cwd):
    argv = words(command)
    return subprocess.run([os.path.join(BIN, argv[0])] + argv[1:], capture_output=True, text=True, timeout=600,
                          env=subprocess_env(), cwd=cwd)


def ran(command, cwd, writes):
    result = run_as_written(command, cwd)
    assert result.returncode == 0 and "Traceback" not in result.stderr, (command, result.stderr[-3000:])
    assert writes is None or (cwd / writes).exists(), (command, writes)
    return result


@pytest.fixture(scope="module")
def workspace(exports, tmp_path_factory):  # noqa: F811  (the fixture)
    """A folder with runs/demo (a copy of a 2-step digits run) and exported/digits, written by
    the README's export example."""
    folder = tmp_path_factory.mktemp("examples")
    shutil.copytree(exports["digits"][0], folder / "runs" / "demo")
    ran(EXPORT_EXAMPLE[0], folder, EXPORT_EXAMPLE[1])
    return folder


def shown_examples():
    return {" ".join(words(command)) for _, command in all_examples()}


@pytest.mark.slow
def test_the_cheap_examples_run_as_written(workspace):
    shown = shown_examples()
    for command, _ in [EXPORT_EXAMPLE] + RUN_AS_WRITTEN:
        assert command in shown, f"{command} is no longer an example: update this list"
    for command, writes in RUN_AS_WRITTEN:
        ran(command, workspace, writes)
    listed = ran("lsgan-sample --pretrained=list", workspace, None).stdout
    assert re.search(r"^digits: digits 0-9 .*, 28x28x1 \(model card: .*MODEL_CARD\.md\)$", listed, re.M), listed
    assert re.search(r"^hwdb100: handwriting-like Chinese characters.*one of 100 classes", listed, re.M), listed


@pytest.mark.slow
def test_every_example_that_samples_a_shipped_generator_runs_as_written(workspace):
    """LiteRT alone, about a second each: all of them, wherever they are shown."""
    sampling = sorted(command for command in shown_examples()
                      if command.startswith("lsgan-sample --pretrained=") and "NAME" not in command)
    assert len(sampling) >= 4 and "lsgan-sample --pretrained=list" in sampling
    for command in sampling:
        ran(command, workspace, None)


@pytest.mark.slow
@pytest.mark.full
def test_the_full_size_examples_run_as_written(workspace):
    shown = shown_examples()
    for command, writes in RUN_AS_WRITTEN_FULL_SIZE:
        assert command in shown, f"{command} is no longer an example: update this list"
        ran(command, workspace, writes)


@pytest.mark.slow
def test_the_sampling_command_of_an_export_readme_runs(workspace):
    """An export's README.txt names the sampling command run from inside the export's folder."""
    text = (workspace / "exported" / "digits" / "README.txt").read_text(encoding="utf-8")
    commands = _commands_in(text.splitlines())
    assert commands == ["lsgan-sample --model=tflite/generator.tflite --num=16 --out=grid.png"]
    ran(commands[0], workspace / "exported" / "digits", "grid.png")
