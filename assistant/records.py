"""The paper record every reader produces and every later stage consumes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

# Bump when parsing or cleaning changes a paper's text, id or stored fields: it is part of
# the index fingerprint, so an index built by an older parser is not silently reused.
PARSER_VERSION = "2"  # 2: arXiv records are dated by their first version


@dataclass(frozen=True)
class SourceRef:
    """Where a paper was read: the file and the line (text formats) or entry number."""

    path: str
    position: str  # "line 12" or "entry 3"

    def __str__(self) -> str:
        return f"{self.path}:{self.position}"


@dataclass(frozen=True)
class Problem:
    """Something in a corpus file that could not be used, and where it is."""

    path: str
    position: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.position}" if self.position else self.path
        return f"{where}: {self.message}"


def source_path(source: str) -> str:
    """The file of a source as stored (``str(SourceRef)``): everything before the position."""
    return source.rsplit(":", 1)[0]


@dataclass
class Paper:
    """One paper. ``title`` is exactly as published (for citation); ``abstract`` is cleaned."""

    title: str
    abstract: str
    sources: list[SourceRef]
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    arxiv_id: str | None = None
    url: str | None = None

    @property
    def paper_id(self) -> str:
        """Stable id: derived from the normalised title, so every source of a paper agrees."""
        return paper_id_for(self.title)


def title_key(title: str) -> str:
    """The de-duplication key of a title: case, accents, punctuation and spacing folded."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.findall(r"[0-9a-z]+", text))


def paper_id_for(title: str) -> str:
    # Titles with no Latin letters or digits (Chinese, Japanese...) have an empty key:
    # their case-folded text keeps them apart.
    key = title_key(title) or " ".join(title.casefold().split())
    return hashlib.sha256(key.encode()).hexdigest()[:16]
