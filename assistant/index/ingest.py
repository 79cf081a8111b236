"""Corpus files -> papers -> index: the ingest job behind `assistant ingest` and the UI upload.

It streams: a first pass counts the papers and finds the problems without keeping any
text, a second pass writes batch by batch. Memory stays bounded by the batch size (plus
one id per paper), so a JSON Lines file of a million abstracts ingests like a small one.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings
from assistant.corpus.reading import EXTENSIONS, Problem, iter_corpus, source_label, strict_failure
from assistant.errors import CorpusError
from assistant.index.maintenance import record_files, recorded_files, set_aside
from assistant.index.removals import forget_removals, removed_papers
from assistant.index.store import IngestReport, PaperIndex, open_index
from assistant.records import Paper

log = logging.getLogger(__name__)

# Problems listed in full; beyond this a bad file's problems are only counted.
PROBLEMS_KEPT = 1000


@dataclass
class CorpusSurvey:
    """What the first pass found: how many distinct papers, which files, what problems."""

    papers: int = 0
    entries: int = 0
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    files_with_problems: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)  # ids read that are on the removal list


@dataclass
class IngestResult:
    read: CorpusSurvey
    report: IngestReport


def survey_corpus(
    paths: list[Path | str], fmt: str | None = None, removed: Collection[str] = ()
) -> CorpusSurvey:
    """Count papers and collect problems, keeping only paper ids, never their text; note
    which of the ``removed`` ids the files hold."""
    survey = CorpusSurvey()
    paper_ids: set[str] = set()
    for label, item in iter_corpus(paths, fmt):
        if item is None:
            survey.files.append(label)
        elif isinstance(item, Problem):
            survey.problem_count += 1
            survey.files_with_problems.add(item.path)
            if len(survey.problems) < PROBLEMS_KEPT:
                survey.problems.append(item)
        else:
            survey.entries += 1
            paper_ids.add(item.paper_id)
            if item.paper_id in removed:
                survey.removed.add(item.paper_id)
    survey.papers = len(paper_ids)
    return survey


def _papers(paths: list[Path | str], fmt: str | None) -> Iterator[Paper]:
    for _, item in iter_corpus(paths, fmt):
        if isinstance(item, Paper):
            yield item


def ingest(
    paths: Iterable[Path | str] | None,
    settings: Settings,
    *,
    fmt: str | None = None,
    strict: bool = False,
    prune: bool = False,
    rebuild: bool = False,
    drop_shared: bool = False,
    include_removed: bool = False,
    progress: bool = True,
    index: PaperIndex | None = None,
) -> IngestResult:
    """Read ``paths`` (default: the bundled corpus) and bring the index up to date with them.

    Everything is checked before anything is written: with ``strict`` any problem stops
    the job with the index untouched; otherwise bad entries are skipped with a warning
    and the good ones are indexed. ``rebuild`` on a Chroma server needs ``drop_shared``.
    Papers on the removal list (removals.py) are skipped, or with ``include_removed``
    indexed and taken off it.
    """
    paths = list(paths) if paths else list(settings.corpus_paths)
    survey = survey_corpus(paths, fmt, removed_papers(settings).keys())
    if strict and survey.problems:
        raise CorpusError(strict_failure(survey.problems, survey.problem_count))
    if not survey.papers:
        details = "\n".join(str(problem) for problem in survey.problems[:20])
        raise CorpusError(
            f"No paper could be read from {', '.join(map(str, paths))}."
            + (f"\n{details}" if details else "")
        )
    for problem in survey.problems:
        log.warning("%s", problem)
    if survey.problem_count > len(survey.problems):
        log.warning("... and %d more problems", survey.problem_count - len(survey.problems))
    # A file with any problem may have lost entries to it; pruning would then delete
    # papers that are still in the file, so such files are never pruned.
    prunable = {path for path in survey.files if path not in survey.files_with_problems}
    if prune and survey.files_with_problems:
        log.warning(
            "Not pruning %s: it had problems this time.",
            ", ".join(sorted(survey.files_with_problems)),
        )
    if index is None:
        index = open_index(settings, rebuild=rebuild, drop_shared=drop_shared)
    # A skipped paper is not in the index: pruning, which looks at indexed papers only,
    # neither drops it nor counts it.
    skipped = set() if include_removed else survey.removed
    report = index.write(
        (paper for paper in _papers(paths, fmt) if paper.paper_id not in skipped),
        set(survey.files),
        total=survey.papers - len(skipped),
        prune=prune,
        prune_files=prunable,
        progress=progress,
    )
    report.papers_skipped = len(skipped)
    if include_removed:
        forget_removals(settings, survey.removed)
    record_files(settings, survey.files)
    return IngestResult(read=survey, report=report)


@dataclass
class RebuildResult:
    ingest: IngestResult
    set_aside: Path | None
    missing: list[str]


def rebuild(
    paths: Iterable[Path | str] | None,
    settings: Settings,
    *,
    progress: bool = True,
    drop_shared: bool = False,
) -> RebuildResult:
    """Set the current index aside (damaged or not) and build a new one.

    From ``paths``, else from the files the index was built from (its manifest), else
    from the bundled corpus. Files that no longer exist are reported, not fatal. On a
    Chroma server the shared collection is deleted instead, and only with ``drop_shared``.
    """
    if paths:
        chosen = [Path(path) for path in paths]
    else:
        chosen = [_from_label(label) for label in recorded_files(settings)]
        chosen = chosen or [Path(path) for path in settings.corpus_paths]
    missing = [str(path) for path in chosen if not path.exists()]
    present = [path for path in chosen if path.exists()]
    if not present:
        raise CorpusError(
            f"None of the files to rebuild from exist: {', '.join(missing)}. "
            "Name the corpus files: `assistant rebuild PATH...`."
        )
    # A server's files are its own: there the collection is dropped instead.
    served = bool(settings.chroma_host)
    aside = None if served else set_aside(settings)
    if aside is not None:
        log.warning("The previous index was moved to %s", aside)
    result = ingest(present, settings, rebuild=served, drop_shared=drop_shared, progress=progress)
    return RebuildResult(result, aside, missing)


def _from_label(label: str) -> Path:
    """A manifest entry (a source label: relative to the project, or absolute) as a path."""
    path = Path(label)
    return path if path.is_absolute() else PROJECT_ROOT / path


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
