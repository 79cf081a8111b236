"""Paper Assistant: offline question answering over paper abstracts, with verified citations.

The front door: ``Settings``, ``build_engine(settings)`` returning an ``Engine`` whose
``ask(question, history)`` gives an ``Answer``, and ``ingest_paths`` to index corpora.
Heavy modules (Chroma, llama.cpp) load only when one of these is first used.
"""

from __future__ import annotations

from typing import Any

from assistant.config import Settings

__all__ = ["Answer", "Engine", "Settings", "build_engine", "ingest_paths"]


def __getattr__(name: str) -> Any:
    if name in ("Answer", "Engine", "build_engine"):
        from assistant.answer import engine as pipeline

        return getattr(pipeline, name)
    if name == "ingest_paths":
        from assistant.index.ingest import ingest

        return ingest
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
