"""Citations belong to the code: markers parsed, invented ids dropped, renumbered, rendered."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "[1]", "[1, 2]", "[1][2]", "[Source 1]", "[S2]" (small models vary the form).
MARKER = re.compile(
    r"[ \t]*\[\s*(?:sources?|s)?\s*(\d{1,3}(?:\s*(?:,|;|and|&)\s*(?:sources?|s)?\s*\d{1,3})*)\s*\]",
    re.IGNORECASE,
)
OPEN_MARKER_LIMIT = 24  # an unclosed "[" longer than this is plain text, not a marker


@dataclass(frozen=True)
class Citation:
    n: int  # the number shown in the answer
    source_id: int  # the number the source had in the prompt
    paper_id: str
    title: str


class CitationRewriter:
    """Rewrites a streamed answer's markers on the fly.

    Markers of sources that were given are renumbered by first use (1, 2, ...); markers
    the model invented are dropped. Text is held back only while a "[" is unclosed, so
    what streams out is exactly the final answer.
    """

    def __init__(self, given_ids: set[int]) -> None:
        self.given_ids = given_ids
        self.order: list[int] = []  # source ids in order of first citation
        self.pending = ""
        self.text = ""

    def feed(self, piece: str) -> str:
        self.pending += piece
        start = self.pending.rfind("[")
        unclosed = start != -1 and "]" not in self.pending[start:]
        if unclosed and len(self.pending) - start <= OPEN_MARKER_LIMIT:
            ready, self.pending = self.pending[:start], self.pending[start:]
        else:
            ready, self.pending = self.pending, ""
        # Trailing spaces wait too: they belong to a marker if one follows.
        kept = ready.rstrip(" \t")
        self.pending = ready[len(kept) :] + self.pending
        return self._emit(kept)

    def finish(self) -> str:
        ready, self.pending = self.pending, ""
        return self._emit(ready)

    def _emit(self, text: str) -> str:
        rewritten = MARKER.sub(self._replace, text)
        self.text += rewritten
        return rewritten

    def _replace(self, match: re.Match[str]) -> str:
        numbers = []
        for value in re.findall(r"\d+", match.group(1)):
            source_id = int(value)
            if source_id not in self.given_ids:
                continue
            if source_id not in self.order:
                self.order.append(source_id)
            number = self.order.index(source_id) + 1
            if number not in numbers:
                numbers.append(number)
        if not numbers:
            return ""
        space = " " if match.group(0)[:1] in (" ", "\t") else ""
        return space + "".join(f"[{n}]" for n in numbers)


def strip_markers(text: str) -> str:
    return MARKER.sub("", text).strip()


def is_bare_citation(text: str) -> bool:
    """True for answers that are only markers and punctuation, like "[1]" or "Source [1]."."""
    words = re.findall(r"[A-Za-z]{2,}", strip_markers(text))
    return len([w for w in words if w.lower() not in {"source", "sources", "see"}]) == 0


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
