"""Papers the user took out of the index (`assistant papers remove`), and putting them back.

The removal list, ``removed.json`` beside the index, keeps each removed paper's whole
record: ingests skip the papers on it, so a removed paper stays out when its file is read
again, and restoring one needs no file (its source may have moved since).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from assistant.config import Settings
from assistant.errors import AssistantError, SharedIndexError
from assistant.index.maintenance import write_atomically
from assistant.index.store import PaperIndex
from assistant.records import Paper, SourceRef

REMOVED = "removed.json"

RESTORE_HINT = (
    "`assistant papers restore ID` or `assistant ingest --include-removed` brings them back"
)


def removed_papers(settings: Settings) -> dict[str, dict[str, Any]]:
    """paper id -> record of every paper on the removal list (empty when there is none).

    A list that cannot be read is an error, not an empty list: ingesting as if it were
    empty would bring back every paper the user removed.
    """
    path = settings.vectorstore_dir / REMOVED
    try:
        papers = json.loads(path.read_text(encoding="utf-8"))["papers"]
        if not isinstance(papers, dict):
            raise TypeError("'papers' is not an object")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise AssistantError(
            f"The removal list {path} cannot be read ({error}). Repair it, or delete it "
            "to let the next ingest bring back every paper removed so far."
        ) from error
    return papers


def skipped_note(count: int) -> str:
    """What an ingest that skipped ``count`` removed papers tells the user."""
    return f"{count} paper(s) skipped: removed with `assistant papers remove`; {RESTORE_HINT}."


def remove_papers(
    index: PaperIndex, paper_ids: Iterable[str], *, shared: bool = False
) -> list[dict[str, Any]]:
    """Take papers out of the index and put them on the removal list; their records.

    All ids are checked first: any that no indexed paper has is an error naming them, and
    nothing is removed. On a Chroma server other assistants share the index, so it takes
    ``shared``. The list is written before the chunks are deleted: a removal cut short
    leaves the paper listed and still indexed (removing it again finishes the job), never
    deleted without its record.
    """
    ids = _normalized(paper_ids)
    found = index.known_papers(ids, "; nothing was removed")
    if index.settings.chroma_host and not shared:
        raise SharedIndexError(_refusal(index.settings, [found[i] for i in ids]))
    removed_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    records = [_record(found[paper_id], removed_at) for paper_id in ids]
    removed = removed_papers(index.settings)
    removed.update({record["paper_id"]: record for record in records})
    _save(index.settings, removed)
    index.delete_papers(ids)
    return records


def restore_papers(index: PaperIndex, paper_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Index removed papers again from their kept records and take them off the list.

    Ids not on the list are an error naming them, and nothing is restored. The index is
    written before the list: a restore cut short leaves the paper indexed and still
    listed, and restoring it again finishes the job.
    """
    ids = _normalized(paper_ids)
    removed = removed_papers(index.settings)
    unknown = [paper_id for paper_id in ids if paper_id not in removed]
    if unknown:
        raise AssistantError(
            f"The id(s) {', '.join(unknown)} are not on the removal list; nothing was "
            "restored. `assistant papers removed` lists it."
        )
    records = [removed.pop(paper_id) for paper_id in ids]
    index.write((_paper(record) for record in records), set(), progress=False)
    _save(index.settings, removed)
    return records


def forget_removals(settings: Settings, paper_ids: Iterable[str]) -> None:
    """Take papers off the removal list (an ingest with --include-removed indexed them)."""
    forgotten = set(paper_ids)
    removed = removed_papers(settings)
    if forgotten & removed.keys():
        _save(settings, {k: v for k, v in removed.items() if k not in forgotten})


def _normalized(paper_ids: Iterable[str]) -> list[str]:
    """Ids as the index stores them (lower-case hex), each once, in the order given."""
    return list(dict.fromkeys(p.strip().lower() for p in paper_ids if p.strip()))


def _save(settings: Settings, removed: dict[str, dict[str, Any]]) -> None:
    write_atomically(settings.vectorstore_dir / REMOVED, {"papers": dict(sorted(removed.items()))})


def _record(metadata: dict[str, Any], removed_at: str) -> dict[str, Any]:
    """A removed paper's record, from its first chunk's metadata: enough to index it again."""
    return {
        "paper_id": metadata["paper_id"],
        "title": metadata["title"],
        "abstract": metadata.get("abstract", ""),
        "authors": json.loads(metadata.get("authors") or "[]"),
        "date": metadata.get("date", ""),
        "arxiv_id": metadata.get("arxiv_id", ""),
        "url": metadata.get("url", ""),
        "sources": json.loads(metadata["sources"]),
        "removed_at": removed_at,
    }


def _paper(record: dict[str, Any]) -> Paper:
    return Paper(
        title=record["title"],
        abstract=record["abstract"],
        sources=[SourceRef(*source.rsplit(":", 1)) for source in record["sources"]],
        authors=list(record["authors"]),
        date=record["date"] or None,
        arxiv_id=record["arxiv_id"] or None,
        url=record["url"] or None,
    )


def _refusal(settings: Settings, records: list[dict[str, Any]]) -> str:
    """What a removal on a Chroma server would take away from everyone, and how to ask."""
    titles = "\n".join(f"  {record['paper_id']}  {record['title']}" for record in records)
    return (
        f"The index is on the Chroma server {settings.index_location}, shared by every "
        f"assistant pointed at it; this would remove {len(records)} paper(s) for all of "
        f"them:\n{titles}\nThe removal list is kept on this machine ({settings.vectorstore_dir}),"
        " so only ingests from here keep them out. If that is what you want, repeat the "
        "command with --shared."
    )
