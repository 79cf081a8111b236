"""Corpus files -> papers -> index: the ingest job behind `assistant ingest` and the UI upload."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Settings
from assistant.corpus import ReadResult, read_corpus
from assistant.errors import CorpusError
from assistant.index import IngestReport, PaperIndex, open_index

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    read: ReadResult
    report: IngestReport


def ingest(
    paths: Iterable[Path | str] | None,
    settings: Settings,
    *,
    fmt: str | None = None,
    strict: bool = False,
    prune: bool = False,
    rebuild: bool = False,
    progress: bool = True,
    index: PaperIndex | None = None,
) -> IngestResult:
    """Read ``paths`` (default: the bundled corpus) and bring the index up to date with them.

    Everything is read and checked before anything is written: with ``strict`` any
    problem stops the job with the index untouched; otherwise bad entries are skipped
    with a warning and the good ones are indexed.
    """
    paths = list(paths) if paths else list(settings.corpus_paths)
    result = read_corpus(paths, fmt=fmt, strict=strict)
    if not result.papers:
        details = "\n".join(str(problem) for problem in result.problems)
        raise CorpusError(
            f"No paper could be read from {', '.join(map(str, paths))}."
            + (f"\n{details}" if details else "")
        )
    # A file with any problem may have lost entries to it; pruning would then delete
    # papers that are still in the file, so such files are never pruned.
    files_with_problems = {problem.path for problem in result.problems}
    prunable = {path for path in result.files if path not in files_with_problems}
    if prune and files_with_problems:
        log.warning(
            "Not pruning %s: it had problems this time.", ", ".join(sorted(files_with_problems))
        )
    if index is None:
        index = open_index(settings, rebuild=rebuild)
    report = index.write(
        result.papers, set(result.files), prune=prune, prune_files=prunable, progress=progress
    )
    return IngestResult(read=result, report=report)
