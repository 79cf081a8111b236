"""What the benchmark parts share: the bundled index, question samples, the machine."""

from __future__ import annotations

import fcntl
import os
import platform
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import zip_longest
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.index.ingest import ingest
from assistant.index.store import PaperIndex, open_index
from paper_bench.evaluation import QUESTION_TYPES, Question


@contextmanager
def cache_lock(path: Path) -> Iterator[None]:
    """Held while a run builds or reads shared caches: a second run waits, never clobbers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def bundled_index(settings: Settings, directory: Path) -> tuple[PaperIndex, Settings]:
    """The bundled corpus indexed in ``directory`` the normal way (only new papers are added)."""
    bundled = settings.model_copy(update={"vectorstore_dir": directory})
    index = open_index(bundled)
    ingest(None, bundled, index=index, progress=False)
    return index, bundled


def sample_questions(questions: Sequence[Question], count: int | None) -> list[Question]:
    """``count`` questions taken in turn from each type (file order within a type); all if None."""
    if count is None or count >= len(questions):
        return list(questions)
    by_type = [[q for q in questions if q.type == kind] for kind in QUESTION_TYPES]
    interleaved = [q for row in zip_longest(*by_type) for q in row if q is not None]
    return interleaved[:count]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def machine() -> dict[str, Any]:
    """The machine the figures come from, and how busy it was when asked."""
    from importlib.metadata import version

    from assistant.models.local import backend

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "backend": backend()[0],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "llama_cpp_python": version("llama-cpp-python"),
        "chromadb": version("chromadb"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
