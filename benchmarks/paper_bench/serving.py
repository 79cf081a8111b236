"""Serving benchmarks: search through a Chroma server against the embedded store, and
several chat sessions at once through the app's HTTP API.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.config import Settings
from paper_bench.evaluation import Question, percentile

Progress = Callable[[str], None]


def _spread(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "n": len(values),
    }


def bench_index_server(
    settings: Settings, questions: Sequence[Question], work_dir: Path, progress: Progress
) -> dict[str, Any]:
    """Hybrid search p50/p95 over the dev questions: embedded store vs `chroma run`."""
    from assistant.retrieval.hybrid import HybridSearch
    from paper_bench.common import bundled_index
    from paper_bench.processes import chroma_server

    queries = [q.question for q in questions]
    embedded_index, embedded_settings = bundled_index(settings, work_dir / "bundled")
    searches = {"embedded": HybridSearch(embedded_index, embedded_settings)}
    with chroma_server(work_dir / "chroma-server") as port:
        progress(f"index server: chroma run on port {port}, ingesting the bundled corpus")
        served = settings.model_copy(
            update={"chroma_host": "127.0.0.1", "chroma_port": port, "collection": "bench"}
        )
        server_index, server_settings = bundled_index(served, work_dir / "bundled-server-client")
        searches["server"] = HybridSearch(server_index, server_settings)
        for search in searches.values():  # warm: embedder, caches, connections
            for query in queries[:5]:
                search.search(query)
        times: dict[str, list[float]] = {name: [] for name in searches}
        for _ in range(3):  # alternate, so drift in the machine's load hits both alike
            for query in queries:
                for name, search in searches.items():
                    started = time.perf_counter()
                    search.search(query)
                    times[name].append((time.perf_counter() - started) * 1000)
    result = {name: _spread(values) for name, values in times.items()}
    result["ratio_p50"] = round(result["server"]["p50_ms"] / result["embedded"]["p50_ms"], 2)
    progress(
        f"index server: p50 {result['server']['p50_ms']} ms vs embedded "
        f"{result['embedded']['p50_ms']} ms (x{result['ratio_p50']})"
    )
    return result


def bench_sessions(
    settings: Settings,
    questions: Sequence[Question],
    work_dir: Path,
    progress: Progress,
    sessions: int = 4,
    per_session: int = 3,
) -> dict[str, Any]:
    """``sessions`` clients asking at once through the HTTP API, while another searches."""
    from gradio_client import Client

    from assistant.answer.engine import Engine
    from assistant.models.local import LocalModel
    from assistant.retrieval.hybrid import HybridSearch
    from assistant.ui.page import build_ui, launch
    from paper_bench.common import bundled_index
    from paper_bench.processes import free_port

    index, bundled = bundled_index(settings, work_dir / "bundled")
    engine = Engine(bundled, index, HybridSearch(index, bundled), lambda: LocalModel(bundled))
    engine.model  # noqa: B018 (loaded before the clock starts)
    port = free_port()
    demo = build_ui(engine)
    launch(demo, engine, port=port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    answerable = [q.question for q in questions if q.answerable and not q.history]
    asked = [answerable[i::sessions][:per_session] for i in range(sessions)]
    answer_ms: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def session(own: list[str]) -> None:
        for question in own:  # each question a new conversation, as in a new tab
            client = Client(url, verbose=False)
            started = time.perf_counter()
            _, chat, _, _ = client.predict(question, "Answer", 5, 0.0, 200, api_name="/chat")
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if len(chat) != 2 or chat[0]["content"][0]["text"] != question:
                    failures.append(question)
                answer_ms.append(elapsed)

    def find_latencies(stop: threading.Event | None, count: int) -> list[float]:
        client = Client(url, verbose=False)
        latencies = []
        for query in answerable[:count]:
            if stop is not None and stop.is_set():
                break
            started = time.perf_counter()
            client.predict(query, "Find papers", 5, api_name="/chat")
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies

    try:
        idle_find = find_latencies(None, 10)
        progress(f"sessions: {sessions} clients x {per_session} questions at once")
        threads = [threading.Thread(target=session, args=(own,)) for own in asked]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        stop = threading.Event()
        busy_find: list[float] = []
        finder = threading.Thread(
            target=lambda: busy_find.extend(find_latencies(stop, len(answerable)))
        )
        finder.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        stop.set()
        finder.join()
    finally:
        demo.close()
    result = {
        "sessions": sessions,
        "questions": sum(len(own) for own in asked),
        "answered": len(answer_ms),
        "wrong_or_mixed_replies": failures,
        "answer_latency": _spread(answer_ms),
        "find_latency_idle": _spread(idle_find),
        "find_latency_while_answering": _spread(busy_find),
        "wall_seconds": round(wall, 1),
        "answers_per_minute": round(len(answer_ms) / wall * 60, 1),
    }
    progress(
        f"sessions: {len(answer_ms)} answers, p50 {result['answer_latency']['p50_ms']} ms, "
        f"p95 {result['answer_latency']['p95_ms']} ms; find while answering p50 "
        f"{result['find_latency_while_answering']['p50_ms']} ms"
    )
    return result
