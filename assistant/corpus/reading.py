"""Corpus readers: papers from HF Daily Papers text, JSON / JSON Lines, CSV and BibTeX files.

Bad content never stops a read: what cannot be used becomes a Problem naming the file and
line, and every good entry of the same file still comes through (``strict`` turns any
problem into an error instead).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from assistant.config import PROJECT_ROOT
from assistant.corpus.formats import READERS
from assistant.errors import CorpusError
from assistant.records import Paper, Problem

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
        return absolute.relative_to(PROJECT_ROOT).as_posix()
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
    reader = READERS[kind]
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
