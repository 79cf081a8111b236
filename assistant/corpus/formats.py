"""One reader per corpus format: (numbered lines, file label) → papers and problems, streamed."""

from __future__ import annotations

import csv
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator

from assistant.corpus import bibtex
from assistant.corpus.fields import lowered, make_paper, one_line
from assistant.records import Paper, Problem, SourceRef

_CSV_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)
Reader = Callable[[Iterable[tuple[int, str]], str], Iterator[Paper | Problem]]

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_LINE = re.compile(
    rf"{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:,?\s+\d{{4}})?", re.IGNORECASE
)
_NOISE_LINES = frozenset(
    {
        "new",
        "get trending papers in your email inbox!",
        "subscribe",
        "daily papers",
        "byak and the research community",
        "upvote",
        "upvoted",
        "trending papers",
        "previous",
        "next",
    }
)
_NOISE_PATTERN = re.compile(
    r"[\d,.]+k?(?:\s+(?:upvotes?|comments?|authors?))?|(?:submitted|published) (?:by|on)\b.*|·.*",
    re.IGNORECASE,
)
_TITLE_MAX_CHARS = 300
_SHORT_ABSTRACT_MIN_CHARS = 40


def _read_hf_daily(lines: Iterable[tuple[int, str]], label: str) -> Iterator[Paper | Problem]:
    """Title / abstract pairs under date lines, as scraped from Hugging Face Daily Papers."""
    # A title is a short line and its abstract the next non-blank one. Real abstracts run
    # past _TITLE_MAX_CHARS; a shorter line counts as the abstract only if it reads like
    # prose (ends with "." and is not tiny), because titles almost never end with a full
    # stop. Otherwise it starts the next title and the waiting one is reported, so a lost
    # abstract never pairs a title with the wrong text.
    date: str | None = None
    title: tuple[int, str] | None = None
    skipping = False
    for number, raw in lines:
        text = one_line(raw)
        if not text or text.casefold() in _NOISE_LINES or _NOISE_PATTERN.fullmatch(text):
            continue
        if _DATE_LINE.fullmatch(text):
            if title:
                yield _lone_title(label, title)
            date, title, skipping = text, None, False
        elif date is None:
            if not skipping:
                yield Problem(
                    label,
                    f"line {number}",
                    "text before the first date line (such as 'Oct 9'); skipped up to one",
                )
            skipping = True
        elif title is None:
            if len(text) > _TITLE_MAX_CHARS:
                yield Problem(
                    label, f"line {number}", "abstract with no title line before it; skipped"
                )
            else:
                title = (number, text)
        elif len(text) > _TITLE_MAX_CHARS or (
            len(text) >= _SHORT_ABSTRACT_MIN_CHARS and text.rstrip("\"')]").endswith(".")
        ):
            record = {"title": title[1], "abstract": text, "date": date}
            yield make_paper(record, SourceRef(label, f"line {title[0]}"))
            title = None
        else:
            yield _lone_title(label, title)
            title = (number, text)
    if title:
        yield _lone_title(label, title)


def _lone_title(label: str, title: tuple[int, str]) -> Problem:
    shown = title[1] if len(title[1]) <= 60 else title[1][:57] + "..."
    return Problem(label, f"line {title[0]}", f"entry {shown!r} has no abstract; skipped")


def _read_jsonl(lines: Iterable[tuple[int, str]], label: str) -> Iterator[Paper | Problem]:
    """One arXiv-metadata-like object per line, streamed."""
    for number, text in lines:
        if not text.strip():
            continue
        where = f"line {number}"
        try:
            record = json.loads(text.rstrip("\r\n"))
        except (ValueError, RecursionError) as err:
            yield Problem(label, where, f"not valid JSON ({_json_error(err)}); skipped")
            continue
        if isinstance(record, dict):
            yield make_paper(lowered(record), SourceRef(label, where))
        else:
            yield Problem(label, where, "not a JSON object; skipped")


def _read_json(lines: Iterable[tuple[int, str]], label: str) -> Iterator[Paper | Problem]:
    """A JSON array, a single object, an object holding a list of papers, or JSON Lines."""
    # The arXiv snapshot is JSON Lines named .json: when the first two non-blank lines
    # look like one object per line, stream it as such instead of loading it whole.
    numbered = iter(lines)
    head: list[tuple[int, str]] = []
    samples: list[str] = []  # the first two non-blank lines
    for number, text in numbered:
        head.append((number, text))
        if text.strip():
            samples.append(text)
            if len(samples) == 2:
                break
    if len(samples) == 2 and samples[0].lstrip().startswith("{") and any(map(_is_object, samples)):
        yield from _read_jsonl(itertools.chain(head, numbered), label)
        return
    document = "".join(text for _, text in itertools.chain(head, numbered))
    if not document.strip():
        return
    try:
        value = json.loads(document)
    except (ValueError, RecursionError) as err:
        where = f"line {err.lineno}" if isinstance(err, json.JSONDecodeError) else None
        yield Problem(label, where, f"not valid JSON ({_json_error(err)}); file skipped")
        return
    if isinstance(value, dict):
        wrapped = (value.get(name) for name in ("papers", "results", "data"))
        value = next((item for item in wrapped if isinstance(item, list)), [value])
    if not isinstance(value, list):
        yield Problem(label, None, "expected a JSON array or object of papers; file skipped")
        return
    for index, record in enumerate(value, start=1):
        if isinstance(record, dict):
            yield make_paper(lowered(record), SourceRef(label, f"entry {index}"))
        else:
            yield Problem(label, f"entry {index}", "not a JSON object; skipped")


def _is_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


def _json_error(err: Exception) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f"{err.msg}: column {err.colno}"
    if isinstance(err, RecursionError):
        return "nested too deeply"
    return str(err)[:200]


def _read_csv(lines: Iterable[tuple[int, str]], label: str) -> Iterator[Paper | Problem]:
    """A header row naming title and abstract columns, then one paper per row."""
    csv.field_size_limit(_CSV_FIELD_LIMIT)  # abstracts outgrow the default 128 KiB guard
    reader = csv.reader(text for _, text in lines)
    columns: list[str] | None = None
    start = 1  # the line the next row starts on; quoted fields may span lines
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield Problem(label, f"line {start}", f"unreadable CSV row ({err}); skipped")
            if reader.line_num < start:
                return
            start = reader.line_num + 1
            continue
        where, start = f"line {start}", reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if columns is None:
            columns = [cell.strip().lower() for cell in row]
            if "title" not in columns or not {"abstract", "summary"} & set(columns):
                found = ", ".join(repr(name[:40]) for name in columns[:12])
                yield Problem(
                    label,
                    where,
                    f"the header needs 'title' and 'abstract' columns (found: {found}); "
                    "file skipped",
                )
                return
            continue
        record: dict[str, object] = {}
        for name, cell in zip(columns, row, strict=False):
            record.setdefault(name, cell)
        yield make_paper(record, SourceRef(label, where))


def _read_bibtex(lines: Iterable[tuple[int, str]], label: str) -> Iterator[Paper | Problem]:
    """Entries with title and abstract fields; the parser lives in ``assistant.corpus.bibtex``."""
    for item in bibtex.parse("".join(text for _, text in lines)):
        if isinstance(item, bibtex.SyntaxProblem):
            yield Problem(label, f"line {item.line}", item.message)
        else:
            source = SourceRef(label, f"line {item.line}")
            entry = f"entry {item.key[:80]}" if item.key else "entry"
            yield make_paper(bibtex.to_record(item), source, entry)


READERS: dict[str, Reader] = {
    "hf-daily": _read_hf_daily,
    "jsonl": _read_jsonl,
    "json": _read_json,
    "csv": _read_csv,
    "bibtex": _read_bibtex,
}
