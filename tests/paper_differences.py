"""lsgan-tf's listed differences from the authors' runs (docs/PAPERS.md §6), as the tests read them,
and the constants of a reference run with a chosen set of them applied."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any, Dict, List, Sequence

from tests.conftest import ROOT
from tests.reference import constants as authors

PAPERS = Path(ROOT) / "docs" / "PAPERS.md"
SECTION = "## §6 Where lsgan-tf differs from the authors' runs"


def listed_differences() -> List[Dict[str, Any]]:
    """The rows of docs/PAPERS.md §6: datasets, constant, authors' value, lsgan-tf's value, option flag."""
    text = PAPERS.read_text(encoding="utf-8").split(SECTION, 1)[1]
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("`"):
            continue
        ours = re.findall(r"`([^`]*)`", cells[3])
        rows.append({
            "datasets": re.findall(r"`([^`]*)`", cells[0]),
            "constant": cells[1].strip("`"),
            "authors": ast.literal_eval(cells[2].strip("`")),
            "lsgan_tf": ast.literal_eval(ours[0]),
            "flag": ours[1] if len(ours) > 1 else None,
        })
    return rows


def differences_of(dataset: str, *, options: bool) -> Dict[str, Dict[str, Any]]:
    """{constant: row} of the listed differences of one dataset: its defaults, or its option rows."""
    return {row["constant"]: row for row in listed_differences()
            if dataset in row["datasets"] and (row["flag"] is not None) == options}


def authors_run(dataset: str) -> Dict[str, authors.Constant]:
    """Every constant of the authors' run of one dataset: training and network."""
    return {**authors.TRAINING[dataset], **authors.network_constants(authors.ARCH_OF[dataset])}


def reference_constants(dataset: str, *, defaults: bool, options: Sequence[str] = ()) -> Dict[str, Any]:
    """The authors' constants of `dataset`, with lsgan-tf's listed default differences applied
    when `defaults`, and the listed option rows named in `options`."""
    constants = authors.values(authors_run(dataset))
    if defaults:
        constants.update({name: row["lsgan_tf"] for name, row in differences_of(dataset, options=False).items()})
    option_rows = differences_of(dataset, options=True)
    constants.update({name: option_rows[name]["lsgan_tf"] for name in options})
    return constants
