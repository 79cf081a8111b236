"""Corpus readers: papers from HF Daily Papers text, JSON / JSON Lines, CSV and BibTeX files.

Bad content never stops a read: what cannot be used becomes a Problem naming the file and
line, and every good entry of the same file still comes through (``strict`` turns any
problem into an error instead).
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import logging
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

from assistant import bibtex, config
from assistant.cleaning import INVISIBLE, clean_text
from assistant.errors import CorpusError
from assistant.records import Paper, SourceRef

logger = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("hf-daily", "jsonl", "json", "csv", "bibtex")
EXTENSIONS: dict[str, str] = {
    ".txt": "hf-daily",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
}
_BINARY_PROBE_BYTES = 8192
_CSV_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)


@dataclass(frozen=True)
class Problem:
    """Something in a corpus file that could not be used, and where it is."""

    path: str
    position: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.position}" if self.position else self.path
        return f"{where}: {self.message}"


@dataclass
class ReadResult:
    """De-duplicated papers in first-seen order, the problems met, and the files read."""

    papers: list[Paper]
    problems: list[Problem]
    files: list[str]


def source_label(path: Path) -> str:
    """How a file is named in sources and messages: relative to the project when inside it."""
    absolute = Path(path).expanduser().absolute()
    with contextlib.suppress(OSError, RuntimeError):  # a symlink loop: keep the path as given
        absolute = absolute.resolve()
    try:
        return absolute.relative_to(config.PROJECT_ROOT).as_posix()
    except ValueError:
        return str(absolute)


def detect_format(path: Path, fmt: str | None = None) -> str:
    """The format to read ``path`` as: ``fmt`` when given, else the one its extension implies."""
    if fmt is not None:
        return _checked_format(fmt)
    found = EXTENSIONS.get(Path(path).suffix.lower())
    if found is None:
        raise CorpusError(f"{source_label(path)}: {_unknown_extension(Path(path))}")
    return found


def _checked_format(fmt: str) -> str:
    if fmt.lower() not in FORMATS:
        raise CorpusError(f"Unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}.")
    return fmt.lower()


def _unknown_extension(path: Path) -> str:
    known = ", ".join(EXTENSIONS)
    return (
        f"cannot tell the format from the extension {path.suffix or '(none)'!r} (known: {known}); "
        f"name it with --format ({', '.join(FORMATS)})"
    )


def read_corpus(
    paths: Iterable[Path | str], fmt: str | None = None, strict: bool = False
) -> ReadResult:
    """Read files and folders into papers de-duplicated by title across all of them.

    With ``strict`` any problem raises CorpusError listing them all; otherwise each is
    logged as a warning and returned with the papers that could be read. This holds
    every paper in memory; ``ingest`` streams large corpora with ``iter_corpus`` instead.
    """
    papers: dict[str, Paper] = {}
    problems: list[Problem] = []
    files: list[str] = []
    for label, item in iter_corpus(paths, fmt):
        if item is None:
            files.append(label)
        elif isinstance(item, Problem):
            problems.append(item)
        else:
            merge_paper(papers, item)
    if strict and problems:
        raise CorpusError(strict_failure(problems, len(problems)))
    for problem in problems:
        logger.warning("%s", problem)
    logger.info("Read %d papers from %d files.", len(papers), len(files))
    return ReadResult(list(papers.values()), problems, files)


def strict_failure(problems: list[Problem], count: int) -> str:
    """The message of a --strict read that met ``count`` problems (``problems``: those kept)."""
    listing = "\n".join(str(problem) for problem in problems)
    more = f"\n... and {count - len(problems)} more" if count > len(problems) else ""
    return (
        f"{count} problem(s) in the corpus, so nothing was read (--strict); "
        f"fix them, or leave out --strict to skip them:\n{listing}{more}"
    )


def iter_corpus(
    paths: Iterable[Path | str], fmt: str | None = None
) -> Iterator[tuple[str, Paper | Problem | None]]:
    """Every entry of every file, streamed in file order and not de-duplicated.

    Yields (file label, None) when a file is opened, then (file label, paper or problem)
    for its entries; a path that cannot be used yields its problem.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    if fmt is not None:
        fmt = _checked_format(fmt)
    seen: set[str] = set()
    for given in paths:
        path = Path(given).expanduser()
        label = source_label(path)
        if path.is_dir():
            found = sorted(_folder_files(path))
        elif path.exists():
            if fmt is None and path.suffix.lower() not in EXTENSIONS:
                yield label, Problem(label, None, _unknown_extension(path))
                continue
            found = [path]
        else:
            yield label, Problem(label, None, "no such file or folder")
            continue
        for file in found:
            label = source_label(file)
            if label in seen:
                continue
            seen.add(label)
            yield label, None
            for item in iter_file(file, fmt):
                yield label, item


def _folder_files(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        for name in names:
            if not name.startswith(".") and Path(name).suffix.lower() in EXTENSIONS:
                yield Path(root, name)


def merge_paper(papers: dict[str, Paper], paper: Paper) -> None:
    """Merge ``paper`` into the first one with its title, which keeps its title and abstract."""
    # Titles with no Latin letters or digits have an empty key; their folded text stands in.
    key = paper.paper_id
    first = papers.setdefault(key, paper)
    if first is paper:
        return
    first.sources.extend(source for source in paper.sources if source not in first.sources)
    first.authors = first.authors or paper.authors
    first.date = first.date or paper.date
    first.arxiv_id = first.arxiv_id or paper.arxiv_id
    first.url = first.url or paper.url


def iter_file(path: Path, fmt: str | None = None) -> Iterator[Paper | Problem]:
    """Papers and problems of one file in file order, streamed (no de-duplication)."""
    path = Path(path)
    label = source_label(path)
    kind = detect_format(path, fmt)
    reader = _READERS[kind]
    try:
        with path.open("rb") as handle:
            if b"\0" in handle.read(_BINARY_PROBE_BYTES):
                yield Problem(label, None, "looks binary (NUL bytes), not text; skipped")
                return
            handle.seek(0)
            lines = _Lines(handle)
            encoding_reported = found_any = False
            for item in reader(lines, label):
                if lines.legacy_line and not encoding_reported:
                    encoding_reported = True
                    yield _encoding_problem(label, lines)
                found_any = True
                yield item
    except OSError as err:
        yield Problem(label, None, f"cannot be read: {err.strerror or err}")
        return
    if lines.legacy_line and not encoding_reported:
        yield _encoding_problem(label, lines)
    if not lines.has_text:
        yield Problem(label, None, "file is empty")
    elif not found_any:
        yield Problem(label, None, f"no papers found when read as {kind}")


class _Lines:
    """A file's decoded lines numbered from 1, endings kept.

    Lines are decoded one by one so that a few Windows-1252 bytes in a UTF-8 file cost only
    their own lines; the first such line is remembered for a warning.
    """

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.legacy_line: int | None = None
        self.legacy_byte = 0
        self.has_text = False

    def __iter__(self) -> Iterator[tuple[int, str]]:
        for number, raw in enumerate(self._handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                if self.legacy_line is None:
                    self.legacy_line, self.legacy_byte = number, raw[err.start]
                try:
                    text = raw.decode("cp1252")
                except UnicodeDecodeError:  # bytes cp1252 leaves undefined
                    text = raw.decode("latin-1")
            self.has_text = self.has_text or not text.isspace()
            yield number, text


def _encoding_problem(label: str, lines: _Lines) -> Problem:
    return Problem(
        label,
        f"line {lines.legacy_line}",
        f"not UTF-8 (byte 0x{lines.legacy_byte:02x}); such lines were read as Windows-1252, "
        "check their accents or save the file as UTF-8",
    )


# --- Mapping a record (JSON object, CSV row, BibTeX entry) to a Paper -----------------------

_ARXIV_ID = re.compile(
    r"(?:arxiv:|https?://arxiv\.org/(?:abs|pdf)/)?"
    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7}(?:v\d+)?)(?:\.pdf)?",
    re.IGNORECASE,
)
_AUTHOR_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


def _one_line(text: str) -> str:
    """Display text: invisible characters dropped, NFC, whitespace runs as one space."""
    return " ".join(unicodedata.normalize("NFC", INVISIBLE.sub("", text)).split())


def _text(value: object) -> str | None:
    """A scalar field as one line of text; None when missing, empty or not a scalar."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return (_one_line(value) or None) if isinstance(value, str) else None


def _first(record: dict[str, object], *names: str) -> object:
    return next((record[name] for name in names if record.get(name) not in (None, "")), None)


def _make_paper(
    record: dict[str, object], source: SourceRef, entry: str = "entry"
) -> Paper | Problem:
    """A Paper from a record with lower-case keys, or the Problem that makes it unusable."""
    title = _text(record.get("title"))
    abstract = _first(record, "abstract", "summary")
    abstract = clean_text(abstract) if isinstance(abstract, str) else ""
    if not title or not abstract:
        missing = "title" if not title else "abstract"
        return Problem(source.path, source.position, f"{entry} has no {missing}; skipped")
    arxiv_id = _arxiv_id(record)
    doi = (_text(record.get("doi")) or "").split(" ")[0]
    url = (
        _text(record.get("url"))
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
        text = _text(record.get(name))
        match = _ARXIV_ID.fullmatch(text) if text else None
        if match:
            return match.group(1)
    prefix = _text(record.get("archiveprefix") or record.get("eprinttype")) or ""
    return _text(record.get("eprint")) if prefix.lower() == "arxiv" else None


def _authors(record: dict[str, object]) -> list[str]:
    """Names as "First Last": from arXiv ``authors_parsed``, a list, or a delimited string."""
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = [
            " ".join(filter(None, (_text(part) for part in (*name[1:2], name[0], *name[2:]))))
            for name in parsed
            if isinstance(name, list) and name
        ]
    else:
        value = _first(record, "authors", "author")
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
    """``update_date``, else the first arXiv version's date, else a date, published or year."""
    versions = record.get("versions")
    first_version = versions[0] if isinstance(versions, list) and versions else None
    created = _text(first_version.get("created")) if isinstance(first_version, dict) else None
    if created:
        with contextlib.suppress(TypeError, ValueError, IndexError):  # else kept as written
            created = parsedate_to_datetime(created).date().isoformat()
    return (
        _text(record.get("update_date"))
        or created
        or _text(_first(record, "date", "published", "year"))
    )


def _lowered(record: dict[str, object]) -> dict[str, object]:
    return {str(name).strip().lower(): value for name, value in record.items()}


# --- Format readers: (numbered lines, label) -> papers and problems -------------------------

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
        text = _one_line(raw)
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
            yield _make_paper(record, SourceRef(label, f"line {title[0]}"))
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
            yield _make_paper(_lowered(record), SourceRef(label, where))
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
            yield _make_paper(_lowered(record), SourceRef(label, f"entry {index}"))
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
        yield _make_paper(record, SourceRef(label, where))


def _read_bibtex(lines: Iterable[tuple[int, str]], label: str) -> Iterator[Paper | Problem]:
    """Entries with title and abstract fields; the parser lives in ``assistant.bibtex``."""
    for item in bibtex.parse("".join(text for _, text in lines)):
        if isinstance(item, bibtex.SyntaxProblem):
            yield Problem(label, f"line {item.line}", item.message)
        else:
            source = SourceRef(label, f"line {item.line}")
            entry = f"entry {item.key[:80]}" if item.key else "entry"
            yield _make_paper(bibtex.to_record(item), source, entry)


_READERS = {
    "hf-daily": _read_hf_daily,
    "jsonl": _read_jsonl,
    "json": _read_json,
    "csv": _read_csv,
    "bibtex": _read_bibtex,
}
