"""Corpus files -> papers -> index: the ingest job behind `assistant ingest` and the UI upload."""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Settings
from assistant.corpus import EXTENSIONS, ReadResult, read_corpus, source_label
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


def upload_name(name: str, content_hash: str) -> str:
    """A safe file name for an upload: its base name's plain characters, then a content hash.

    Nothing of the user's name can leave the uploads folder (no separators, no leading
    dots), and two different files of the same name never overwrite each other.
    """
    base = Path(name.replace("\\", "/")).name
    suffix = Path(base).suffix.lower()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", base[: len(base) - len(suffix)]).strip("_")[:60]
    return f"{stem or 'upload'}-{content_hash[:12]}{suffix}"


def ingest_upload(
    upload: Path, name: str, settings: Settings, index: PaperIndex, *, progress: bool = False
) -> IngestResult:
    """Index one uploaded file, all or nothing: any problem in it raises and writes nothing.

    ``upload`` is where the web server put the file, ``name`` what the user called it. A
    copy is kept in ``settings.uploads_dir`` so that the papers' sources stay valid.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise CorpusError(
            f"{Path(name).name}: cannot tell the format from the extension {suffix or '(none)'!r}"
            f"; upload one of {', '.join(EXTENSIONS)}."
        )
    size_mb = upload.stat().st_size / 1e6
    if size_mb > settings.max_upload_mb:
        raise CorpusError(
            f"{Path(name).name} is {size_mb:.1f} MB; uploads are limited to "
            f"{settings.max_upload_mb:g} MB (ASSISTANT_MAX_UPLOAD_MB). Add larger corpora "
            "with `assistant ingest PATH`."
        )
    digest = hashlib.sha256(upload.read_bytes()).hexdigest()
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    kept = settings.uploads_dir / upload_name(name, digest)
    is_new = not kept.exists()
    shutil.copyfile(upload, kept)
    try:
        return ingest([kept], settings, strict=True, index=index, progress=progress)
    except CorpusError as error:
        if is_new:
            kept.unlink()
        # Problems name the file as the user knows it, not as it was stored.
        raise CorpusError(str(error).replace(source_label(kept), Path(name).name)) from error


def ingest_if_empty(
    settings: Settings, index: PaperIndex, *, progress: bool = True
) -> IngestResult | None:
    """First launch: index the default corpus when the index holds nothing yet."""
    if index.collection.count():
        return None
    log.info("The index in %s is empty: indexing the bundled corpus", settings.vectorstore_dir)
    return ingest(None, settings, index=index, progress=progress)
