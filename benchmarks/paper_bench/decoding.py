"""Generation speed: prompt-lookup speculative decoding on and off, and the thread count.

``speculative``: the same questions answered by two engines over one index, one model with
``draft_tokens`` and one without, alternating which goes first; generation tokens/s and
total time compared as medians, and whether the answers are the same (temperature 0).

``threads``: one fixed prompt through llama.cpp with each thread count, on an idle machine
and with another process keeping one core busy (as a browser or an IDE does on a laptop).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.config import Settings
from paper_bench.common import bundled_index
from paper_bench.evaluation import Question, run_engine_question

Progress = Callable[[str], None]
DRAFT_TOKENS = 10
PROMPT = (
    "Sources:\n[1] Self-Play Fine-Tuning Converts Weak Language Models to Strong Language "
    "Models\nWe propose a new fine-tuning method called Self-Play fIne-tuNing (SPIN), which "
    "starts from a supervised fine-tuned model. At the heart of SPIN lies a self-play "
    "mechanism, where the LLM refines its capability by playing against instances of itself."
    "\n\nQuestion: What is SPIN and where does it start from?"
)


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def bench_speculative(
    settings: Settings,
    questions: Sequence[Question],
    work_dir: Path,
    progress: Progress,
    draft_tokens: int = DRAFT_TOKENS,
) -> dict[str, Any]:
    from assistant.answer.engine import Engine
    from assistant.models.local import LocalModel
    from assistant.retrieval.hybrid import HybridSearch

    index, bundled = bundled_index(settings, work_dir / "bundled-index")
    search = HybridSearch(index, bundled)
    engines = {}
    for name, draft in (("off", 0), ("on", draft_tokens)):
        with_draft = bundled.model_copy(update={"draft_tokens": draft})
        engines[name] = Engine(with_draft, index, search, lambda s=with_draft: LocalModel(s))
    warm_up = Question("warm-up", "fact", "What is SPIN?", ("-",))
    for engine in engines.values():
        run_engine_question(engine, warm_up)
    speed: dict[str, list[float]] = {"off": [], "on": []}
    total: dict[str, list[float]] = {"off": [], "on": []}
    same = modelled = 0
    for number, question in enumerate(questions, start=1):
        order = ("off", "on") if number % 2 else ("on", "off")
        answers = {}
        for name in order:
            result = run_engine_question(engines[name], question)
            answers[name] = result
            if "ttft_ms" in result.timings:
                speed[name].append(result.timings["gen_tokens_per_s"])
                total[name].append(result.timings["total_ms"])
        if "ttft_ms" in answers["off"].timings:
            modelled += 1
            same += answers["off"].answer == answers["on"].answer
        progress(
            f"speculative {number}/{len(questions)} {question.id}: "
            + ", ".join(
                f"{name} {answers[name].timings.get('gen_tokens_per_s', 0):.1f} tok/s"
                for name in ("off", "on")
            )
        )
    result = {
        "questions": len(questions),
        "modelled": modelled,
        "draft_tokens": draft_tokens,
        "identical_answers": same,
    }
    for key, values in (("gen_tokens_per_s", speed), ("total_ms", total)):
        off, on = _median(values["off"]), _median(values["on"])
        result[key] = {"off": off, "on": on, "ratio": _ratio(on, off)}
    return result


def _busy_core() -> subprocess.Popen:
    """Another process keeping one core busy, as a browser or an editor does."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def bench_threads(
    settings: Settings, thread_counts: Sequence[int], repeats: int, progress: Progress
) -> dict[str, Any]:
    from assistant.models.local import LocalModel

    messages = [{"role": "user", "content": PROMPT}]
    rows = []
    for threads in thread_counts:
        model = LocalModel(settings.model_copy(update={"threads": threads}))
        for busy in (False, True):
            hog = _busy_core() if busy else None
            try:
                ttfts, speeds = [], []
                for _ in range(repeats):
                    model.llm.reset()  # the whole prompt evaluated each time
                    started = time.perf_counter()
                    first, pieces = None, 0
                    for _piece in model.stream_chat(messages, 48, 0.0):
                        first = first or time.perf_counter()
                        pieces += 1
                    finished = time.perf_counter()
                    ttfts.append((first - started) * 1000)
                    speeds.append(pieces / (finished - first) if finished > first else 0.0)
            finally:
                if hog is not None:
                    hog.kill()
                    hog.wait()
            row = {
                "threads": threads,
                "another_process_busy": busy,
                "ttft_ms": _median(ttfts),
                "gen_tokens_per_s": _median(speeds),
            }
            rows.append(row)
            progress(f"threads {threads}, busy core {busy}: {row}")
        del model
    return {"repeats": repeats, "prompt_chars": len(PROMPT), "rows": rows}
