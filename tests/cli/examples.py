"""The example commands the project shows its users, collected from where they read them: each
console script's usage text (its module docstring, shown by --help), the README and docs/, the
shipped model cards, and the README.txt of an export. A command is one of the project's programs
(`lsgan-train ...` or the checkout's `python train.py ...`, `.venv/bin/python train.py ...`), with its trailing `# comment`."""

from __future__ import annotations

import ast
import glob
import os
import re
import shlex
from importlib.metadata import entry_points
from typing import Dict, List, Tuple

from lsgan_tf.utils.commands import CONSOLE_SCRIPTS
from tests.conftest import ROOT

# The installed package's console scripts and their modules: lsgan-train -> lsgan_tf.cli.train.
MODULES: Dict[str, str] = {point.name: point.value.split(":")[0] for point in entry_points(group="console_scripts")
                           if point.value.startswith("lsgan_tf.")}
SCRIPT_COMMANDS = {script: command for command, script in CONSOLE_SCRIPTS.items()}
PROGRAM = r"(?:lsgan-[a-z-]+|(?:\.venv/bin/)?python (?:%s))" % "|".join(map(re.escape, SCRIPT_COMMANDS))
COMMAND = re.compile(rf"^{PROGRAM}(?:\s|$)")
INLINE = re.compile(rf"`({PROGRAM} --[^`]*)`")  # a program named with no flag is not an example


def words(command: str) -> List[str]:
    """The command as argv (its comment dropped), its program written as the console script."""
    argv = shlex.split(command, comments=True)
    if argv[0].endswith("python"):
        argv = [SCRIPT_COMMANDS[argv[1]]] + argv[2:]
    return argv


def _commands_in(lines: List[str]) -> List[str]:
    """The lines that are commands of the project, a trailing backslash joining the next line."""
    found, pending = [], ""
    for line in lines:
        line = pending + line.strip()
        pending = line[:-1] + " " if line.endswith("\\") else ""
        if not pending and COMMAND.match(line):
            found.append(line)
    return found


def usage_examples() -> List[Tuple[str, str]]:
    """(where, command) for every command in a console script's usage text."""
    found = []
    for command, module in sorted(MODULES.items()):
        path = os.path.join(ROOT, *module.split(".")) + ".py"
        docstring = ast.get_docstring(ast.parse(open(path, encoding="utf-8").read())) or ""
        found += [(f"{command} --help", line) for line in _commands_in(docstring.splitlines())]
    return found


def markdown_examples(pattern: str) -> List[Tuple[str, str]]:
    """(where, command) for every command in the sh code blocks and inline code of the pages."""
    found = []
    for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
        text = open(path, encoding="utf-8").read()
        where = os.path.relpath(path, ROOT)
        blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", text, flags=re.S)
        found += [(where, line) for block in blocks for line in _commands_in(block.splitlines())]
        outside = re.sub(r"```.*?```", "", text, flags=re.S)
        found += [(where, command.strip()) for command in INLINE.findall(outside)]
    return found


def all_examples() -> List[Tuple[str, str]]:
    """Every example the user reads: usage texts, README, docs/ (not the changelog, which keeps the
    commands of its day), the shipped model cards."""
    pages = [page for page in markdown_examples("docs/*.md") if page[0] != "docs/CHANGELOG.md"]  # history stays
    return (usage_examples() + markdown_examples("README.md") + pages
            + markdown_examples("lsgan_tf/pretrained/*/MODEL_CARD.md"))
