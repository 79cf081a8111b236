"""Sentence vectors kept beside the index, so choosing a question's evidence embeds nothing.

Evidence selection (answer/evidence.py) ranks every sentence of the answering papers by
its similarity to the question. Embedding those 20-40 sentences took about 0.3 s a
question on a 2-core laptop, most of the wait before the quote and before the model's
prompt (BENCHMARKS.md, issue 12). Ingestion now embeds each abstract's sentences once
and keeps the vectors in SQLite, keyed by the embedding model and the sentence's text;
a question reads them back in about a millisecond.

Written by hand: LangChain's ``CacheBackedEmbeddings`` does the same over a key-value
store, but lives in langchain-classic and its only persistent store that is not one file
per vector needs SQLAlchemy from langchain-community; a table of float32 blobs is a few
lines of the standard library. A connection per call (WAL mode) makes one instance safe
to share between the UI's threads. Failing to read or write the file never fails a
question: the sentences are then embedded as before.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import closing
from pathlib import Path
from typing import TypeVar

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.text import split_sentences

log = logging.getLogger(__name__)

T = TypeVar("T")
F = TypeVar("F")

SQL_BATCH = 500  # keys per SELECT, below SQLite's limit on bound parameters


def abstract_sentences(abstracts: Iterable[str]) -> list[str]:
    """The distinct sentences of ``abstracts``, as evidence selection splits them."""
    return list(dict.fromkeys(s for abstract in abstracts for s in split_sentences(abstract)))


class SentenceVectors(Embeddings):
    """``embeddings`` with the vectors of documents it has embedded kept in ``path``."""

    def __init__(self, embeddings: Embeddings, path: Path) -> None:
        self.embeddings = embeddings
        self.path = path
        self.model_id = getattr(embeddings, "model_id", type(embeddings).__name__)
        self._broken = False  # the file failed once: stop trying for this process

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x1f{text}".encode()).hexdigest()[:32]

    def _connect(self) -> sqlite3.Connection:
        # Checked on every connection (cheap): the file may be deleted while the UI runs.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
        return db

    def _stored(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with closing(self._connect()) as db:
            for start in range(0, len(keys), SQL_BATCH):
                batch = keys[start : start + SQL_BATCH]
                marks = ",".join("?" * len(batch))
                rows = db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", batch)
                found.update((key, np.frombuffer(blob, dtype=np.float32)) for key, blob in rows)
        return found

    def _store(self, pairs: list[tuple[str, np.ndarray]]) -> None:
        with closing(self._connect()) as db, db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [(key, vector.astype(np.float32).tobytes()) for key, vector in pairs],
            )

    def _kept(self, texts: list[str]) -> tuple[dict[str, np.ndarray] | None, list[str]]:
        """The vectors kept for ``texts`` by key (None: the file cannot be used), and the
        distinct texts without one."""
        keys = list(dict.fromkeys(self._key(text) for text in texts))
        stored = self._guarded(lambda: self._stored(keys), None)
        missing = [text for text in dict.fromkeys(texts) if self._key(text) not in (stored or {})]
        return stored, missing

    def _embed_and_keep(self, texts: list[str]) -> list[tuple[str, np.ndarray]]:
        """(key, vector) of ``texts``, embedded now and kept when the file can be used."""
        fresh = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
        pairs = [(self._key(text), vector) for text, vector in zip(texts, fresh, strict=True)]
        self._guarded(lambda: self._store(pairs), None)
        return pairs

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Each text's vector: read back when kept, else embedded (and then kept)."""
        return self.vectors(texts).tolist()

    def vectors(self, texts: list[str]) -> np.ndarray:
        """``embed_documents`` as a (len(texts), dimensions) float32 array."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        stored, missing = self._kept(texts)
        vectors = dict(stored or {})
        if missing:
            vectors.update(self._embed_and_keep(missing))
        return np.stack([vectors[self._key(text)] for text in texts])

    def embed_query(self, text: str) -> list[float]:
        """A question is embedded afresh: questions rarely repeat."""
        return self.embeddings.embed_query(text)

    def fill(self, abstracts: Iterable[str]) -> int:
        """Embed and keep the sentences of ``abstracts`` not kept yet; how many that was
        (none when the file cannot be used: ingest then does not embed them for nothing)."""
        sentences = abstract_sentences(abstracts)
        if not sentences:
            return 0
        stored, missing = self._kept(sentences)
        if stored is None:
            return 0
        if missing:
            self._embed_and_keep(missing)
        return len(missing)

    def _guarded(self, operation: Callable[[], T], fallback: F) -> T | F:
        """``operation()``, or ``fallback`` (logged once) when the file cannot be used."""
        if self._broken:
            return fallback
        try:
            return operation()
        except (sqlite3.Error, OSError) as error:
            self._broken = True
            log.warning(
                "Sentence vectors in %s cannot be used (%s); evidence is embedded for each "
                "question instead (slower, same answers).",
                self.path,
                error,
            )
            return fallback
