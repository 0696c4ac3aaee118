"""Load the labelled documents: `{{CODE|sentence}}` marks a requirement and its category.

Every unmarked sentence is narrative (a negative example). Documents 01-05 are the development
split the lexicons were tuned on; 06-10 are held out and were not looked at while tuning.
"""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass

CODES = {
    "F": "functional",
    "AV": "availability",
    "FT": "fault tolerance",
    "LG": "legal",
    "LF": "look and feel",
    "MN": "maintainability",
    "OP": "operability",
    "PE": "performance",
    "PO": "portability",
    "SC": "scalability",
    "SE": "security",
    "US": "usability",
}
DEV = ("01", "02", "03", "04", "05")
_MARK = re.compile(r"\{\{([A-Z]{1,2})\|(.*?)\}\}", re.S)
ROOT = pathlib.Path(__file__).parent / "documents"


@dataclass(frozen=True)
class Gold:
    """One labelled requirement: its span in the clean text and its category."""

    start: int
    end: int
    category: str


@dataclass(frozen=True)
class Document:
    """A clean document text with its gold requirements."""

    name: str
    text: str
    gold: tuple[Gold, ...]

    @property
    def split(self) -> str:
        return "dev" if self.name[:2] in DEV else "held-out"


def parse(raw: str, name: str = "doc") -> Document:
    """Strip the markup from `raw`, recording each marked span's offsets in the clean text."""
    out: list[str] = []
    gold: list[Gold] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(raw):
        out.append(raw[pos : m.start()])
        length += m.start() - pos
        body = m.group(2)
        gold.append(Gold(length, length + len(body), CODES[m.group(1)]))
        out.append(body)
        length += len(body)
        pos = m.end()
    out.append(raw[pos:])
    return Document(name, "".join(out), tuple(gold))


def load() -> list[Document]:
    """Every document of the set, in name order."""
    return [parse(p.read_text(), p.name) for p in sorted(ROOT.glob("*.txt"))]
