"""A tolerant BibTeX reader: entries with their raw fields and start lines, and LaTeX-to-text.

Hand-written rather than a dependency because real .bib files are messy: one broken entry
must cost only that entry, with the line it starts on, and the parser resyncs at the next
``@`` that starts a line.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NoReturn

_IGNORED_TYPES = frozenset({"comment", "preamble"})
_ENTRY_START = re.compile(r"@[ \t]*([A-Za-z][\w-]*)\s*([{(])")
_LINE_ENTRY_START = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z][\w-]*\s*[{(]")
_KEY = re.compile(r"\s*([^\s,={}()\"#]*)\s*")
_FIELD_NAME = re.compile(r"[^\s=,{}()\"#%]+")
_BARE_VALUE = re.compile(r"[^\s,#{}()\"]+")
_SPACE = re.compile(r"\s*")
_BRACE = re.compile(r"[{}]")
_QUOTE_END = re.compile(r'[{}"]')

_COMBINING = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328",
    "r": "\u030a",
}  # fmt: skip
# Letter-named accents (\c, \v ...) need a brace or space after them, so \cite or \vec stay.
_ACCENT = re.compile(
    r"\\([\"'`^~=.]|[cvuHkr](?=[\s{]))\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))"
)
_LETTERS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
    "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "i": "\u0131", "j": "\u0237",
}  # fmt: skip
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])")
_ESCAPED = re.compile(r"\\([%&_#$])")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass
class Entry:
    """One ``@type{key, name = value, ...}``: names lower-cased, values without outer delimiters."""

    kind: str
    key: str
    fields: dict[str, str]
    line: int


@dataclass(frozen=True)
class SyntaxProblem:
    """An entry that could not be read, located by the line it starts on."""

    line: int
    message: str


class _Unreadable(Exception):
    """Raised inside the parser when the entry being read is malformed."""


def parse(text: str) -> Iterator[Entry | SyntaxProblem]:
    """Entries of a .bib text in order; a malformed entry becomes a SyntaxProblem and is skipped."""
    newlines = [match.start() for match in re.finditer("\n", text)]
    macros: dict[str, str] = {}
    position = 0
    while match := _ENTRY_START.search(text, position):
        kind = match.group(1).lower()
        line = bisect.bisect_left(newlines, match.start()) + 1
        # An entry never reads past the next line that starts a new one: a lost brace
        # costs one entry (and reading stays linear), not the rest of the file.
        following = _LINE_ENTRY_START.search(text, match.end())
        limit = following.start() + 1 if following else len(text)
        if kind in _IGNORED_TYPES:
            position = limit
            continue
        closer = ")" if match.group(2) == "(" else "}"
        parser = _EntryParser(text, match.end(), limit, closer, macros)
        try:
            key, fields, position = parser.read_body()
        except _Unreadable as err:
            name = f"@{kind} entry" if kind == "string" else f"entry {_label(text, match.end())}"
            yield SyntaxProblem(line, f"{name} {err}; skipped")
            position = limit
            continue
        if kind == "string":
            macros.update(fields)
        else:
            yield Entry(kind, key, fields, line)


def _label(text: str, body_start: int) -> str:
    """The key of an entry for messages, read leniently from the text after its opening brace."""
    key = _KEY.match(text, body_start).group(1)
    return key[:80] if key else "(no key)"


class _EntryParser:
    """Reads one entry body from ``start`` (just past the opening delimiter) up to ``limit``."""

    def __init__(
        self, text: str, start: int, limit: int, closer: str, macros: dict[str, str]
    ) -> None:
        self.text, self.position, self.limit = text, start, limit
        self.closer, self.macros = closer, macros

    def read_body(self) -> tuple[str, dict[str, str], int]:
        key_match = _KEY.match(self.text, self.position)
        key = ""
        # `@string{name = value}` and key-less entries have no key: read their first field.
        if self.text.startswith(",", key_match.end()):
            key, self.position = key_match.group(1), key_match.end() + 1
        elif self.text.startswith(self.closer, key_match.end()):
            return key_match.group(1), {}, key_match.end() + 1
        fields: dict[str, str] = {}
        while True:
            self.skip_space()
            if self.at(self.closer):
                return key, fields, self.position + 1
            name = _FIELD_NAME.match(self.text, self.position)
            if not name:
                self.fail("a field name")
            self.position = name.end()
            self.skip_space()
            if not self.at("="):
                self.fail(f"'=' after the field name '{name.group()[:40]}'")
            self.position += 1
            fields.setdefault(name.group().lower(), self.read_value())
            self.skip_space()
            if self.at(","):
                self.position += 1
            elif not self.at(self.closer):
                self.fail(f"',' or '{self.closer}' after a field value")

    def read_value(self) -> str:
        """A value: braced, quoted or bare pieces joined by ``#``."""
        pieces = []
        while True:
            self.skip_space()
            if self.at("{"):
                pieces.append(self.read_delimited(_BRACE, closer="}"))
            elif self.at('"'):
                pieces.append(self.read_delimited(_QUOTE_END, closer='"'))
            else:
                bare = _BARE_VALUE.match(self.text, self.position)
                if not bare:
                    self.fail("a field value")
                self.position = bare.end()
                pieces.append(self.macros.get(bare.group().lower(), bare.group()))
            self.skip_space()
            if not self.at("#"):
                return "".join(pieces)
            self.position += 1

    def read_delimited(self, stops: re.Pattern[str], closer: str) -> str:
        """The text up to the ``closer`` at brace depth zero; nested braces are kept."""
        start, depth = self.position + 1, 0
        for match in stops.finditer(self.text, start, self.limit):
            mark = match.group()
            if mark == closer and depth == 0:
                self.position = match.end()
                return self.text[start : match.start()]
            depth += 1 if mark == "{" else -1 if mark == "}" else 0
            if depth < 0:
                break
        raise _Unreadable(
            "is not closed (unbalanced braces or quotes) before the next entry or the file end"
        )

    def skip_space(self) -> None:
        self.position = _SPACE.match(self.text, self.position).end()

    def at(self, token: str) -> bool:
        return self.text.startswith(token, self.position)

    def fail(self, expected: str) -> NoReturn:
        if self.position >= self.limit:
            raise _Unreadable("is not closed before the next entry or the file end")
        found = self.text[self.position : min(self.position + 20, self.limit)].split("\n")[0]
        line = self.text.count("\n", 0, self.position) + 1
        raise _Unreadable(f"is malformed: expected {expected} at line {line}, found {found!r}")


def decode_accents(text: str) -> str:
    """LaTeX accents and special letters to Unicode: ``M{\\"u}ller`` -> ``M{ü}ller``."""
    text = _ACCENT.sub(_accented, text)
    return _LETTER.sub(lambda match: _LETTERS[match.group(1)], text)


def _accented(match: re.Match[str]) -> str:
    letter = (match.group(2) or match.group(3)).lstrip("\\")
    return unicodedata.normalize("NFC", letter + _COMBINING[match.group(1)])


def plain(value: str) -> str:
    """A BibTeX value as display text: accents decoded, escapes, ties and braces removed."""
    text = _ESCAPED.sub(r"\1", decode_accents(value)).replace("~", " ")
    return " ".join(text.replace("{", "").replace("}", "").split())


def split_names(value: str) -> list[str]:
    """``"Last, First and B. Two and others"`` -> ``["First Last", "B. Two"]``."""
    names = []
    for name in _split_top_level(value, r"\s+and\s+"):
        parts = [part.strip() for part in _split_top_level(name, ",")]
        # "von Last, Jr, First" -> "First von Last Jr"
        ordered = parts[2:] + parts[:2] if len(parts) > 2 else parts[::-1]
        display = plain(" ".join(part for part in ordered if part))
        if display and display.casefold() != "others":
            names.append(display)
    return names


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split on ``separator`` only outside braces (``{Barnes and Noble}`` is one name)."""
    parts, depth, start = [], 0, 0
    for match in re.finditer(rf"[{{}}]|{separator}", text, flags=re.IGNORECASE):
        if match.group() in "{}":
            depth = max(depth + (1 if match.group() == "{" else -1), 0)
        elif depth == 0:
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts


def entry_date(fields: dict[str, str]) -> str | None:
    """``year`` (with ``month`` as ``2023-10`` when it is readable), else a biblatex ``date``."""
    year = plain(fields.get("year", ""))
    if not year:
        return plain(fields.get("date", "")) or None
    month = plain(fields.get("month", "")).lower()
    number = int(month) if month.isdecimal() else _month_number(month)
    return f"{year}-{number:02d}" if number and 1 <= number <= 12 else year


def _month_number(month: str) -> int | None:
    return _MONTHS.index(month[:3]) + 1 if month[:3] in _MONTHS else None


def to_record(entry: Entry) -> dict[str, object]:
    """An entry's fields in the shape the corpus reader maps for every format."""
    fields = entry.fields
    record: dict[str, object] = {name: value for name, value in fields.items() if name != "author"}
    record["title"] = plain(fields.get("title", ""))
    record["authors"] = split_names(fields.get("author", ""))
    record["date"] = entry_date(fields)
    for name in ("url", "doi", "eprint"):
        if name in fields:
            # Kept verbatim but for escapes and braces (`~` is part of URLs), and without
            # spaces: a line-wrapped url field is still one URL.
            text = _ESCAPED.sub(r"\1", fields[name]).replace("{", "").replace("}", "")
            record[name] = "".join(text.split())
    return record
