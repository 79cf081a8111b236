"""Questions about a paper's record (date, authors, arXiv id, link, source file), answered
by code from that record, never by the model.

- ``asked_fields``: which record fields a question asks for, from its structure.
- ``metadata_answer``: one sentence per field, each read from the record; a missing field
  is said to be missing (the Daily Papers listings give "Oct 9" with no year: none is made up).
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer.policy.intent import (
    CODE_LINK,
    DATE_LISTED,
    DATE_ON_PAPER,
    LINK_FIRST,
    LISTING_ASKED,
)
from assistant.records import source_path
from assistant.retrieval.hybrid import release_links

if TYPE_CHECKING:
    from assistant.retrieval.hybrid import PaperHit

FIELDS = ("date", "authors", "arxiv_id", "url", "source")

# Misspellings of these words are read as the word ("publised", "autors", "arxive").
_KEYWORDS = ("published", "released", "authors", "author", "arxiv", "written")
_TYPO_CUTOFF = 0.85  # "public" and "publishers" stay themselves

_ASKS = {
    "date": re.compile(
        # "When was SegPrompt published?", "when did the SPIN paper come out?"; not
        # "when does SegPrompt fail?"
        r"\bwhen\s+(was|were|is|did|has)\b[^?]*\b(published|released|written|appeared?"
        r"|posted|submitted|introduced|proposed|announced|come\s+out|came\s+out|dated)\b"
        r"|\bwhen\s+(is|was)\b[^?]*\bfrom\s*\??$"
        r"|\b(what|which)\s+(year|date)\b"
        r"|\b(publication|release|submission)\s+(date|year)\b|\bdate\s+of\b|\bdated\b"
        r"|\b(published|released)\s*(\?|$|when\b|in\s+what\b|on\s+what\b)"
        r"|\b(published|released)\s+(in|on|before|after)\s+\d{4}\b"
        r"|\bhow\s+(old|recent)\s+is\b"
        r"|"
        + DATE_LISTED
        # The listing a record comes from: "which day's listing is it from?"
        + r"|\b(listing|listed)\b|\b(which|what)\s+day\b|\b(date|day)\s+for\b|\bdate\s*\?|"
        + DATE_ON_PAPER
        + "|"
        + LISTING_ASKED
    ),
    "authors": re.compile(
        # "who wrote ...?", "who are the authors of ...?", "list the authors of ...";
        # not "what data did the authors use?" (the authors are the subject there).
        r"\bwho\s+(wrote|write|writes|authored)\b"
        r"|\bwho\s*('s|is|are|was|were)\s+(the\s+)?(authors?|writers?|behind)\b"
        r"|\bwho\s+(is|are|was|were)\b[^?]*'s?\s+authors?\s*\??$|\bwho\b[^?]*\b(paper|work)\s+by\s*\??$"
        r"|\bwhich\s+(authors?|people|researchers)\s+(wrote|authored)\b"
        r"|\b(what|which)\s+(is|are|were)\s+the\s+(names?\s+of\s+the\s+)?authors?\b"
        r"|^\W*authors?\s+(of|for)\b"
        r"|\b(list|name|give|show|tell)\s+(me\s+)?(all\s+)?(the\s+)?authors?\b"
        r"|\bauthor\s+list\b|\bby\s+whom\b"
    ),
    "arxiv_id": re.compile(
        # "the arxiv id of ...", "is SPIN on arXiv?"; not "which papers on arXiv study ...?"
        r"\barxiv\s*(id|ids|number|identifier|link|url|page|abs|entry)\b"
        r"|\b(the|its)\s+arxiv\b(?!\s+papers?)|\barxiv\s*\??$"
    ),
    "url": re.compile(
        # "give me the link to ...", "the arxiv link", "where can I read it?"; not "is there
        # a link between ...?" nor "does the model take a URL as input?"
        r"\b(what'?s?|where|give|send|share|show|is\s+there|do\s+you\s+have)\b[^?]*"
        r"\b(the|its|a|an|arxiv|paper'?s)\s+(link|url|web\s*page)\b(?!\s+between)"
        r"|\barxiv\s+(link|url|page)\b|\b(link|url)\s*\??$"
        r"|\bwhere\s+can\s+i\s+(read|download|access)\b"
        # a message that opens with it: "github link for the CLEAR paper + ..."
        r"|" + LINK_FIRST + "|" + CODE_LINK
    ),
    "source": re.compile(
        # "which file is it in?", "where does the RemoteCLIP paper come from?"; not
        # "where does the gain come from?", "the source of the gain" nor "what file format".
        r"\b(which|what)\s+([\w-]+\s+){0,3}?files?\b(?!\s*(formats?|types?|sizes?|systems?))"
        r"|\bsource\s+file\b"
        r"|\bwhere\b[^?]*\b(paper|record|entry|abstract)\s+(come|comes|came)\s+from\b"
        r"|\bsource\s+of\s+(the|this|that)\s+(paper|record|entry|abstract)\b"
        r"|\b(its|the\s+paper'?s|the\s+record'?s)\s+source\b"
    ),
}


def _normalise(question: str) -> str:
    """Lower case, with near-misses of the key words spelled right."""

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 5:
            return word
        close = difflib.get_close_matches(word, _KEYWORDS, n=1, cutoff=_TYPO_CUTOFF)
        return close[0] if close else word

    return re.sub(r"[a-z]+", fix, question.casefold().replace("\u2019", "'"))


def asked_fields(question: str) -> list[str]:
    """The record fields the question asks for, in FIELDS order; [] for any other question."""
    text = _normalise(question)
    return [name for name in FIELDS if _ASKS[name].search(text)]


def _json_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return value
    try:
        parsed = json.loads(value or "[]")
    except (TypeError, ValueError):
        return []
    return [str(item) for item in parsed] if isinstance(parsed, list) else []


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _date(title: str, record: dict[str, Any]) -> str:
    date = record.get("date")
    if not date:
        return f"The record of {title} has no date."
    no_year = "" if re.search(r"\b\d{4}\b", date) else " (no year is recorded)"
    dated = f"{title} is dated {date} in the collection{no_year}."
    # A paper listed in several files keeps one record (and the first listing's date).
    files = list(dict.fromkeys(source_path(s) for s in _json_list(record.get("sources"))))
    if len(files) > 1:
        dated += f" It is listed in {_and_list([Path(f).name for f in files])}."
    return dated


def _authors(title: str, record: dict[str, Any]) -> str:
    authors = _json_list(record.get("authors"))
    if not authors:
        return f"{title} lists no authors in its record."
    return f"{title} is by {_and_list(authors)}."


def _arxiv_id(title: str, record: dict[str, Any]) -> str:
    arxiv_id = record.get("arxiv_id")
    if not arxiv_id:
        return f"The record of {title} has no arXiv id."
    return f"The arXiv id of {title} is {arxiv_id}."


def _url(title: str, record: dict[str, Any]) -> str:
    url = record.get("url")
    if url:
        return f"The link recorded for {title} is {url}."
    # Where the abstract says the paper releases its code, model or data: a link the
    # record lacks, read from the paper's own text.
    released = list(dict.fromkeys(release_links(record.get("abstract", ""))))
    if released:
        return f"The record of {title} has no link; its abstract gives {_and_list(released)}."
    return f"The record of {title} has no link."


def _source(title: str, record: dict[str, Any]) -> str:
    sources = _json_list(record.get("sources"))
    if not sources:
        return f"The record of {title} names no source file."
    places = [
        f"{source_path(s)} ({s[len(source_path(s)) + 1 :]})" if ":" in s else s for s in sources
    ]
    return f"{title} was read from {_and_list(places)}."


_SENTENCES = {
    "date": _date,
    "authors": _authors,
    "arxiv_id": _arxiv_id,
    "url": _url,
    "source": _source,
}


def metadata_answer(hit: PaperHit, fields: list[str], abstract: str = "") -> str:
    """One sentence per asked field, each stating what the paper's record holds (or lacks);
    ``abstract``, the paper's, for the links it releases at when the record has none."""
    unknown = [name for name in fields if name not in _SENTENCES]
    if unknown:
        raise ValueError(f"not a record field: {', '.join(unknown)}")
    title = f'"{hit.metadata.get("title") or hit.title}"'
    record = {**hit.metadata, "abstract": abstract}
    return " ".join(_SENTENCES[name](title, record) for name in fields)
