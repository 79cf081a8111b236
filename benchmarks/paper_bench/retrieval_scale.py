"""Hybrid search latency at about 1k, 10k and 100k chunks, with the bundled papers planted.

The bundled corpus goes in through the normal ingest path. The rest of each index is
distractor papers written by ``SyntheticText``, chunked by the assistant's own splitter.
The first ``POOL_CHUNKS`` distractor chunks are embedded for real (once, then cached), so
indexes up to about 10k chunks hold real vectors only. Embedding 100k chunks would take an
hour on this machine, so larger indexes reuse the pool: each further paper is a pool
paper under a new title, its chunk vectors the pool's with a small jitter (cosine about
0.98) so that no two vectors are identical. Built indexes are cached by size and seed.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.index.chunking import build_splitter, chunk_paper
from assistant.index.ingest import ingest
from assistant.index.store import PaperIndex, open_index
from paper_bench.evaluation import Question, mean, percentile, recall_at_k, reciprocal_rank
from paper_bench.synthetic import SyntheticText

log = logging.getLogger(__name__)
Progress = Callable[[str], None]
CACHE_VERSION = 2
POOL_CHUNKS = 10_000
JITTER = 0.2  # norm of the random offset added to a unit vector: cosine ~ 1 / sqrt(1.04)

Pool = list[tuple[str, list[str], np.ndarray]]  # (title, chunk bodies, their vectors)


def distractor_pool(
    text: SyntheticText,
    settings: Settings,
    embeddings: Any,
    chunks: int,
    seed: int,
    cache_dir: Path,
    progress: Progress,
) -> Pool:
    """Synthetic papers adding up to at least ``chunks`` chunks, embedded for real.

    Cached per seed; a larger request embeds only the papers beyond those cached (the
    paper sequence of a seed never changes).
    """
    path = cache_dir / f"pool-seed{seed}-v{CACHE_VERSION}.npz"
    vectors = np.zeros((0, 0), dtype=np.float32)
    if path.is_file():
        cached = np.load(path)
        vectors = cached["vectors"]
    splitter = build_splitter(settings)
    papers: list[tuple[str, list[str]]] = []
    documents: list[str] = []
    for paper in text.iter_papers(seed):
        if len(documents) >= chunks:
            break
        pieces = [document.page_content for document in chunk_paper(paper, splitter)]
        papers.append((paper.title, [piece.split("\n", 1)[1] for piece in pieces]))
        documents.extend(pieces)
    if len(vectors) < len(documents):
        progress(
            f"retrieval: embedding {len(documents) - len(vectors)} distractor chunks "
            "(cached for later runs)"
        )
        new = np.array(embeddings.embed_documents(documents[len(vectors) :]), dtype=np.float32)
        vectors = np.concatenate([vectors.reshape(-1, new.shape[1]), new])
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
        with partial.open("wb") as handle:
            np.savez(handle, vectors=vectors)
        os.replace(partial, path)  # a reader never sees half a file
    pool: Pool = []
    position = 0
    for title, bodies in papers:
        pool.append((title, bodies, vectors[position : position + len(bodies)]))
        position += len(bodies)
    return pool


def _distractor_chunks(
    count: int, pool: Pool, text: SyntheticText, seed: int
) -> Iterator[tuple[str, np.ndarray, str, dict[str, Any]]]:
    """(id, vector, document, metadata) of ``count`` distractor chunks: the pool, then copies."""
    rng, noise_rng = random.Random(seed), np.random.default_rng(seed)
    made = paper = 0
    while made < count:
        title, bodies, vectors = pool[paper % len(pool)]
        if paper >= len(pool):  # a copy: new title, jittered vectors
            title = text.title(rng)
            noise = noise_rng.standard_normal(vectors.shape).astype(np.float32)
            noise *= JITTER / np.linalg.norm(noise, axis=1, keepdims=True)
            vectors = vectors + noise
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        bodies = bodies[: count - made]
        paper_id = f"synthetic-{paper:07d}"
        for chunk, body in enumerate(bodies):
            metadata = {
                "paper_id": paper_id,
                "title": title,
                "chunk": chunk,
                "n_chunks": len(bodies),
                "sources": json.dumps(["synthetic"]),
                "authors": "[]",
            }
            if chunk == 0:
                metadata["abstract"] = " ".join(bodies)
            yield f"{paper_id}-{chunk}", vectors[chunk], f"{title}\n{body}", metadata
        made += len(bodies)
        paper += 1


def build_scaled_index(
    settings: Settings,
    chunks: int,
    seed: int,
    text: SyntheticText,
    cache_dir: Path,
    progress: Progress,
) -> tuple[PaperIndex, Settings, dict[str, Any]]:
    """The bundled corpus plus distractors up to ``chunks`` chunks (built once, then cached)."""
    directory = cache_dir / f"retrieval-{chunks}-seed{seed}-v{CACHE_VERSION}"
    marker = directory / "built.json"
    scaled = settings.model_copy(update={"vectorstore_dir": directory / "index"})
    if marker.is_file():
        return open_index(scaled), scaled, {**json.loads(marker.read_text()), "cached": True}
    shutil.rmtree(directory, ignore_errors=True)
    started = time.perf_counter()
    index = open_index(scaled)
    planted = ingest(None, scaled, index=index, progress=False).report.chunks_added
    needed = max(chunks - planted, 0)
    pool = distractor_pool(
        text, scaled, index.embeddings, min(needed, POOL_CHUNKS), seed, cache_dir, progress
    )
    batch_size = index.client.get_max_batch_size()
    batch: list[tuple] = []
    added = 0
    for row in _distractor_chunks(needed, pool, text, seed + chunks):
        batch.append(row)
        if len(batch) == batch_size:
            added += _add(index, batch)
            batch = []
            progress(f"retrieval {chunks}: {planted + added} chunks in the index")
    added += _add(index, batch) if batch else 0
    info = {
        "chunks": planted + added,
        "planted_chunks": planted,
        "distractor_chunks": added,
        "distractors_really_embedded": min(added, sum(len(bodies) for _, bodies, _ in pool)),
        "build_s": round(time.perf_counter() - started, 1),
    }
    marker.write_text(json.dumps(info))
    return index, scaled, {**info, "cached": False}


def _add(index: PaperIndex, rows: list[tuple]) -> int:
    ids, vectors, documents, metadatas = zip(*rows, strict=True)
    index.collection.add(
        ids=list(ids),
        embeddings=np.stack(vectors),
        documents=list(documents),
        metadatas=list(metadatas),
    )
    return len(rows)


def measure_search(
    index: PaperIndex, settings: Settings, questions: Sequence[Question]
) -> dict[str, Any]:
    """Hybrid search timings over the questions, and how well the planted papers are found."""
    from assistant.answer.history import retrieval_query
    from assistant.retrieval.hybrid import HybridSearch

    started = time.perf_counter()
    search = HybridSearch(index, settings)
    refresh_s = time.perf_counter() - started
    queries = [retrieval_query(q.question, list(q.history)) for q in questions]
    search.search(queries[0], settings.top_k)  # warm-up: first query loads lazily built parts
    latencies, recalls, reciprocal_ranks = [], [], []
    for question, query in zip(questions, queries, strict=True):
        started = time.perf_counter()
        hits = search.search(query, settings.top_k)
        latencies.append((time.perf_counter() - started) * 1000)
        if question.gold_titles:
            titles = [hit.title for hit in hits]
            recalls.append(recall_at_k(titles, question.gold_titles, settings.top_k))
            reciprocal_ranks.append(reciprocal_rank(titles, question.gold_titles))
    return {
        "chunks_searched": len(search.chunks.ids),
        "refresh_s": round(refresh_s, 2),
        "queries": len(queries),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        f"planted_recall@{settings.top_k}": round(mean(recalls) or 0.0, 4),
        "planted_mrr": round(mean(reciprocal_ranks) or 0.0, 4),
    }


def bench_retrieval(
    settings: Settings,
    sizes: Sequence[int],
    questions: Sequence[Question],
    seed: int,
    cache_dir: Path,
    progress: Progress = log.info,
) -> dict[str, Any]:
    """For each size: build (or reuse) the index, then time every question's search."""
    from assistant.corpus.reading import read_corpus

    text = SyntheticText.from_papers(read_corpus(settings.corpus_paths).papers)
    results = []
    for size in sizes:
        index, scaled, info = build_scaled_index(settings, size, seed, text, cache_dir, progress)
        progress(f"retrieval {size}: index ready ({info['chunks']} chunks); searching")
        measured = measure_search(index, scaled, questions)
        results.append({"target_chunks": size, **info, **measured})
        progress(
            f"retrieval {size}: p50 {measured['p50_ms']:.0f} ms, p95 {measured['p95_ms']:.0f} ms, "
            f"BM25 rebuild {measured['refresh_s']:.1f} s"
        )
    return {"sizes": results, "pool_chunks": POOL_CHUNKS, "jitter": JITTER}
