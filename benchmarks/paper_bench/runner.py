"""`assistant bench`: which parts run at which sizes, the results file and its summary."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.config import Settings

Progress = Callable[[str], None]
PARTS = ("model", "ingest", "retrieval", "baseline")
# Serving and scale (issue 6), and the bm25s comparison: run when named with --parts, not in
# a default run.
EXTRA_PARTS = ("scale", "index_server", "sessions", "bm25", "speculative", "threads", "scope")
# The repository checkout this package lives in (it is installed editable from there).
REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_QUESTIONS = REPO_ROOT / "eval" / "dev_questions.jsonl"


@dataclass
class BenchOptions:
    """Sizes of a full run; ``quick()`` gives the few-minutes version."""

    parts: tuple[str, ...] = PARTS
    repeats: int = 9  # model path: runs of each side
    ingest_papers: int = 10_000
    retrieval_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    questions: int | None = None  # baseline: None for every dev question
    seed: int = 0
    questions_file: Path = DEV_QUESTIONS
    scale_sizes: tuple[int, ...] = (10_000, 100_000)  # stand-in embedder
    scale_real_sample: int = 2_000  # real embedder
    sessions: int = 4
    bm25_sizes: tuple[int, ...] = (10_000, 100_000)  # chunks: bm25.py against bm25s
    bm25_queries: int = 50
    work_dir: Path | None = None  # default: <cache_dir>/bench

    @classmethod
    def quick(cls, **changes: Any) -> BenchOptions:
        sizes = {
            "repeats": 3,
            "ingest_papers": 300,
            "retrieval_sizes": (1_000, 5_000),
            "scale_sizes": (2_000, 10_000),
            "scale_real_sample": 300,
            "sessions": 2,
            "bm25_sizes": (2_000,),
        }
        return cls(**{**sizes, "questions": 10, **changes})


def run_bench(settings: Settings, options: BenchOptions, progress: Progress) -> dict[str, Any]:
    """Run the chosen parts in order; every figure lands in one results dict."""
    from paper_bench.common import machine
    from paper_bench.evaluation import load_questions

    work_dir = options.work_dir or settings.cache_dir / "bench"
    work_dir.mkdir(parents=True, exist_ok=True)
    questions = load_questions(options.questions_file)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "options": {
            **{k: v for k, v in asdict(options).items() if k != "work_dir"},
            "questions_file": str(options.questions_file),
        },
        "settings": {"threads": settings.generation_threads, "top_k": settings.top_k},
    }
    # Indexes a run builds only for itself go in its own folder: two runs never share one.
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=work_dir))
    try:
        for part in options.parts:
            started = time.perf_counter()
            load_before = os.getloadavg()[0]
            progress(f"== {part} ==")
            outcome = _run_part(part, settings, options, questions, work_dir, scratch, progress)
            outcome["seconds"] = round(time.perf_counter() - started, 1)
            outcome["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
            results[part] = outcome
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def _run_part(
    part: str,
    settings: Settings,
    options: BenchOptions,
    questions: list,
    work_dir: Path,
    scratch: Path,
    progress: Progress,
) -> dict[str, Any]:
    if part == "model":
        from paper_bench.model_path import bench_model_path

        return bench_model_path(settings, options.repeats, progress=progress)
    if part == "ingest":
        from paper_bench.ingest_rate import bench_ingest

        return bench_ingest(settings, options.ingest_papers, options.seed, scratch, progress)
    if part == "retrieval":
        from paper_bench.common import cache_lock
        from paper_bench.retrieval_scale import bench_retrieval

        # Large indexes are cached across runs in work_dir: built by one run at a time.
        with cache_lock(work_dir / "retrieval.lock"):
            return bench_retrieval(
                settings, options.retrieval_sizes, questions, options.seed, work_dir, progress
            )
    if part == "baseline":
        from paper_bench.common import sample_questions
        from paper_bench.comparison import bench_baseline

        picked = sample_questions(questions, options.questions)
        outcome = bench_baseline(settings, picked, scratch, progress)
        return {**outcome, "questions_file": str(options.questions_file)}
    if part == "scale":
        from paper_bench.scale import bench_scale

        sizes, sample = options.scale_sizes, options.scale_real_sample
        return bench_scale(settings, sizes, sample, options.seed, work_dir, progress)
    if part == "index_server":
        from paper_bench.serving import bench_index_server

        return bench_index_server(settings, questions, scratch, progress)
    if part == "sessions":
        from paper_bench.serving import bench_sessions

        return bench_sessions(settings, questions, scratch, progress, options.sessions)
    if part == "bm25":
        from paper_bench.bm25_compare import bench_bm25

        return bench_bm25(options.bm25_sizes, options.bm25_queries, options.seed, progress)
    if part == "speculative":
        from paper_bench.common import sample_questions
        from paper_bench.decoding import bench_speculative

        picked = sample_questions(questions, options.questions)
        outcome = bench_speculative(settings, picked, scratch, progress)
        return {**outcome, "questions_file": str(options.questions_file)}
    if part == "threads":
        from paper_bench.decoding import bench_threads

        counts = sorted({1, 2, settings.cpu_threads, settings.generation_threads})
        return bench_threads(settings, counts, options.repeats, progress)
    if part == "scope":
        from paper_bench.common import cache_lock
        from paper_bench.scope_latency import bench_scope

        with cache_lock(work_dir / "retrieval.lock"):  # shares the retrieval part's indexes
            return bench_scope(
                settings, options.retrieval_sizes, questions, options.seed, work_dir, progress
            )
    parts = ", ".join((*PARTS, *EXTRA_PARTS))
    raise ValueError(f"unknown benchmark part {part!r}; parts: {parts}")


def write_results(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """results.json, results.md (the tables of BENCHMARKS.md) and, with a baseline, its plot."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "results.json", out_dir / "results.md"]
    paths[0].write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    paths[1].write_text(render_markdown(results))
    if "baseline" in results:
        from paper_bench.plot import plot_reports

        paths.append(plot_reports(results["baseline"]["reports"], out_dir / "baseline.png"))
    return paths


def _fmt(value: Any, spec: str = ".2f") -> str:
    return "n/a" if value is None else format(value, spec)


def render_markdown(results: dict[str, Any]) -> str:
    """The measured figures as Markdown tables, one section per part that ran."""
    machine = results["machine"]
    lines = [
        f"Measured {results['date']} on {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB, backend {machine['backend']}, "
        f"llama-cpp-python {machine['llama_cpp_python']}, {results['settings']['threads']} "
        f"threads; 1-minute load average at start {machine['load_average'][0]}.",
        "",
    ]
    if "model" in results:
        lines += _model_section(results["model"])
    if "ingest" in results:
        lines += _ingest_section(results["ingest"])
    if "retrieval" in results:
        lines += _retrieval_section(results["retrieval"], results["settings"]["top_k"])
    if "baseline" in results:
        lines += _baseline_section(results["baseline"])
    if "scale" in results:
        lines += _scale_section(results["scale"])
    if "index_server" in results:
        lines += _index_server_section(results["index_server"])
    if "sessions" in results:
        lines += _sessions_section(results["sessions"])
    if "bm25" in results:
        lines += _bm25_section(results["bm25"])
    if "speculative" in results:
        lines += _speculative_section(results["speculative"])
    if "threads" in results:
        lines += _threads_section(results["threads"])
    if "scope" in results:
        lines += _scope_section(results["scope"])
    return "\n".join(lines) + "\n"


def _scope_section(scope: dict[str, Any]) -> list[str]:
    lines = [
        "### Scoped against unscoped search (hybrid search, scope selection included)",
        "",
        "| chunks | papers | scope | papers admitted | first selection (ms) | p50 (ms) | "
        "p95 (ms) | p50 / unscoped |",
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for size in scope["sizes"]:
        for row in size["scopes"]:
            lines.append(
                f"| {size['chunks']} | {size['papers']} | {row['scope']} | "
                f"{row['papers_admitted']} | {_fmt(row['first_select_ms'])} | "
                f"{_fmt(row['p50_ms'])} | {_fmt(row['p95_ms'])} | "
                f"{_fmt(row['p50_ratio_to_unscoped'], '.3f')} |"
            )
    return [*lines, ""]


def _speculative_section(spec: dict[str, Any]) -> list[str]:
    speed, total = spec["gen_tokens_per_s"], spec["total_ms"]
    return [
        f"### Prompt-lookup speculative decoding ({spec['draft_tokens']} draft tokens; "
        f"{spec['modelled']} of {spec['questions']} questions of "
        f"{Path(spec['questions_file']).name} reach the model)",
        "",
        "| median | off | on | on / off |",
        "|---|---:|---:|---:|",
        f"| generation (tokens/s) | {_fmt(speed['off'])} | {_fmt(speed['on'])} | "
        f"{_fmt(speed['ratio'], '.3f')} |",
        f"| total time (ms) | {_fmt(total['off'], '.0f')} | {_fmt(total['on'], '.0f')} | "
        f"{_fmt(total['ratio'], '.3f')} |",
        f"| identical answers | {spec['identical_answers']} of {spec['modelled']} | | |",
        "",
    ]


def _threads_section(threads: dict[str, Any]) -> list[str]:
    lines = [
        f"### Thread count (one fixed prompt, median of {threads['repeats']} runs)",
        "",
        "| threads | another process busy | first token (ms) | generation (tokens/s) |",
        "|---:|---|---:|---:|",
    ]
    for row in threads["rows"]:
        lines.append(
            f"| {row['threads']} | {'yes' if row['another_process_busy'] else 'no'} | "
            f"{_fmt(row['ttft_ms'], '.0f')} | {_fmt(row['gen_tokens_per_s'])} |"
        )
    return [*lines, ""]


def _scale_section(scale: dict[str, Any]) -> list[str]:
    lines = [
        "### Ingest at scale (JSON Lines, streamed; each run a fresh process, empty index)",
        "",
        "| papers | embedder | chunks | seconds | papers/s | chunks/s | peak RSS (MB) |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for m in scale["runs"].values():
        lines.append(_ingest_row(f"{m['papers']} | {m['embedder']}", m))
    hours = scale["projected_hours"]
    return [
        *lines,
        "",
        f"Projected with the real embedder on this machine: {hours['100k papers']} h for 100k "
        f"papers, {hours['1M papers']} h for 1M ({scale['real_seconds_per_paper']} s a paper).",
        "",
    ]


def _index_server_section(server: dict[str, Any]) -> list[str]:
    e, s = server["embedded"], server["server"]
    return [
        f"### Hybrid search: Chroma server (`chroma run`, loopback) vs embedded ({e['n']} searches "
        "each, alternating)",
        "",
        "| index | p50 (ms) | p95 (ms) |",
        "|---|---:|---:|",
        f"| embedded (`vectorstore/`) | {e['p50_ms']:.1f} | {e['p95_ms']:.1f} |",
        f"| Chroma server | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} |",
        f"| server / embedded (p50) | {server['ratio_p50']:.2f} | |",
        "",
    ]


def _sessions_section(sessions: dict[str, Any]) -> list[str]:
    a, idle, busy = (
        sessions["answer_latency"],
        sessions["find_latency_idle"],
        sessions["find_latency_while_answering"],
    )
    return [
        f"### Concurrent chat sessions through the HTTP API ({sessions['sessions']} clients, "
        f"{sessions['questions']} questions at once)",
        "",
        "| | p50 (ms) | p95 (ms) | n |",
        "|---|---:|---:|---:|",
        f"| answer, submit to final reply | {a['p50_ms']:.0f} | {a['p95_ms']:.0f} | {a['n']} |",
        f"| find papers, idle | {idle['p50_ms']:.0f} | {idle['p95_ms']:.0f} | {idle['n']} |",
        f"| find papers, while answers are written | {busy['p50_ms']:.0f} | "
        f"{busy['p95_ms']:.0f} | {busy['n']} |",
        "",
        f"Answered {sessions['answered']} of {sessions['questions']}; replies with the wrong or "
        f"mixed question: {len(sessions['wrong_or_mixed_replies'])}; "
        f"{sessions['answers_per_minute']} answers a minute (one model, answers queued).",
        "",
    ]


def _bm25_section(bm25: dict[str, Any]) -> list[str]:
    lines = [
        f"### BM25: `assistant/retrieval/bm25.py` vs bm25s {bm25['bm25s_version']} "
        f"({bm25['bm25s_backend']} backend; same tokens, top {bm25['top_k']}, "
        f"{bm25['queries']} questions, alternating)",
        "",
        "| chunks | build bm25.py (s) | build bm25s (s) | p50 bm25.py (ms) | p95 bm25.py (ms) "
        "| p50 bm25s (ms) | p95 bm25s (ms) | bm25s / bm25.py build | bm25s / bm25.py p50 "
        "| top-10 overlap |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in bm25["sizes"]:
        build, ours, theirs = m["build_s"], m["query"]["bm25_py"], m["query"]["bm25s"]
        lines.append(
            f"| {m['chunks']} | {build['bm25_py']:.2f} | {build['bm25s']:.2f} | "
            f"{ours['p50_ms']:.2f} | {ours['p95_ms']:.2f} | {theirs['p50_ms']:.2f} | "
            f"{theirs['p95_ms']:.2f} | {m['ratio_build']:.2f} | {m['ratio_p50']:.2f} | "
            f"{m['top10_overlap']['mean']:.3f} |"
        )
    return [*lines, ""]


def _model_section(model: dict[str, Any]) -> list[str]:
    a, r, ratio = model["assistant"], model["raw"], model["ratio"]
    return [
        f"### Model path ({model['prompt_tokens']} prompt tokens, {model['sampled_tokens']} "
        f"generated, median of {model['repeats']} alternating runs)",
        "",
        "| path | prompt tokens/s | generated tokens/s |",
        "|---|---:|---:|",
        f"| assistant (`LocalModel.stream_chat`) | {a['prompt_tokens_per_s']:.1f} | "
        f"{a['generated_tokens_per_s']:.1f} |",
        f"| raw llama.cpp (`Llama.eval` + greedy sampler) | {r['prompt_tokens_per_s']:.1f} | "
        f"{r['generated_tokens_per_s']:.1f} |",
        f"| assistant / raw (ratio of medians) | {ratio['prompt_tokens_per_s']:.3f} | "
        f"{ratio['generated_tokens_per_s']:.3f} |",
        f"| assistant / raw (median of back-to-back pairs) | "
        f"{model['paired_ratio']['prompt_tokens_per_s']:.3f} | "
        f"{model['paired_ratio']['generated_tokens_per_s']:.3f} |",
        "",
    ]


def _ingest_section(ingest: dict[str, Any]) -> list[str]:
    lines = [
        "### Ingest (each corpus in a fresh process, empty index)",
        "",
        "| corpus | papers | chunks | seconds | papers/s | chunks/s | peak RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in ingest.items():
        if isinstance(m, dict):
            lines.append(_ingest_row(f"{name} | {m['papers']}", m))
    return [*lines, ""]


def _ingest_row(first_cells: str, m: dict[str, Any]) -> str:
    """A table row of one ingest run after its identifying cells."""
    return (
        f"| {first_cells} | {m['chunks']} | {m['seconds']:.0f} | {m['papers_per_s']:.1f} | "
        f"{m['chunks_per_s']:.1f} | {m['peak_rss_mb']:.0f} |"
    )


def _retrieval_section(retrieval: dict[str, Any], top_k: int) -> list[str]:
    lines = [
        "### Hybrid search at scale (bundled papers planted among distractors)",
        "",
        f"| chunks | distractors (of which jittered copies) | p50 (ms) | p95 (ms) | "
        f"BM25 rebuild (s) | planted recall@{top_k} | planted MRR |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in retrieval["sizes"]:
        lines.append(
            f"| {m['chunks_searched']} | {m['distractor_chunks']} "
            f"({m['distractor_chunks'] - m['distractors_really_embedded']}) | {m['p50_ms']:.0f} | "
            f"{m['p95_ms']:.0f} | {m['refresh_s']:.1f} | {m[f'planted_recall@{top_k}']:.3f} | "
            f"{m['planted_mrr']:.3f} |"
        )
    return [*lines, ""]


BASELINE_ROWS = (
    ("retrieval recall@5", "recall@5"),
    ("retrieval MRR", "mrr"),
    ("keyword accuracy", "keyword_accuracy"),
    ("citation precision (cited papers that are gold)", "citation_precision_gold"),
    ("citation precision (cited papers that were retrieved)", "citation_precision_retrieved"),
    ("citation recall (gold papers cited)", "citation_recall"),
    ("abstention accuracy", "abstention_accuracy"),
    ("gold paper cited (every compared paper for comparisons)", "gold_cited"),
    ("false abstention rate", "false_abstention_rate"),
    ("out-of-collection abstention", "ooc_abstention"),
    ("unsupported answer sentences shown", "unsupported_shown"),
)


def _baseline_section(baseline: dict[str, Any]) -> list[str]:
    timings = baseline.get("timings") or {
        "first_text_ms": baseline["first_text_median_ms"],
        "model_ttft_ms": baseline["model_ttft_median_ms"],
        "total_ms": baseline["total_median_ms"],
        "prompt_tokens": baseline["prompt_tokens_median"],
    }
    rows = {
        "first_text_ms": "first text, every question (ms; naive: its first token)",
        "first_quote_ms": "first quote, the {n} questions answered with one (ms)",
        "model_ttft_ms": "first model token, the {n} questions sent to the model (ms)",
        "total_ms": "total time (ms)",
        "fresh_prompt_tokens": "prompt tokens llama.cpp evaluated (after its cached prefix)",
        "prompt_tokens": "prompt tokens",
        "gen_tokens_per_s": "generation (tokens/s)",
    }
    questions_file = Path(baseline.get("questions_file", "eval/dev_questions.jsonl")).name
    lines = [
        f"### Against the naive baseline ({baseline['questions']} questions of "
        f"{questions_file}, same run)",
        "",
        "| median (p90) | assistant | naive | assistant / naive (medians) |",
        "|---|---:|---:|---:|",
    ]
    for key, label in rows.items():
        if key not in timings:
            continue
        t = timings[key]
        lines.append(
            f"| {label.format(n=t.get('questions', ''))} | {_fmt(t['assistant'], '.0f')}"
            f"{_p90_text(t.get('assistant_p90'))} | {_fmt(t['naive'], '.0f')}"
            f"{_p90_text(t.get('naive_p90'))} | {_fmt(t['ratio'], '.3f')} |"
        )
    for label, key in BASELINE_ROWS:
        if key in baseline["scores"]:
            score = baseline["scores"][key]
            if key == "unsupported_shown":  # the naive RAG shows its model's reply unchecked
                lines.append(f"| {label} | {score['assistant']} | not checked | |")
                continue
            lines.append(f"| {label} | {_fmt(score['assistant'])} | {_fmt(score['naive'])} | |")
    return [*lines, ""]


def _p90_text(value: float | None) -> str:
    return f" ({value:.0f})" if value is not None else ""
