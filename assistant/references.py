"""References out: BibTeX, RIS and CSL-JSON built only from what a paper's stored record holds.

Every function here takes the metadata the index keeps for a paper (``paper_metadata`` in
``assistant/index/chunking.py``: title, authors JSON, date, arXiv id, url, sources JSON) and
writes nothing the record does not hold: no venue, no entry type guessed from the title, no
year guessed for a date without one (the bundled Daily Papers listings date an entry "Oct 9").
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from assistant.records import paper_id_for, source_path

FORMATS = ("bibtex", "ris", "csl-json")

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?")
# "October 9, 2024", "Oct. 9 2024" and "9 October 2024".
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s+([A-Za-z]{3,})\.?,?\s+(\d{4})")
_YEAR = re.compile(r"(?<!\d)([12]\d{3})(?!\d)")
_DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/(10\.\S+)", re.IGNORECASE)
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_TITLE_STOP_WORDS = frozenset({"a", "an", "the"})
# Lower-case words that start a family name ("Ludwig van Beethoven", "Rosa de la Cruz").
_NAME_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "dos",
     "das", "ter", "ten", "zu", "bin", "ibn", "al", "el"}
)  # fmt: skip
# Latin letters that NFKD does not take apart into a base letter and an accent.
_ASCII_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "\u0131": "i"}
)  # fmt: skip
# LaTeX specials in a braced BibTeX value. Braces become commands rather than \{ and \}:
# BibTeX counts every brace, escaped or not, so a lone \{ would unbalance the entry.
_BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(ch) for ch in _BIBTEX_SPECIALS))


# --- The record's fields ------------------------------------------------------------------------


def reference_fields(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The citable fields of one stored paper; a field the record lacks is absent, not empty.

    ``key`` is the paper's citation key (see ``citation_key``), ``title`` exactly as stored,
    ``year`` only when the stored date holds a four-digit year, ``doi`` only when the url is
    a doi.org link, ``sources`` the corpus files the paper was read from.
    """
    title = str(metadata["title"])
    paper_id = str(metadata.get("paper_id") or paper_id_for(title))
    authors = [str(name) for name in _json_list(metadata.get("authors")) if str(name).strip()]
    fields: dict[str, Any] = {"paper_id": paper_id, "title": title}
    if authors:
        fields["authors"] = authors
    date = str(metadata.get("date") or "").strip()
    if date:
        fields["date"] = date
        parts = date_parts(date)
        if parts:
            fields["year"] = parts[0]
    for name in ("arxiv_id", "url"):
        if metadata.get(name):
            fields[name] = str(metadata[name])
    doi = doi_of(fields.get("url"))
    if doi:
        fields["doi"] = doi
    sources = list(dict.fromkeys(source_path(str(s)) for s in _json_list(metadata.get("sources"))))
    if sources:
        fields["sources"] = sources
    return {"key": citation_key(fields), **fields}


def reference_list(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``reference_fields`` of each paper, once per paper, with keys unique within the list.

    Keys carry four hex characters of a hash of the paper id, so two papers by the same
    first author on the same date differ; in the rare list where two keys still agree,
    those papers get eight characters instead.
    """
    references: dict[str, dict[str, Any]] = {}
    for metadata in records:
        fields = reference_fields(metadata)
        references.setdefault(fields["paper_id"], fields)
    result = list(references.values())
    seen: dict[str, int] = {}
    for fields in result:
        seen[fields["key"]] = seen.get(fields["key"], 0) + 1
    for fields in result:
        if seen[fields["key"]] > 1:
            fields["key"] = citation_key(fields, hash_chars=8)
    return result


def date_parts(date: str | None) -> list[int] | None:
    """[year, month, day] (or a prefix of it) from a stored date; None when it has no year."""
    text = (date or "").strip()
    iso = _ISO_DATE.fullmatch(text)
    if iso:
        return _valid_parts(int(iso.group(1)), iso.group(2), iso.group(3))
    written = _MONTH_DAY_YEAR.fullmatch(text)
    if written:
        return _valid_parts(int(written.group(3)), _month(written.group(1)), written.group(2))
    written = _DAY_MONTH_YEAR.fullmatch(text)
    if written:
        return _valid_parts(int(written.group(3)), _month(written.group(2)), written.group(1))
    year = _YEAR.search(text)
    return [int(year.group(1))] if year else None


def doi_of(url: str | None) -> str | None:
    """The DOI of a doi.org link; None for any other url (no DOI is looked up or guessed)."""
    match = _DOI_URL.fullmatch(url or "")
    return unquote(match.group(1)) if match else None


def citation_key(fields: Mapping[str, Any], hash_chars: int = 4) -> str:
    """First author's surname (else the first title word), year (else the date, else "nd"),
    "_" and ``hash_chars`` hex characters of a hash of the paper id; lower-case ASCII."""
    authors = fields.get("authors") or []
    name = _ascii_word(split_name(authors[0])[1]) if authors else ""
    if not name:
        words = (_ascii_word(word) for word in str(fields["title"]).split())
        content = [word for word in words if word]
        name = next((w for w in content if w not in _TITLE_STOP_WORDS), "") or "".join(content[:1])
    when = str(fields["year"]) if fields.get("year") else _ascii_word(fields.get("date") or "")
    paper_id = str(fields.get("paper_id") or paper_id_for(str(fields["title"])))
    digest = hashlib.sha256(paper_id.encode()).hexdigest()[:hash_chars]
    return f"{(name or 'paper')[:24]}{when[:12] or 'nd'}_{digest}"


def split_name(name: str) -> tuple[str, str, str]:
    """(given, family, suffix) of an author name as stored ("First Last" or "Last, First").

    The family name is the last word, or from a particle after the given names on
    ("Ludwig van Beethoven"); a trailing Jr/Sr/II/III/IV is the suffix. A name of one word,
    or one with "and" in it (a team, an organisation), is all family name with no given name.
    """
    text = " ".join(name.split())
    if re.search(r"\band\b", text, re.IGNORECASE):
        return "", text, ""
    if "," in text:
        parts = [part.strip() for part in text.split(",")]
        if len(parts) == 3:
            return parts[2], parts[0], parts[1]
        return ", ".join(parts[1:]), parts[0], ""
    words = text.split(" ")
    suffix = ""
    if len(words) > 2 and words[-1].rstrip(".").lower() in _NAME_SUFFIXES:
        suffix = words.pop()
    if len(words) == 1:
        return "", words[0], suffix
    start = next(
        (i for i in range(1, len(words) - 1) if words[i] in _NAME_PARTICLES), len(words) - 1
    )
    return " ".join(words[:start]), " ".join(words[start:]), suffix


# --- BibTeX -------------------------------------------------------------------------------------


def to_bibtex(records: Iterable[Mapping[str, Any]]) -> str:
    """@misc entries (the record holds no venue): title, author, year, date, eprint, url, doi.

    Written by hand so the product needs no BibTeX library at run time; the tests parse the
    output back with bibtexparser. Text is escaped for LaTeX, words with inner capitals
    ("ZebraNet", "LHC") are braced so styles keep their case, and url and doi are left
    verbatim (the url package reads them so) with only braces and backslashes %-encoded.
    """
    return "\n".join(_bibtex_entry(fields) for fields in reference_list(records))


def _bibtex_entry(fields: Mapping[str, Any]) -> str:
    values: list[tuple[str, str]] = [("title", bibtex_title(fields["title"]))]
    if fields.get("authors"):
        values.append(("author", " and ".join(map(_bibtex_name, fields["authors"]))))
    parts = date_parts(fields.get("date"))
    if parts:
        values.append(("year", str(parts[0])))
        if len(parts) > 1:
            values.append(("date", "-".join(f"{part:02d}" for part in parts)))
    if fields.get("arxiv_id"):
        values += [("eprint", _bibtex_verbatim(fields["arxiv_id"])), ("archiveprefix", "arXiv")]
    if fields.get("url"):
        values.append(("url", _bibtex_verbatim(fields["url"])))
    if fields.get("doi"):
        values.append(("doi", _bibtex_verbatim(fields["doi"])))
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in values)
    return f"@misc{{{fields['key']},\n{body}}}\n"


def bibtex_escape(text: str) -> str:
    """Text with LaTeX's special characters written as commands, safe inside ``{...}``."""
    one_line = " ".join(text.split())
    return _BIBTEX_SPECIAL.sub(lambda match: _BIBTEX_SPECIALS[match.group()], one_line)


def bibtex_title(title: str) -> str:
    """The title escaped, each word with a capital after its first letter in braces."""
    escaped = []
    for word in " ".join(title.split()).split(" "):
        protect = any(ch.isupper() for ch in word[1:])
        escaped.append(f"{{{bibtex_escape(word)}}}" if protect else bibtex_escape(word))
    return " ".join(escaped)


def _bibtex_name(name: str) -> str:
    """A name BibTeX splits right: "Last, Jr, First" with a suffix, braced when it holds "and"."""
    given, family, suffix = split_name(name)
    if suffix:
        text = f"{family}, {suffix}, {given}"
    elif "," in name:
        text = f"{family}, {given}" if given else family
    else:
        text = " ".join(name.split())
    escaped = bibtex_escape(text)
    return f"{{{escaped}}}" if re.search(r"\band\b", text, re.IGNORECASE) else escaped


def _bibtex_verbatim(text: str) -> str:
    return text.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


# --- RIS ----------------------------------------------------------------------------------------


def to_ris(records: Iterable[Mapping[str, Any]]) -> str:
    """RIS records (type GEN: the record holds no venue), one ``TAG  - value`` a line.

    Written by hand: RIS is a line per field with fixed two-letter tags, simpler to write
    directly than to map through a library's field names (the tests read it back with
    rispy). Authors are "Last, First" (a name without a comma imports as a single field).
    """
    return "\n".join(_ris_record(fields) for fields in reference_list(records))


def _ris_record(fields: Mapping[str, Any]) -> str:
    lines = [("TY", "GEN"), ("ID", fields["key"]), ("TI", fields["title"])]
    for name in fields.get("authors", []):
        given, family, suffix = split_name(name)
        lines.append(("AU", ", ".join(part for part in (family, given, suffix) if part)))
    parts = date_parts(fields.get("date"))
    if parts:
        lines.append(("PY", str(parts[0])))
        padded = [f"{parts[0]:04d}", *(f"{part:02d}" for part in parts[1:])]
        lines.append(("DA", "/".join(padded + [""] * (3 - len(parts))) + "/"))
    elif fields.get("date"):  # RIS dates are YYYY/MM/DD/other: "Oct 9" is the "other" part
        lines.append(("DA", f"///{fields['date']}"))
    if fields.get("url"):
        lines.append(("UR", fields["url"]))
    if fields.get("doi"):
        lines.append(("DO", fields["doi"]))
    if fields.get("arxiv_id"):
        lines.append(("AN", f"arXiv:{fields['arxiv_id']}"))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {' '.join(str(value).split())}\n" for tag, value in lines)


# --- CSL-JSON -----------------------------------------------------------------------------------


def to_csl_json(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """CSL-JSON items: "article" (a preprint) for arXiv papers, else "document" (no venue known).

    A date without a year is kept as a literal date ("Oct 9"): CSL date-parts need a year.
    """
    items = []
    for fields in reference_list(records):
        item: dict[str, Any] = {
            "id": fields["key"],
            "type": "article" if fields.get("arxiv_id") else "document",
            "title": fields["title"],
        }
        if fields.get("authors"):
            item["author"] = [_csl_name(name) for name in fields["authors"]]
        parts = date_parts(fields.get("date"))
        if parts:
            item["issued"] = {"date-parts": [parts]}
        elif fields.get("date"):
            item["issued"] = {"literal": fields["date"]}
        if fields.get("arxiv_id"):
            item["number"] = f"arXiv:{fields['arxiv_id']}"
            item["publisher"] = "arXiv"
        if fields.get("url"):
            item["URL"] = fields["url"]
        if fields.get("doi"):
            item["DOI"] = fields["doi"]
        items.append(item)
    return items


def _csl_name(name: str) -> dict[str, str]:
    given, family, suffix = split_name(name)
    if not given:
        return {"literal": " ".join(name.split())}
    return {"family": family, "given": given, **({"suffix": suffix} if suffix else {})}


# --- Any format ---------------------------------------------------------------------------------


def render(records: Iterable[Mapping[str, Any]], fmt: str) -> str:
    """The references as text in one of FORMATS (CSL-JSON as an indented JSON array)."""
    if fmt == "bibtex":
        return to_bibtex(records)
    if fmt == "ris":
        return to_ris(records)
    if fmt == "csl-json":
        return json.dumps(to_csl_json(records), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown reference format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _json_list(value: object) -> list[Any]:
    """A list stored as JSON text (Chroma metadata holds scalars), or already a list."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value] if value.strip() else []
    return list(value) if isinstance(value, list | tuple) else []


def _valid_parts(year: int, month: object, day: object) -> list[int]:
    parts = [year]
    month_number = int(month) if month else 0
    if 1 <= month_number <= 12:
        parts.append(month_number)
        day_number = int(day) if day else 0
        if 1 <= day_number <= 31:
            parts.append(day_number)
    return parts


def _month(name: str) -> int | None:
    prefix = name[:3].lower()
    return _MONTHS.index(prefix) + 1 if prefix in _MONTHS else None


def _ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits of a text, accents taken off."""
    folded = unicodedata.normalize("NFKD", str(text).translate(_ASCII_LETTERS))
    return re.sub(r"[^a-z0-9]", "", folded.encode("ascii", "ignore").decode().lower())
