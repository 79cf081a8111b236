"""Ingest at scale: 100k synthetic papers through the real streaming ingest.

The real embedder (about 50 chunks/s on two cores) would take hours over 100k papers,
so the large runs use a hashing stand-in that costs almost nothing: they measure what
grows with the corpus (reading, chunking, Chroma's writes and vector index, memory).
The real embedder runs on a sample for the rate that dominates; the projected times
for 100k and 1M papers add the two.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.config import Settings

Progress = Callable[[str], None]


def bench_scale(
    settings: Settings,
    sizes: tuple[int, ...],
    real_sample: int,
    seed: int,
    work_dir: Path,
    progress: Progress,
) -> dict[str, Any]:
    """Stand-in ingests at each size, a real-embedder sample, and projected real times."""
    from paper_bench.ingest_rate import ingest_in_child, write_synthetic_corpus

    runs = {}
    for size in sorted({*sizes, real_sample}):
        corpus = work_dir / f"synthetic-{size}-seed{seed}.jsonl"
        if not corpus.is_file():
            progress(f"scale: writing {size} synthetic papers")
            write_synthetic_corpus(settings, size, seed, corpus)
        for embedder in ["hashing", "minilm"] if size == real_sample else ["hashing"]:
            progress(f"scale: ingesting {size} papers with the {embedder} embedder")
            run = ingest_in_child(f"scale-{size}-{embedder}", corpus, work_dir, embedder)
            runs[f"{size}_{embedder}"] = run
            progress(
                f"scale: {run['papers']} papers, {run['chunks']} chunks in {run['seconds']:.0f} s "
                f"({run['papers_per_s']:.1f} papers/s), peak {run['peak_rss_mb']:.0f} MB"
            )
    real = runs[f"{real_sample}_minilm"]
    largest = runs[f"{max(sizes)}_hashing"]
    # Per paper: the real run's cost (embedding dominates) plus what the stand-in run
    # shows the rest costs at the large size beyond what it cost at the sample size.
    per_paper = 1 / real["papers_per_s"] + max(
        0.0,
        1 / largest["papers_per_s"]
        - 1 / runs.get(f"{real_sample}_hashing", largest)["papers_per_s"],
    )
    return {
        "runs": runs,
        "real_seconds_per_paper": round(per_paper, 4),
        "projected_hours": {
            "100k papers": round(100_000 * per_paper / 3600, 1),
            "1M papers": round(1_000_000 * per_paper / 3600, 1),
        },
    }
