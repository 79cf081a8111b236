"""Hybrid search: dense (Chroma) and BM25 rankings fused by reciprocal rank, grouped by paper."""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.config import Settings
from assistant.index.client import store_errors
from assistant.index.store import PaperIndex
from assistant.retrieval.bm25 import BM25
from assistant.text import build_vocabulary, split_sentences, tokenize

log = logging.getLogger(__name__)

SNIPPET_CHARS = 320


@dataclass
class PaperHit:
    """One paper found by a search: its fused score and the passages that matched."""

    paper_id: str
    title: str
    score: float
    dense_similarity: float = 0.0
    bm25_score: float = 0.0
    passages: list[str] = field(default_factory=list)
    snippet: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def sources(self) -> list[str]:
        return json.loads(self.metadata.get("sources", "[]"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "paper_id": self.paper_id,
            "score": round(self.score, 6),
            "snippet": self.snippet,
        }


def best_snippet(query: str, passages: list[str], limit: int = SNIPPET_CHARS) -> str:
    """The sentence (and its neighbour, room allowing) sharing most query terms."""
    terms = set(tokenize(query))
    sentences = [s for passage in passages for s in split_sentences(passage)]
    if not sentences:
        return ""
    overlaps = [len(terms & set(tokenize(sentence))) for sentence in sentences]
    best = int(np.argmax(overlaps))
    snippet = sentences[best]
    if best + 1 < len(sentences) and len(snippet) + len(sentences[best + 1]) < limit:
        snippet += " " + sentences[best + 1]
    return snippet if len(snippet) <= limit else snippet[: limit - 1].rsplit(" ", 1)[0] + "…"


def _body(chunk_text: str) -> str:
    """A chunk's text without the title line every chunk starts with."""
    return chunk_text.split("\n", 1)[1] if "\n" in chunk_text else chunk_text


@dataclass(frozen=True)
class ChunkTable:
    """What Chroma held at the last refresh, with its BM25 index: replaced whole, never edited."""

    ids: list[str]
    texts: list[str]
    metadata: list[dict[str, Any]]
    position: dict[str, int]
    bm25: BM25
    vocabulary: set[str]


class HybridSearch:
    """Dense and lexical retrieval over one index; the BM25 side is built from Chroma itself.

    A refresh builds a new ``ChunkTable`` and swaps it in with one assignment, and each
    search reads the table once, so searches running while papers are added stay consistent.
    """

    def __init__(self, index: PaperIndex, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the BM25 side from what Chroma holds now (after every write)."""
        started = time.perf_counter()
        ids: list[str] = []
        texts: list[str] = []
        metadata: list[dict[str, Any]] = []
        for chunk_id, chunk_metadata, document in self.index.iter_chunks(
            include=("metadatas", "documents")
        ):
            ids.append(chunk_id)
            texts.append(document or "")
            metadata.append(chunk_metadata)
        self.chunks = ChunkTable(
            ids,
            texts,
            metadata,
            {chunk_id: i for i, chunk_id in enumerate(ids)},
            BM25(texts),
            build_vocabulary(texts),
        )
        log.info("BM25 over %d chunks built in %.2f s", len(ids), time.perf_counter() - started)

    @property
    def vocabulary(self) -> set[str]:
        return self.chunks.vocabulary

    def _dense(self, chunks: ChunkTable, query: str, n: int) -> list[tuple[int, float]]:
        """(chunk position, cosine similarity), best first."""
        if not chunks.ids:
            return []
        vector = self.index.embeddings.embed_query(query)
        with store_errors(self.settings, "searching"):
            results = self.index.collection.query(
                query_embeddings=[vector],
                n_results=min(n, len(chunks.ids)),
                include=["distances"],
            )
        ranked = []
        for chunk_id, distance in zip(results["ids"][0], results["distances"][0], strict=True):
            if chunk_id in chunks.position:  # written after the last refresh: skip until then
                ranked.append((chunks.position[chunk_id], 1.0 - float(distance)))
        return ranked

    def _lexical(self, chunks: ChunkTable, query: str, n: int) -> list[tuple[int, float]]:
        scores = chunks.bm25.scores(query)
        if not len(scores):
            return []
        top = np.argsort(-scores, kind="stable")[:n]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def search(self, query: str, k: int | None = None) -> list[PaperHit]:
        """The ``k`` best papers for ``query``, best first."""
        chunks = self.chunks
        k = k or self.settings.top_k
        n = max(self.settings.candidate_chunks, k * 4)
        rankings = (
            (self._dense(chunks, query, n), "dense_similarity"),
            (self._lexical(chunks, query, n), "bm25_score"),
        )
        hits: dict[str, PaperHit] = {}
        chunk_scores: dict[int, float] = defaultdict(float)
        for ranking, attribute in rankings:
            ranked_papers: set[str] = set()
            for chunk_rank, (position, value) in enumerate(ranking, start=1):
                chunk_scores[position] += 1.0 / (self.settings.rrf_k + chunk_rank)
                metadata = chunks.metadata[position]
                paper_id = metadata["paper_id"]
                hit = hits.setdefault(paper_id, PaperHit(paper_id, metadata["title"], 0.0))
                if paper_id in ranked_papers:
                    continue
                # Reciprocal rank fusion at paper level: a paper's rank in a list is that
                # of its best chunk there.
                ranked_papers.add(paper_id)
                setattr(hit, attribute, value)
                hit.score += 1.0 / (self.settings.rrf_k + len(ranked_papers))
        ranked = sorted(hits.values(), key=lambda h: (-h.score, -h.dense_similarity))[:k]
        positions_by_paper: dict[str, list[int]] = defaultdict(list)
        for position in sorted(chunk_scores, key=chunk_scores.__getitem__, reverse=True):
            positions_by_paper[chunks.metadata[position]["paper_id"]].append(position)
        for hit in ranked:
            positions = positions_by_paper[hit.paper_id]
            hit.passages = [_body(chunks.texts[p]) for p in positions]
            hit.metadata = {
                key: value
                for key, value in chunks.metadata[positions[0]].items()
                if key not in ("abstract", "chunk", "n_chunks")
            }
            hit.snippet = best_snippet(query, hit.passages)
        return ranked


class PaperRetriever(BaseRetriever):
    """LangChain retriever over the hybrid search: one ``Document`` per paper, best first."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    search: HybridSearch
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content="\n".join(hit.passages),
                metadata={**hit.metadata, "score": hit.score, "snippet": hit.snippet},
                id=hit.paper_id,
            )
            for hit in self.search.search(query, self.k)
        ]
