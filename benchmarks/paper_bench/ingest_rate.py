"""Ingest throughput and peak memory: the bundled corpus, then a large synthetic one.

Each corpus is ingested by a fresh Python process into an empty index, so each peak
memory figure is that job's own (ru_maxrss of a process only ever grows). The
synthetic corpus file is written before the clock starts; what is timed is exactly
``assistant.index.ingest.ingest``: reading, chunking, embedding and writing to Chroma.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.config import Settings

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


def write_synthetic_corpus(settings: Settings, papers: int, seed: int, path: Path) -> Path:
    """``papers`` synthetic papers as JSON Lines (title, abstract), the same for the same seed."""
    from assistant.corpus.reading import read_corpus
    from paper_bench.synthetic import SyntheticText

    text = SyntheticText.from_papers(read_corpus(settings.corpus_paths).papers)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for paper in text.papers(papers, seed):
            handle.write(json.dumps({"title": paper.title, "abstract": paper.abstract}) + "\n")
    return path


def _peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts from its parent's at fork
    and survives exec, so a worker started by a large benchmark process would report
    the parent's peak instead of its own.
    """
    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale, 1)


def ingest_once(
    corpus: list[Path] | None, index_dir: Path, embedder: str = "minilm"
) -> dict[str, Any]:
    """Ingest ``corpus`` (None: the bundled one) into a new index; rates and memory.

    ``embedder``: "minilm", the real one, or "hashing", a stand-in that costs almost
    nothing, to measure everything else (reading, chunking, Chroma, memory) at sizes the
    real embedder would take hours over.
    """
    from assistant.index.ingest import ingest
    from assistant.index.store import PaperIndex, open_index

    settings = Settings(vectorstore_dir=index_dir)
    if embedder == "hashing":
        from paper_bench.synthetic import HashingEmbeddings

        index = PaperIndex(settings, HashingEmbeddings(), rebuild=True)
    else:
        index = open_index(settings, rebuild=True)
    ready_rss = _peak_rss_mb()  # interpreter, libraries and the embedder loaded
    started = time.perf_counter()
    result = ingest(corpus, settings, index=index, progress=False)
    seconds = time.perf_counter() - started
    papers = result.report.papers_added
    chunks = result.report.chunks_added
    return {
        "papers": papers,
        "chunks": chunks,
        "seconds": round(seconds, 2),
        "papers_per_s": round(papers / seconds, 2),
        "chunks_per_s": round(chunks / seconds, 2),
        "rss_before_mb": ready_rss,
        "peak_rss_mb": _peak_rss_mb(),
        "threads": settings.cpu_threads,
        "embedder": embedder,
    }


def ingest_in_child(
    name: str, corpus: Path | None, work_dir: Path, embedder: str = "minilm"
) -> dict[str, Any]:
    """``ingest_once`` in a fresh process (so its peak memory is its own); its index deleted."""
    index_dir = work_dir / f"ingest-{name}"
    shutil.rmtree(index_dir, ignore_errors=True)
    command = [sys.executable, "-m", "paper_bench.ingest_rate", str(index_dir)]
    if corpus is not None:
        command.append(str(corpus))
    command += ["--embedder", embedder]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    shutil.rmtree(index_dir, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"ingest benchmark of {name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_ingest(
    settings: Settings,
    synthetic_papers: int,
    seed: int,
    work_dir: Path,
    progress: Progress = log.info,
) -> dict[str, Any]:
    """The bundled corpus and ``synthetic_papers`` synthetic ones, each in its own process."""
    corpus_file = write_synthetic_corpus(
        settings, synthetic_papers, seed, work_dir / f"synthetic-{synthetic_papers}.jsonl"
    )
    results = {}
    for name, corpus in (("bundled", None), (f"synthetic_{synthetic_papers}", corpus_file)):
        progress(f"ingest {name}: running in a fresh process")
        results[name] = measured = ingest_in_child(name, corpus, work_dir)
        progress(
            f"ingest {name}: {measured['papers']} papers, {measured['chunks']} chunks in "
            f"{measured['seconds']:.0f} s ({measured['papers_per_s']:.1f} papers/s, "
            f"{measured['chunks_per_s']:.1f} chunks/s), peak {measured['peak_rss_mb']:.0f} MB"
        )
    return results


def main() -> None:
    """Worker entry point: ingest into INDEX_DIR and print one JSON line."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("corpus", type=Path, nargs="*")
    parser.add_argument("--embedder", choices=("minilm", "hashing"), default="minilm")
    args = parser.parse_args()
    print(json.dumps(ingest_once(args.corpus or None, args.index_dir, args.embedder)))


if __name__ == "__main__":
    main()
