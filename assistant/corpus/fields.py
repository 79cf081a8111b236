"""Mapping one record (a JSON object, CSV row or BibTeX entry) to a Paper, field by field."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from email.utils import parsedate_to_datetime

from assistant.corpus import bibtex
from assistant.corpus.cleaning import INVISIBLE, clean_text
from assistant.records import Paper, Problem, SourceRef

_ARXIV_ID = re.compile(
    r"(?:arxiv:|https?://arxiv\.org/(?:abs|pdf)/)?"
    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7}(?:v\d+)?)(?:\.pdf)?",
    re.IGNORECASE,
)
_AUTHOR_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


def one_line(text: str) -> str:
    """Display text: invisible characters dropped, NFC, whitespace runs as one space."""
    return " ".join(unicodedata.normalize("NFC", INVISIBLE.sub("", text)).split())


def scalar_text(value: object) -> str | None:
    """A scalar field as one line of text; None when missing, empty or not a scalar."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return (one_line(value) or None) if isinstance(value, str) else None


def first(record: dict[str, object], *names: str) -> object:
    return next((record[name] for name in names if record.get(name) not in (None, "")), None)


def make_paper(
    record: dict[str, object], source: SourceRef, entry: str = "entry"
) -> Paper | Problem:
    """A Paper from a record with lower-case keys, or the Problem that makes it unusable."""
    title = scalar_text(record.get("title"))
    abstract = first(record, "abstract", "summary")
    abstract = clean_text(abstract) if isinstance(abstract, str) else ""
    if not title or not abstract:
        missing = "title" if not title else "abstract"
        return Problem(source.path, source.position, f"{entry} has no {missing}; skipped")
    arxiv_id = _arxiv_id(record)
    doi = (scalar_text(record.get("doi")) or "").split(" ")[0]
    url = (
        scalar_text(record.get("url"))
        or (f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None)
        or (doi if doi.startswith("http") else f"https://doi.org/{doi}" if doi else None)
    )
    return Paper(
        title=title,
        abstract=abstract,
        sources=[source],
        authors=_authors(record),
        date=_date(record),
        arxiv_id=arxiv_id,
        url=url,
    )


def _arxiv_id(record: dict[str, object]) -> str | None:
    """An arXiv id from the usual fields; ids of other shapes (row numbers...) are not one."""
    for name in ("arxiv_id", "arxiv", "id", "eprint"):
        text = scalar_text(record.get(name))
        match = _ARXIV_ID.fullmatch(text) if text else None
        if match:
            return match.group(1)
    prefix = scalar_text(record.get("archiveprefix") or record.get("eprinttype")) or ""
    return scalar_text(record.get("eprint")) if prefix.lower() == "arxiv" else None


def _authors(record: dict[str, object]) -> list[str]:
    """Names as "First Last": from arXiv ``authors_parsed``, a list, or a delimited string."""
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = [
            " ".join(filter(None, (scalar_text(part) for part in (*name[1:2], name[0], *name[2:]))))
            for name in parsed
            if isinstance(name, list) and name
        ]
    else:
        value = first(record, "authors", "author")
        if isinstance(value, str):
            # "Last, First; Last, First" keeps commas inside names; otherwise "A, B and C".
            names = value.split(";") if ";" in value else _AUTHOR_SEPARATOR.split(value)
        elif isinstance(value, list):
            names = [item.get("name") if isinstance(item, dict) else item for item in value]
        else:
            names = []
    cleaned = (bibtex.plain(name) for name in names if isinstance(name, str))
    return [name for name in cleaned if name]


def _date(record: dict[str, object]) -> str | None:
    """The first arXiv version's date, else ``update_date``, else a date, published or year.

    A paper is cited by when it first appeared: arXiv's ``update_date`` moves with every
    later version (or metadata fix), so it only stands in when no version is listed.
    """
    versions = record.get("versions")
    first_version = versions[0] if isinstance(versions, list) and versions else None
    created = scalar_text(first_version.get("created")) if isinstance(first_version, dict) else None
    if created:
        with contextlib.suppress(TypeError, ValueError, IndexError):  # else kept as written
            created = parsedate_to_datetime(created).date().isoformat()
    return (
        created
        or scalar_text(record.get("update_date"))
        or scalar_text(first(record, "date", "published", "year"))
    )


def lowered(record: dict[str, object]) -> dict[str, object]:
    return {str(name).strip().lower(): value for name, value in record.items()}
