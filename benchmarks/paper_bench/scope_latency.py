"""Scoped against unscoped hybrid search, at the retrieval benchmark's index sizes.

Each question is searched four ways in turn (so the machine's noise falls on all alike):
the whole collection, one bundled source file (a small part: a Chroma ``$in`` filter),
everything but that file (most of it: a ``$nin`` filter), and five chosen papers. A scoped
time includes turning the scope into paper ids (``HybridSearch.select``), as an answer
pays it (after the first question in a scope, from a cache; the first selection is
timed apart).
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.retrieval.scope import Scope
from paper_bench.evaluation import Question, percentile
from paper_bench.retrieval_scale import build_scaled_index

Progress = Callable[[str], None]
CHOSEN_PAPERS = 5


def _scopes(search, seed: int) -> dict[str, Scope | None]:
    """The scopes measured, named; built from what the index holds."""
    from assistant.records import source_path

    files = sorted(
        {
            source_path(source)
            for record in search.chunks.metadata
            if record.get("chunk") == 0
            for source in json.loads(record["sources"])
        }
    )
    bundled = [Path(path).name for path in files if "daily_papers" in path]
    narrow = bundled[0] if bundled else Path(files[0]).name
    papers = sorted(search.chunks.chunks_of_paper)
    chosen = tuple(random.Random(seed).sample(papers, min(CHOSEN_PAPERS, len(papers))))
    everything_but = tuple(Path(path).name for path in files if Path(path).name != narrow)
    return {
        "unscoped": None,
        f"one file ({narrow})": Scope(sources=(narrow,)),
        "all files but that one": Scope(sources=everything_but) if everything_but else None,
        f"{len(chosen)} chosen papers": Scope(paper_ids=chosen),
    }


def measure_scopes(index, settings: Settings, questions: Sequence[Question], seed: int) -> dict:
    from assistant.answer.history import retrieval_query
    from assistant.retrieval.hybrid import HybridSearch

    search = HybridSearch(index, settings)
    scopes = _scopes(search, seed)
    queries = [retrieval_query(q.question, list(q.history)) for q in questions]
    search.search(queries[0], settings.top_k)  # warm-up
    # The first question in a scope turns it into paper ids (then kept until the index
    # changes): timed once, apart.
    first_select_ms = {}
    for name, scope in scopes.items():
        started = time.perf_counter()
        search.select(scope)
        first_select_ms[name] = round((time.perf_counter() - started) * 1000, 2)
    latencies: dict[str, list[float]] = {name: [] for name in scopes}
    admitted: dict[str, int] = {}
    for query in queries:
        for name, scope in scopes.items():
            started = time.perf_counter()
            selection = search.select(scope)
            within = selection.paper_ids if selection else None
            hits = search.search(query, settings.top_k, within=within)
            latencies[name].append((time.perf_counter() - started) * 1000)
            admitted[name] = len(within) if within is not None else len(search.chunks.papers)
            if within is not None:
                assert all(hit.paper_id in within for hit in hits), name
    base = statistics.median(latencies["unscoped"])
    return {
        "papers": len(search.chunks.papers),
        "chunks": len(search.chunks.ids),
        "queries": len(queries),
        "scopes": [
            {
                "scope": name,
                "papers_admitted": admitted[name],
                "first_select_ms": first_select_ms[name],
                "p50_ms": round(statistics.median(times), 2),
                "p95_ms": round(percentile(times, 95), 2),
                "p50_ratio_to_unscoped": round(statistics.median(times) / base, 3),
            }
            for name, times in latencies.items()
        ],
    }


def bench_scope(
    settings: Settings,
    sizes: Sequence[int],
    questions: Sequence[Question],
    seed: int,
    cache_dir: Path,
    progress: Progress,
) -> dict[str, Any]:
    """For each size: the retrieval benchmark's (cached) index, searched with each scope."""
    from assistant.corpus.reading import read_corpus
    from paper_bench.synthetic import SyntheticText

    text = SyntheticText.from_papers(read_corpus(settings.corpus_paths).papers)
    results = []
    for size in sizes:
        index, scaled, _ = build_scaled_index(settings, size, seed, text, cache_dir, progress)
        measured = measure_scopes(index, scaled, questions, seed)
        results.append({"target_chunks": size, **measured})
        progress(
            f"scope {size}: "
            + ", ".join(
                f"{s['scope']} {s['p50_ratio_to_unscoped']:.2f}x" for s in measured["scopes"]
            )
        )
    return {"sizes": results}
