"""What training does with a record it cannot read: stop with a message naming the file and the
record (offset, index or key), or, with --skip_corrupt, leave the record out and count it.

Readers written in Python (.gnt, LMDB) name the record themselves as they meet it. Readers that
decode inside the tf.data graph (image folders, prepared TFRecords) cannot: a decode op's error
names no file. For those, `locate` scans the source in Python, only after a failure, to find the
record to name; with --skip_corrupt the same scan runs before training and the unreadable records
are left out of the file list, so the data order stays deterministic.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, List, Optional

SKIP_HINT = "Remove or re-copy it, or pass --skip_corrupt to leave unreadable records out and count them."
SHOWN_SKIPS = 3
@dataclasses.dataclass
class CorruptRecords:
    """The unreadable records of one training input: those skipped (with `skip`), the one that
    stopped a Python reader, and how to find the one that stopped an in-graph decoder."""

    skip: bool = False
    skipped: List[str] = dataclasses.field(default_factory=list)
    fatal: Optional[str] = None  # a Python reader's full message, which says what to do
    locate: Optional[Callable[[], Optional[str]]] = None

    def explain(self) -> Optional[str]:
        """The named record behind an input-pipeline failure, or None when no record is unreadable
        (the failure was not the data's)."""
        if self.fatal:
            return self.fatal
        problem = self.locate() if self.locate else None
        return f"{problem}. {SKIP_HINT}" if problem else None

    def summary(self) -> str:
        """'N unreadable record(s) skipped: <first few>' for train.log."""
        shown = "; ".join(self.skipped[:SHOWN_SKIPS])
        more = f"; and {len(self.skipped) - SHOWN_SKIPS} more" if len(self.skipped) > SHOWN_SKIPS else ""
        return f"--skip_corrupt: {len(self.skipped)} unreadable record(s) skipped: {shown}{more}"
