"""The assistant beside the naive baseline, on the same dev questions, in the same run.

Both answer every question, alternating which goes first, each with its own loaded copy
of the same model (so each keeps its own prompt cache, as it would in use). Both are
scored by the same functions as ``assistant eval``.
"""

from __future__ import annotations

import logging
import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from paper_bench.common import bundled_index
from paper_bench.evaluation import (
    Question,
    QuestionResult,
    build_report,
    run_engine_question,
)
from paper_bench.naive import NaiveRAG

log = logging.getLogger(__name__)
Progress = Callable[[str], None]
# Four 1000-character chunks, the tutorial prompt, history and the answer need more room
# than the assistant's own budget; n_ctx does not change the speed of a given prompt.
NAIVE_N_CTX = 2048
WARM_UP = "Which papers study contrastive learning?"
COMPARED = (
    "recall@5",
    "mrr",
    "keyword_accuracy",
    "citation_precision_gold",
    "citation_precision_retrieved",
    "citation_recall",
    "abstention_accuracy",
)


COMPARED = (
    *COMPARED,
    "gold_cited",
    "false_abstention_rate",
    "ooc_abstention",
    "unsupported_shown",
)
# Each timing, read from a question's timings (the naive RAG's first text is its first
# token, and it quotes nothing), as median and p90 over the questions that have it.
TIMINGS = {
    "first_text_ms": ("first_text_ms", "ttft_ms"),
    "first_quote_ms": ("first_quote_ms", None),
    "model_ttft_ms": ("ttft_ms", "ttft_ms"),
    "total_ms": ("total_ms", "total_ms"),
    "fresh_prompt_tokens": ("fresh_prompt_tokens", "fresh_prompt_tokens"),
    "prompt_tokens": ("prompt_tokens", "prompt_tokens"),
    "gen_tokens_per_s": ("gen_tokens_per_s", "gen_tokens_per_s"),
}


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _p90(values: list[float]) -> float | None:
    return round(float(np.percentile(values, 90)), 1) if values else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def _values(results: list[QuestionResult], key: str | None, ids: set[str] | None = None):
    return [
        r.timings[key] for r in results if key and key in r.timings and (ids is None or r.id in ids)
    ]


def compare(assistant: list[QuestionResult], naive: list[QuestionResult]) -> dict[str, Any]:
    """Timings side by side (median and p90; ratios of medians) and quality scores."""
    assistant_report, naive_report = build_report(assistant), build_report(naive)
    timings: dict[str, dict[str, Any]] = {}
    for name, (mine, theirs) in TIMINGS.items():
        a, n = _values(assistant, mine), _values(naive, theirs)
        timings[name] = {
            "assistant": _median(a),
            "naive": _median(n),
            "assistant_p90": _p90(a),
            "naive_p90": _p90(n),
            "questions": len(a),
        }
    # The quote's wait and the model's, against the naive first token on the same questions.
    for name in ("first_quote_ms", "model_ttft_ms"):
        ids = {r.id for r in assistant if TIMINGS[name][0] in r.timings}
        timings[name]["naive"] = _median(_values(naive, "ttft_ms", ids))
        timings[name]["naive_p90"] = _p90(_values(naive, "ttft_ms", ids))
    for timing in timings.values():
        timing["ratio"] = _ratio(timing["assistant"], timing["naive"])
    scores = {
        key: {
            "assistant": assistant_report["overall"][key],
            "naive": naive_report["overall"][key],
        }
        for key in COMPARED
    }
    return {
        "timings": timings,
        # The earlier names, which BENCHMARKS.md and the plot read.
        "first_text_median_ms": timings["first_text_ms"],
        "model_ttft_median_ms": timings["model_ttft_ms"],
        "total_median_ms": timings["total_ms"],
        "prompt_tokens_median": timings["prompt_tokens"],
        "scores": scores,
        "reports": {"assistant": assistant_report, "naive": naive_report},
    }


def bench_baseline(
    settings: Settings,
    questions: Sequence[Question],
    work_dir: Path,
    progress: Progress = log.info,
) -> dict[str, Any]:
    """Index the bundled corpus both ways, answer every question with both, compare."""
    from assistant.answer.engine import Engine
    from assistant.corpus.reading import read_corpus
    from assistant.models.local import LocalModel
    from assistant.retrieval.hybrid import HybridSearch

    index, assistant_settings = bundled_index(settings, work_dir / "bundled-index")
    engine = Engine(
        assistant_settings,
        index,
        HybridSearch(index, assistant_settings),
        lambda: LocalModel(assistant_settings),
    )
    naive_dir = work_dir / "naive-index"
    shutil.rmtree(naive_dir, ignore_errors=True)
    naive_model = LocalModel(settings.model_copy(update={"n_ctx": NAIVE_N_CTX}))
    naive = NaiveRAG(index.embeddings, naive_model, naive_dir)
    started = time.perf_counter()
    naive_chunks = naive.index(read_corpus(settings.corpus_paths).papers)
    naive_index_s = time.perf_counter() - started
    progress(f"baseline: naive index of {naive_chunks} chunks built in {naive_index_s:.0f} s")

    ask = {
        "assistant": partial(run_engine_question, engine),
        "naive": partial(
            naive.answer, max_tokens=settings.max_answer_tokens, temperature=settings.temperature
        ),
    }
    # One throwaway answer each: model loading and the first (cached afterwards) system
    # prompt are not what a question costs.
    warm_up = Question("warm-up", "topic", WARM_UP, ("-",))
    for run in ask.values():
        run(warm_up)
    results: dict[str, list[QuestionResult]] = {"assistant": [], "naive": []}
    for number, question in enumerate(questions, start=1):
        order = ("assistant", "naive") if number % 2 else ("naive", "assistant")
        for name in order:
            results[name].append(ask[name](question))
        a, n = results["assistant"][-1], results["naive"][-1]
        progress(
            f"baseline {number}/{len(questions)} {question.id} {question.type}: first text "
            f"assistant {a.timings['first_text_ms']:.0f} ms, naive {n.timings['ttft_ms']:.0f} ms"
        )
    shutil.rmtree(naive_dir, ignore_errors=True)
    return {
        "questions": len(questions),
        "naive_chunks": naive_chunks,
        "naive_index_s": round(naive_index_s, 1),
        "model": engine.model.describe(),
        **compare(results["assistant"], results["naive"]),
    }
