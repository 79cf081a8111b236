"""The hand-written BM25 (`assistant.retrieval.bm25`) against the `bm25s` library.

Both engines get the same tokens from `assistant.text.tokenize`, computed once before any
timing: bm25s takes token lists, and `BM25`'s module-level ``tokenize`` is swapped for a
lookup of those lists while it is timed, so the figures compare the scoring engines and
not the tokenizer (tokenizing the whole corpus is timed once, apart, for scale). bm25s
runs with k1 and b set to the project's values and its "lucene" variant, whose IDF is the
project's and whose term weight lacks only the constant factor (k1 + 1): the rankings
should agree but for float rounding and ties, and the top-10 overlap shows how far.

For each size the two indexes are built ``BUILD_REPEATS`` times, alternating, and every
question is answered by both (top 40), alternating which goes first.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any
from unittest import mock

import numpy as np

import assistant.retrieval.bm25 as bm25_module
from assistant.text import tokenize
from paper_bench.synthetic import SyntheticText

Progress = Callable[[str], None]
TOP_K = 40
OVERLAP_K = 10
BUILD_REPEATS = 3
CHUNK_WORDS = (100, 160)  # a chunk is sentences up to a drawn length in this range
QUESTION_WORDS = (6, 14)


def synthetic_chunks(text: SyntheticText, count: int, seed: int) -> list[str]:
    """``count`` chunk texts of about 100-160 words, each a run of generated sentences."""
    rng = random.Random(seed)
    chunks: list[str] = []
    while len(chunks) < count:
        target = rng.randint(*CHUNK_WORDS)
        words: list[str] = []
        while len(words) < target:
            words.extend(text.sentence(rng).split())
        chunks.append(" ".join(words[: CHUNK_WORDS[1]]))
    return chunks


def synthetic_questions(text: SyntheticText, count: int, seed: int) -> list[str]:
    """Short questions: a run of words cut from a new generated sentence."""
    rng = random.Random(seed + 1_000_003)
    questions: list[str] = []
    while len(questions) < count:
        words = text.sentence(rng).split()
        length = min(len(words), rng.randint(*QUESTION_WORDS))
        start = rng.randint(0, len(words) - length)
        question = " ".join(words[start : start + length])
        if tokenize(question):
            questions.append(f"What about {question}?")
    return questions


def _tokens(texts: Sequence[str]) -> list[list[str]]:
    # Interned: 100k chunks hold millions of tokens but only tens of thousands of words.
    return [[sys.intern(token) for token in tokenize(text)] for text in texts]


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores, best first (what a search would return)."""
    best = np.argpartition(-scores, k - 1)[:k]
    return best[np.argsort(-scores[best], kind="stable")]


def _ms_summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 3),
        "p95_ms": round(float(np.percentile(values, 95)), 3),
        "mean_ms": round(statistics.fmean(values), 3),
    }


def _measure_size(
    chunks: list[str],
    chunk_tokens: list[list[str]],
    questions: list[str],
    question_tokens: list[list[str]],
    progress: Progress,
) -> dict[str, Any]:
    import bm25s

    size = len(chunks)
    lookup = dict(zip(chunks, chunk_tokens, strict=True))
    lookup.update(zip(questions, question_tokens, strict=True))
    builds: dict[str, list[float]] = {"bm25_py": [], "bm25s": []}
    ours = theirs = None
    with mock.patch.object(bm25_module, "tokenize", lookup.__getitem__):
        for repeat in range(BUILD_REPEATS):
            order = ("bm25_py", "bm25s") if repeat % 2 == 0 else ("bm25s", "bm25_py")
            for name in order:
                if name == "bm25_py":
                    ours = None  # the previous index goes before the next is built
                    started = time.perf_counter()
                    ours = bm25_module.BM25(chunks)
                else:
                    theirs = None
                    started = time.perf_counter()
                    theirs = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
                    theirs.index(chunk_tokens, show_progress=False)
                builds[name].append(time.perf_counter() - started)
        progress(
            f"bm25 {size}: built in {statistics.median(builds['bm25_py']):.2f} s (bm25.py), "
            f"{statistics.median(builds['bm25s']):.2f} s (bm25s); querying"
        )
        assert ours is not None and theirs is not None
        k = min(TOP_K, size)

        def ask_ours(i: int) -> np.ndarray:
            return _top(ours.scores(questions[i]), k)

        def ask_theirs(i: int) -> np.ndarray:
            found = theirs.retrieve([question_tokens[i]], k=k, show_progress=False, n_threads=0)
            return found.documents[0]

        ask_ours(0), ask_theirs(0)  # warm-up, not counted
        latencies: dict[str, list[float]] = {"bm25_py": [], "bm25s": []}
        overlaps: list[float] = []
        for i in range(len(questions)):
            order = (("bm25_py", ask_ours), ("bm25s", ask_theirs))
            found: dict[str, np.ndarray] = {}
            for name, ask in order if i % 2 == 0 else order[::-1]:
                started = time.perf_counter()
                found[name] = ask(i)
                latencies[name].append((time.perf_counter() - started) * 1000)
            top_ours = set(found["bm25_py"][:OVERLAP_K].tolist())
            top_theirs = set(found["bm25s"][:OVERLAP_K].tolist())
            overlaps.append(len(top_ours & top_theirs) / min(OVERLAP_K, k))
    build = {name: round(statistics.median(times), 3) for name, times in builds.items()}
    query = {name: _ms_summary(values) for name, values in latencies.items()}
    return {
        "chunks": size,
        "tokens": sum(len(tokens) for tokens in chunk_tokens),
        "build_s": build,
        "build_s_all": {name: [round(t, 3) for t in times] for name, times in builds.items()},
        "query": query,
        "ratio_build": round(build["bm25s"] / build["bm25_py"], 3),
        "ratio_p50": round(query["bm25s"]["p50_ms"] / query["bm25_py"]["p50_ms"], 3),
        f"top{OVERLAP_K}_overlap": {
            "mean": round(statistics.fmean(overlaps), 4),
            "min": round(min(overlaps), 4),
        },
    }


def bench_bm25(
    sizes: tuple[int, ...], queries: int, seed: int, progress: Progress
) -> dict[str, Any]:
    """Build time and top-40 latency of bm25.py and bm25s at each size, same tokens."""
    import bm25s

    from assistant.config import BUNDLED_CORPUS_DIR
    from assistant.corpus.reading import read_corpus

    text = SyntheticText.from_papers(read_corpus([BUNDLED_CORPUS_DIR]).papers)
    started = time.perf_counter()
    # One corpus for every size: each size is a prefix of the largest.
    corpus = synthetic_chunks(text, max(sizes), seed)
    progress(f"bm25: wrote {len(corpus)} chunks in {time.perf_counter() - started:.1f} s")
    questions = synthetic_questions(text, queries, seed)
    question_tokens = [list(dict.fromkeys(tokens)) for tokens in _tokens(questions)]
    results = []
    for size in sizes:
        chunks = corpus[:size]
        started = time.perf_counter()
        chunk_tokens = _tokens(chunks)
        tokenize_s = time.perf_counter() - started
        measured = _measure_size(chunks, chunk_tokens, questions, question_tokens, progress)
        measured["tokenize_s"] = round(tokenize_s, 3)
        results.append(measured)
        del chunk_tokens
        q = measured["query"]
        progress(
            f"bm25 {size}: p50 {q['bm25_py']['p50_ms']:.1f} ms (bm25.py), "
            f"{q['bm25s']['p50_ms']:.1f} ms (bm25s); top-{OVERLAP_K} overlap "
            f"{measured[f'top{OVERLAP_K}_overlap']['mean']:.3f}"
        )
    return {
        "sizes": results,
        "queries": queries,
        "top_k": TOP_K,
        "build_repeats": BUILD_REPEATS,
        "bm25s_version": bm25s.__version__,
        "bm25s_backend": "numpy",
    }
