"""What every converter shares: a progress bar, the closing summary, and clean failure."""

from __future__ import annotations

import sys
import time
from typing import Iterable, List, Optional

from absl import flags
from tqdm import tqdm


def define_output_flags(skip_what: str, records_per_shard: int = 10000) -> None:
    """The flags every TFRecord converter shares: --out, --skip_corrupt, --records_per_shard, --overwrite."""
    flags.DEFINE_string("out", None, "Output folder (created; must not exist unless --overwrite).", required=True)
    flags.DEFINE_boolean("skip_corrupt", False, f"Skip {skip_what} instead of stopping.")
    flags.DEFINE_integer("records_per_shard", records_per_shard, "Records per TFRecord shard.")
    flags.DEFINE_boolean("overwrite", False, "Replace --out if it exists.")


def progress(iterable: Iterable, total: Optional[int], description: str) -> Iterable:
    """A tqdm progress bar on stderr (plain periodic updates when stderr is not a terminal)."""
    return tqdm(iterable, total=total, desc=description, unit="img", file=sys.stderr,
                mininterval=0.5 if sys.stderr.isatty() else 10.0)


def print_summary(name: str, written: int, skipped: int, started: float, errors: List[str],
                  classes: Optional[int] = None, out: Optional[str] = None) -> None:
    """The closing summary: records written, skipped, classes, time, and each error seen."""
    parts = [f"{name}: wrote {written} records", f"skipped {skipped}"]
    if classes is not None:
        parts.append(f"{classes} classes")
    parts.append(f"in {time.time() - started:.1f} s")
    print(", ".join(parts) + (f" -> {out}" if out else ""))
    for error in errors:
        print(f"  skipped: {error}")


def fail(name: str, error: Exception) -> int:
    """Prints a one-line error for the user and returns the exit code 1."""
    print(f"{name}: error: {error}", file=sys.stderr)
    return 1
