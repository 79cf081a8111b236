"""Citations belong to the code: the model's markers stripped, the sentences of a streamed
reply cut whole for checking, and citation numbers given by first use."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "[1]", "[1, 2]", "[1][2]", "[Source 1]", "[S2]" (small models vary the form).
MARKER = re.compile(
    r"[ \t]*\[\s*(?:sources?|s)?\s*(\d{1,3}(?:\s*(?:,|;|and|&)\s*(?:sources?|s)?\s*\d{1,3})*)\s*\]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Citation:
    n: int  # the number shown in the answer
    source_id: int  # the number the source had in the prompt
    paper_id: str
    title: str


def strip_markers(text: str) -> str:
    return MARKER.sub("", text).strip()


# Where a streamed reply's sentence ends: ". ", "! ", "? " before the next sentence's first
# character, or a line break (lists). The next character must be there to tell "5.6" apart.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'\[*-])|\n+")


class SentenceStream:
    """A streamed reply cut into whole sentences, so each can be checked before it is shown."""

    def __init__(self) -> None:
        self.pending = ""

    def feed(self, piece: str) -> list[str]:
        """The sentences completed by ``piece`` (a sentence is complete once the next begins)."""
        self.pending += piece
        ends = list(SENTENCE_END.finditer(self.pending))
        if not ends:
            return []
        done, self.pending = self.pending[: ends[-1].start()], self.pending[ends[-1].end() :]
        return [s.strip() for s in SENTENCE_END.split(done) if s and s.strip()]

    def finish(self) -> list[str]:
        rest, self.pending = self.pending.strip(), ""
        return [s.strip() for s in SENTENCE_END.split(rest) if s and s.strip()]


class Numbering:
    """Citation numbers in order of first use: the first source cited is [1], and so on."""

    def __init__(self) -> None:
        self.order: list[int] = []  # source ids

    def mark(self, source_ids: list[int]) -> str:
        numbers = []
        for source_id in source_ids:
            if source_id not in self.order:
                self.order.append(source_id)
            numbers.append(self.order.index(source_id) + 1)
        return "".join(f"[{n}]" for n in sorted(set(numbers)))
