"""Upkeep of an index folder: the manifest of corpus files read into it, and setting a
damaged store aside (moved, never deleted) before a rebuild."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from chromadb.api.client import SharedSystemClient

from assistant.config import Settings

MANIFEST = "sources.json"


def recorded_files(settings: Settings) -> list[str]:
    """The corpus files ingested into this index so far, as recorded beside it."""
    manifest = settings.vectorstore_dir / MANIFEST
    try:
        return list(json.loads(manifest.read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


def record_files(settings: Settings, files: Iterable[str]) -> None:
    """Add ``files`` to the manifest (written atomically), so a rebuild knows what to read."""
    manifest = settings.vectorstore_dir / MANIFEST
    write_atomically(manifest, {"files": sorted({*recorded_files(settings), *files})})


def write_atomically(path: Path, data: object) -> None:
    """``data`` as JSON in ``path``: written beside it, then renamed over it, so a reader
    (or a crash) never meets half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.partial")
    partial.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)


def set_aside(settings: Settings) -> Path | None:
    """Move Chroma's files out of ``vectorstore_dir`` into a dated sibling folder; never delete."""
    folder = settings.vectorstore_dir
    chroma_files = [
        path for path in folder.glob("*") if path.name == "chroma.sqlite3" or _is_segment(path)
    ]
    if not chroma_files:
        return None
    # Chroma keeps one client per path open in the process; one left on the moved files
    # would go on writing to them.
    SharedSystemClient.clear_system_cache()
    aside = folder.with_name(f"{folder.name}.previous-{time.strftime('%Y%m%d-%H%M%S')}")
    aside.mkdir(parents=True, exist_ok=False)
    for path in chroma_files:
        path.rename(aside / path.name)
    return aside


def _is_segment(path: Path) -> bool:
    """Chroma keeps each vector segment in a folder named by its UUID."""
    try:
        uuid.UUID(path.name)
    except ValueError:
        return False
    return path.is_dir()
