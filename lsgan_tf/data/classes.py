"""The labels of the character datasets: GB2312/GBK tag codes, the 3,755 GB2312-80 level-1
characters that every HWDB route labels by their index, and `ClassTable`, the class table a
conditional run, its exports and its scores share (index, character, code, samples held).

Standard library and numpy only, so that runs, sampling and scoring read a class table without
the HWDB reader.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional, Sequence, Tuple

CLASS_SETS = ("level1", "all")
CLASSES_FILE = "classes.tsv"  # the class table beside prepared records and in a run directory


def decode_tag(code: bytes) -> str:
    """The character of a 2-byte GB2312/GBK tag code (ASCII symbols stored as b'X\\x00')."""
    if code[1:] == b"\x00":
        return chr(code[0])
    return code.decode("gbk")


def is_gb2312_level1(code: bytes) -> bool:
    """GB2312-80 level-1 hanzi: rows 0xB0-0xD7, cells 0xA1-0xFE (0xD7FA-0xD7FE are unassigned)."""
    first, second = code[0], code[1]
    return 0xB0 <= first <= 0xD7 and 0xA1 <= second <= 0xFE and not (first == 0xD7 and second >= 0xFA)


# The 3,755 GB2312-80 level-1 hanzi in code order. Every HWDB route (raw .gnt files, the TFRecord
# converter, the TFDS builder, the synthetic renderer) labels a character with its index here, so a
# class id never depends on which files are present (HWDB1.0 holds 3,740 of these characters).
LEVEL1_CODES: Tuple[bytes, ...] = tuple(
    bytes([first, second]) for first in range(0xB0, 0xD8) for second in range(0xA1, 0xFF)
    if is_gb2312_level1(bytes([first, second]))
)
UNCOUNTED = -1  # a class count not known (a TFDS source lists its classes, not their counts)


@dataclasses.dataclass(frozen=True)
class ClassTable:
    """Class index <-> character (GB code) and the samples each class has in the data.

    The `level1` set is LEVEL1_CODES: 3,755 classes in GB code order, whatever the files hold
    (absent ones count 0). The `all` set appends every other tag present, sorted by code, so a
    level-1 character has the same index in both.
    """

    codes: Tuple[bytes, ...]
    counts: Tuple[int, ...]

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def characters(self) -> List[str]:
        return [decode_tag(code) for code in self.codes]

    def present(self) -> List[int]:
        """The indices of the classes the data holds (count > 0, or not counted)."""
        return [i for i, count in enumerate(self.counts) if count != 0]

    def present_subset(self) -> Optional[List[int]]:
        """`present()` when the data holds only some of the classes (a subset run); None when it
        holds all of them."""
        present = self.present()
        return present if len(present) < len(self) else None

    def index(self) -> Dict[bytes, int]:
        return {code: i for i, code in enumerate(self.codes)}

    def to_tsv(self) -> str:
        """index, character, GB code (hex), sample count (-1: not counted); one class a line, with a header."""
        lines = ["index\tcharacter\tgb_code\tcount"]
        for i, (code, count) in enumerate(zip(self.codes, self.counts)):
            lines.append(f"{i}\t{decode_tag(code)}\t{code.hex().upper()}\t{count}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_tsv(cls, text: str) -> "ClassTable":
        rows = [line.split("\t") for line in text.strip().splitlines()[1:]]
        return cls(tuple(bytes.fromhex(row[2]) for row in rows), tuple(int(row[3]) for row in rows))

    @classmethod
    def from_counts(cls, counts: Dict[bytes, int], class_set: str = "level1") -> "ClassTable":
        """The table of a class set with the samples per code found in the data."""
        if class_set not in CLASS_SETS:
            raise ValueError(f"Unknown class set {class_set!r}; expected one of {CLASS_SETS}.")
        others = sorted(code for code in counts if not is_gb2312_level1(code)) if class_set == "all" else []
        codes = LEVEL1_CODES + tuple(others)
        return cls(codes, tuple(counts.get(code, 0) for code in codes))

    @classmethod
    def from_characters(cls, characters: Sequence[str], present: Optional[Sequence[int]] = None) -> "ClassTable":
        """The table of a source that names its classes without counting them (TFDS, an export's
        metadata.json); `present`: the classes it holds, when not all of them (the others count 0)."""
        codes = tuple(character.encode("gbk") for character in characters)
        held = set(present) if present is not None else None
        return cls(codes, tuple(UNCOUNTED if held is None or i in held else 0 for i in range(len(codes))))
