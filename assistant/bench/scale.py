"""Ingest at scale: a 100k-paper JSON Lines file through the real streaming ingest.

Each run is a child process, so its peak memory (ru_maxrss from wait4) is its own. Two
embedders: the real one (all-MiniLM-L6-v2) on a sample, for the rate that matters, and
a hashing stand-in on the whole file, so that reading, chunking, Chroma writes and
memory are measured at 100k papers in minutes instead of the hours real embedding takes
on two cores. The projection for 100k and 1M papers uses the real rate.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.config import BUNDLED_CORPUS_DIR
from assistant.records import title_key

DIMENSIONS = 384


class HashingEmbeddings(Embeddings):
    """A stand-in embedder: hashed word counts, as cheap as an embedder can be."""

    model_id = "bench-hashing-384"

    def _embed(self, text: str) -> list[float]:
        vector = np.zeros(DIMENSIONS, dtype=np.float32)
        for word in text.lower().split():
            vector[hash(word) % DIMENSIONS] += 1.0
        return (vector / max(float(np.linalg.norm(vector)), 1e-12)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


def write_corpus(path: Path, count: int, seed: int = 7) -> Path:
    """``count`` synthetic papers (distinct titles) as JSON Lines, written as generated."""
    from assistant.bench.synthetic import SyntheticText

    from assistant.corpus import read_corpus

    if path.is_file() and sum(1 for _ in path.open()) == count:
        return path
    text = SyntheticText.from_papers(read_corpus([BUNDLED_CORPUS_DIR]).papers)
    rng = random.Random(seed)
    seen: set[str] = set()
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        for n in range(count):
            title = text.title(rng)
            if title_key(title) in seen:
                title = f"{title} ({n})"
            seen.add(title_key(title))
            abstract = " ".join(text.sentence(rng) for _ in range(text.sentence_count(rng)))
            out.write(json.dumps({"title": title, "abstract": abstract}) + "\n")
    partial.replace(path)
    return path


def _worker(corpus: str, store: str, embedder: str, limit: int) -> None:
    """In the child: ingest ``corpus`` (its first ``limit`` lines) and print the report."""
    from assistant.config import Settings
    from assistant.embeddings import MiniLMEmbeddings
    from assistant.index import PaperIndex
    from assistant.ingest import ingest

    source = Path(corpus)
    if limit:
        sample = Path(store).with_name(f"{source.stem}-{limit}.jsonl")
        with source.open() as lines, sample.open("w") as out:
            for _, line in zip(range(limit), lines, strict=False):
                out.write(line)
        source = sample
    settings = Settings(vectorstore_dir=Path(store))
    embeddings = (
        MiniLMEmbeddings(settings.cpu_threads, settings.embed_batch_size)
        if embedder == "minilm"
        else HashingEmbeddings()
    )
    index = PaperIndex(settings, embeddings, rebuild=True)
    result = ingest([source], settings, index=index, progress=False)
    report = result.report
    print(
        json.dumps(
            {
                "papers": report.papers_added,
                "chunks": report.chunks_added,
                "seconds": report.seconds,
            }
        )
    )


def measure_ingest(corpus: Path, store: Path, embedder: str, limit: int = 0) -> dict[str, Any]:
    """One ingest in a child process: papers/s, chunks/s and the child's peak RSS."""
    code = (
        "import sys; from assistant.bench.scale import _worker; "
        f"_worker({str(corpus)!r}, {str(store)!r}, {embedder!r}, {limit})"
    )
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"ingest of {corpus} failed (exit {child.returncode})")
    run = json.loads(output.strip().splitlines()[-1])
    return {
        "embedder": embedder,
        **run,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "papers_per_s": round(run["papers"] / run["seconds"], 1),
        "chunks_per_s": round(run["chunks"] / run["seconds"], 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
    }


def bench_scale(
    workdir: Path, sizes: tuple[int, ...] = (10_000, 100_000), real_sample: int = 2_000
) -> dict[str, Any]:
    """Stand-in ingests at each size, a real-embedder ingest of a sample, and projections."""
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = write_corpus(workdir / f"synthetic-{max(sizes)}.jsonl", max(sizes))
    runs = [
        measure_ingest(corpus, workdir / f"store-hash-{size}", "hashing", size) for size in sizes
    ]
    real = measure_ingest(corpus, workdir / f"store-minilm-{real_sample}", "minilm", real_sample)
    rate = real["papers_per_s"]
    return {
        "corpus": str(corpus),
        "stand_in_runs": runs,
        "real_embedder_run": real,
        "projected_hours": {
            "100k papers": round(100_000 / rate / 3600, 2),
            "1M papers": round(1_000_000 / rate / 3600, 1),
        },
    }
