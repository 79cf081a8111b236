"""Questions scoped to part of the collection: a date range, source files, chosen papers.

A scope becomes the set of paper ids it admits, read from the records the search already
holds in memory; the search then filters Chroma with ``where`` on those ids and masks the
BM25 side with the same set, so both rankings see the same papers.

Dates: the bundled Daily Papers listings date an entry "Oct 9", without a year. A bound
with a year ("2023-10-01") can say nothing about such a paper, so it leaves it out and
says how many it left out; a bound without one ("Oct 1") compares month and day, and so
covers every paper with a month and day, whatever its year.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import AssistantError
from assistant.records import source_path
from assistant.references import date_parts

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# "Oct 9", "October 9", "9 Oct": a month and a day, no year.
_MONTH_DAY = re.compile(r"([A-Za-z]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?")
_DAY_MONTH = re.compile(r"(\d{1,2})\s+([A-Za-z]{3,})\.?")
_NUMERIC_MONTH_DAY = re.compile(r"--?(\d{1,2})-(\d{1,2})")  # ISO 8601 "--10-09"


class ScopeError(AssistantError):
    """A scope that cannot be read (a date in an unknown form, an unknown paper id)."""


@dataclass(frozen=True)
class When:
    """A date as far as it is known: the year may be missing, month and day too."""

    year: int | None
    month: int | None = None
    day: int | None = None


def read_date(text: str | None) -> When | None:
    """A stored or typed date: ISO ("2023-10-09", "2023-10", "2023"), written ("Oct 9,
    2023", "9 October 2023") or without a year ("Oct 9", "--10-09"); None if unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern, month_group, day_group in (
        (_MONTH_DAY, 1, 2),
        (_DAY_MONTH, 2, 1),
        (_NUMERIC_MONTH_DAY, 1, 2),
    ):
        found = pattern.fullmatch(text)
        if found:
            month = _month(found.group(month_group))
            day = int(found.group(day_group))
            return When(None, month, day) if month and 1 <= day <= 31 else None
    parts = date_parts(text)
    if not parts:
        return None
    return When(*parts)


def _month(text: str) -> int | None:
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    prefix = text[:3].lower()
    return _MONTHS.index(prefix) + 1 if prefix in _MONTHS else None


def _bound(text: str | None, name: str) -> When | None:
    if text is None or not text.strip():
        return None
    when = read_date(text)
    if when is None or (when.year is None and when.month is None):
        raise ScopeError(
            f"--{name} {text!r} is not a date this tool reads: write 2023-10-09, 2023-10, "
            "2023, 'Oct 9 2023', or a month and day without a year ('Oct 9') to match the "
            "Daily Papers listings, which date papers without one."
        )
    return when


@dataclass(frozen=True)
class Selection:
    """The papers a scope admits, and what the reader should know about the rest."""

    paper_ids: frozenset[str]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    """Which papers a question may use. Every part narrows; an empty scope admits all.

    ``sources``: parts of source file paths (any one matching, ignoring case);
    ``paper_ids``: chosen papers.
    """

    since: str | None = None
    until: str | None = None
    sources: tuple[str, ...] = ()
    paper_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        since, until = _bound(self.since, "since"), _bound(self.until, "until")
        if since and until and (since.year is None) != (until.year is None):
            raise ScopeError(
                "--since and --until must both have a year or both be a month and day "
                f"(got {self.since!r} and {self.until!r})."
            )
        if since and until and _start(since) > _end(until):
            raise ScopeError(f"--since {self.since!r} is after --until {self.until!r}.")

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.sources or self.paper_ids)

    def describe(self) -> str:
        """The scope in words, for the answer and the UI ("since 2023-10-01, from mar14")."""
        parts = []
        if self.since:
            parts.append(f"since {self.since}")
        if self.until:
            parts.append(f"until {self.until}")
        if self.sources:
            parts.append("from " + " or ".join(self.sources))
        if self.paper_ids:
            count = len(self.paper_ids)
            parts.append(f"{count} chosen paper{'s' * (count != 1)}")
        return ", ".join(parts) or "the whole collection"

    def select(self, records: Iterable[Mapping[str, Any]]) -> Selection:
        """The ids of the papers (records: each paper's stored metadata) in the scope.

        Chosen ids no indexed paper has are an error naming them.
        """
        since, until = _bound(self.since, "since"), _bound(self.until, "until")
        chosen = {paper_id.strip().lower() for paper_id in self.paper_ids}
        sources = [source.lower() for source in self.sources]
        admitted: set[str] = set()
        known: set[str] = set()
        yearless = 0
        for record in records:
            paper_id = record["paper_id"]
            known.add(paper_id)
            if chosen and paper_id not in chosen:
                continue
            if sources and not _from_sources(record, sources):
                continue
            if since or until:
                when = read_date(record.get("date"))
                if (since or until).year is not None and (when is None or when.year is None):
                    yearless += 1
                    continue
                if when is None or not _within(when, since, until):
                    continue
            admitted.add(paper_id)
        if unknown := sorted(chosen - known):
            raise ScopeError(
                f"No indexed paper has the id(s) {', '.join(unknown)}; "
                "`assistant papers list` shows them."
            )
        notes = []
        if yearless:
            notes.append(
                f"{yearless} paper(s) left out: their date has no year (the Daily Papers "
                "listings write 'Oct 9'); a month and day without a year ('Oct 1') "
                "filters them."
            )
        return Selection(frozenset(admitted), notes)


def _from_sources(record: Mapping[str, Any], sources: list[str]) -> bool:
    """Whether a record (stored: sources as JSON; catalogue: as a list) is from a file
    whose path holds one of ``sources``."""
    stored = record.get("sources") or []
    listed = json.loads(stored) if isinstance(stored, str) else stored
    paths = [source_path(s).lower() for s in listed]
    return any(source in path for source in sources for path in paths)


def _start(when: When) -> tuple[int, int, int]:
    return (when.year or 0, when.month or 1, when.day or 1)


def _end(when: When) -> tuple[int, int, int]:
    return (when.year or 0, when.month or 12, when.day or 31)


def _within(when: When, since: When | None, until: When | None) -> bool:
    """Whether a paper's date can fall in [since, until]: a paper dated only by its year
    or month counts when that year or month overlaps the range."""
    if (since or until).year is None:  # month and day, any year
        if when.month is None:
            return False
        when = When(None, when.month, when.day)
    return (since is None or _end(when) >= _start(since)) and (
        until is None or _start(when) <= _end(until)
    )


def matching(
    papers: list[dict[str, Any]], query: str = "", scope: Scope | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """The catalogue entries whose title holds ``query`` (ignoring case) within ``scope``,
    and the scope's notes: what `assistant papers list` and the library table show."""
    query = (query or "").strip().lower()
    shown = [paper for paper in papers if query in paper["title"].lower()]
    if not scope:
        return shown, []
    selection = scope.select(shown)
    return [paper for paper in shown if paper["paper_id"] in selection.paper_ids], selection.notes
