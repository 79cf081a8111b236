"""Evaluation over a question set: loading, pure metrics, running an engine, the report.

How each kind of question enters each metric (also stated in BENCHMARKS.md):

- Retrieval recall@k and MRR: questions with gold titles (every type but
  out_of_collection). Recall@k is the share of a question's gold papers in the first k
  retrieved, averaged over questions; MRR averages 1/rank of the first gold paper (0 when
  none was retrieved).
- Keyword accuracy: questions with keywords; correct when the answer contains any one of
  them (case-insensitive, not inside a longer word or number). An abstention is a miss.
- Citation precision, two shares over every citation of every question, pooled: cited
  papers that are gold (a citation on an out-of-collection question is never gold), and
  cited papers that were among those retrieved for the question (must be 100%).
- Citation recall: gold papers cited, pooled over questions with gold titles.
- Abstention accuracy: every question; correct when the system abstained exactly on the
  out-of-collection ones.
- Latency: retrieval and total for every question; first text (the first piece a user
  sees: the not-found reply, the lookup's titles, or the model's first token) for every
  question; time to first model token only for questions that reached the model.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import AssistantError
from assistant.records import title_key

QUESTION_TYPES = ("lookup", "fact", "topic", "out_of_collection", "follow_up")
OUT_OF_COLLECTION = "out_of_collection"
RECALL_KS = (1, 3, 5)
PERCENTILES = (50, 90, 95)
LATENCIES = ("retrieval_ms", "first_text_ms", "ttft_ms", "total_ms")
ROLES = ("user", "assistant")


class QuestionFileError(AssistantError):
    """A question file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    question: str
    gold_titles: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    history: tuple[dict[str, str], ...] = ()

    @property
    def answerable(self) -> bool:
        return self.type != OUT_OF_COLLECTION


def _string_list(record: dict, key: str, where: str) -> tuple[str, ...]:
    value = record.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise QuestionFileError(f"{where}: {key!r} must be a list of non-empty strings")
    return tuple(value)


def parse_question(record: Any, where: str) -> Question:
    """One question from its JSON object; ``where`` ("file:line") prefixes every error."""
    if not isinstance(record, dict):
        raise QuestionFileError(f"{where}: expected a JSON object, got {type(record).__name__}")
    for key in ("id", "type", "question"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            raise QuestionFileError(f"{where}: {key!r} is missing or not a non-empty string")
    if record["type"] not in QUESTION_TYPES:
        raise QuestionFileError(
            f"{where}: type {record['type']!r} is not one of {', '.join(QUESTION_TYPES)}"
        )
    gold = _string_list(record, "gold_titles", where)
    keywords = _string_list(record, "keywords", where)
    if record["type"] == OUT_OF_COLLECTION and gold:
        raise QuestionFileError(f"{where}: an out_of_collection question has no gold_titles")
    if record["type"] != OUT_OF_COLLECTION and not gold:
        raise QuestionFileError(f"{where}: a {record['type']} question needs gold_titles")
    history = record.get("history", [])
    if not isinstance(history, list) or not all(
        isinstance(turn, dict)
        and turn.get("role") in ROLES
        and isinstance(turn.get("content"), str)
        for turn in history
    ):
        raise QuestionFileError(
            f"{where}: 'history' must be a list of {{'role': 'user'|'assistant', 'content': str}}"
        )
    return Question(
        record["id"],
        record["type"],
        record["question"],
        gold,
        keywords,
        tuple({"role": t["role"], "content": t["content"]} for t in history),
    )


def load_questions(path: Path | str, types: Iterable[str] | None = None) -> list[Question]:
    """Every question in a JSON Lines file (optionally of some types), checked line by line."""
    path = Path(path)
    if not path.is_file():
        raise QuestionFileError(f"Question file {path} does not exist.")
    wanted = set(types or QUESTION_TYPES)
    questions: list[Question] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise QuestionFileError(f"{where}: not valid JSON ({error.msg})") from error
            question = parse_question(record, where)
            if question.id in seen:
                raise QuestionFileError(
                    f"{where}: id {question.id!r} already used on line {seen[question.id]}"
                )
            seen[question.id] = number
            if question.type in wanted:
                questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path} holds no question (of the types asked for).")
    return questions


# Metrics: pure functions over titles and answers.


def _keys(titles: Iterable[str]) -> list[str]:
    return [title_key(title) for title in titles]


def recall_at_k(ranked_titles: Sequence[str], gold_titles: Iterable[str], k: int) -> float:
    """Share of the gold papers among the first ``k`` ranked ones."""
    gold = set(_keys(gold_titles))
    if not gold:
        raise ValueError("recall needs at least one gold title")
    return len(gold & set(_keys(ranked_titles[:k]))) / len(gold)


def reciprocal_rank(ranked_titles: Sequence[str], gold_titles: Iterable[str]) -> float:
    """1 / the rank of the first gold paper; 0 when none was ranked."""
    gold = set(_keys(gold_titles))
    for rank, key in enumerate(_keys(ranked_titles), start=1):
        if key in gold:
            return 1.0 / rank
    return 0.0


def keyword_hit(answer: str, keywords: Iterable[str]) -> bool:
    """Whether any keyword occurs in the answer, case-insensitively, not inside a longer
    word or number ("56" is not found in "1560", "5.6" not in "15.6")."""
    text = " ".join(answer.split())
    for keyword in keywords:
        pattern = r"(?<![0-9a-z])" + re.escape(" ".join(keyword.split())) + r"(?![0-9a-z])"
        if re.search(pattern, text, re.IGNORECASE):
            return True
    return False


@dataclass(frozen=True)
class CitationCounts:
    """For one answer: distinct papers cited, and how many of them were gold / retrieved."""

    cited: int
    cited_gold: int
    cited_retrieved: int
    gold: int
    gold_cited: int


def citation_counts(
    cited_titles: Iterable[str], gold_titles: Iterable[str], retrieved_titles: Iterable[str]
) -> CitationCounts:
    """Citation counts by normalised title; a paper cited twice counts once."""
    cited = set(_keys(cited_titles))
    gold = set(_keys(gold_titles))
    retrieved = set(_keys(retrieved_titles))
    return CitationCounts(
        cited=len(cited),
        cited_gold=len(cited & gold),
        cited_retrieved=len(cited & retrieved),
        gold=len(gold),
        gold_cited=len(gold & cited),
    )


def abstention_correct(answerable: bool, abstained: bool) -> bool:
    """Right to abstain exactly when the collection cannot answer."""
    return abstained != answerable


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile, interpolated linearly between closest ranks (numpy's)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is outside 0..100")
    return float(np.percentile(values, p))


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when there is nothing to measure."""
    return numerator / denominator if denominator else None


def mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


# Running a system over the questions.


@dataclass
class QuestionResult:
    """What one system did with one question: enough to compute every metric again."""

    id: str
    type: str
    question: str
    answer: str
    abstained: bool
    retrieved_titles: list[str]
    cited_titles: list[str]
    gold_titles: list[str]
    keywords: list[str]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        return self.type != OUT_OF_COLLECTION


def run_engine_question(engine: Any, question: Question) -> QuestionResult:
    """Ask the engine, timing the first piece of text it streams as well as its own timings."""
    from assistant.answer.result import Answer

    started = time.perf_counter()
    first_text_ms = None
    answer = None
    for item in engine.stream(question.question, list(question.history)):
        if isinstance(item, Answer):
            answer = item
        elif first_text_ms is None and item:
            first_text_ms = (time.perf_counter() - started) * 1000
    assert answer is not None
    timings = {key: float(value) for key, value in answer.timings.items()}
    timings["first_text_ms"] = round(first_text_ms or timings.get("total_ms", 0.0), 1)
    return QuestionResult(
        id=question.id,
        type=question.type,
        question=question.question,
        answer=answer.text,
        abstained=answer.abstained,
        retrieved_titles=[hit.title for hit in answer.papers],
        cited_titles=[citation.title for citation in answer.citations],
        gold_titles=list(question.gold_titles),
        keywords=list(question.keywords),
        timings=timings,
    )


def evaluate(
    ask: Callable[[Question], QuestionResult],
    questions: Sequence[Question],
    progress: Callable[[int, QuestionResult], None] | None = None,
) -> list[QuestionResult]:
    """Each question through ``ask`` (for example ``partial(run_engine_question, engine)``)."""
    results = []
    for number, question in enumerate(questions, start=1):
        result = ask(question)
        results.append(result)
        if progress is not None:
            progress(number, result)
    return results


# The report.


def score(results: Sequence[QuestionResult], ks: Sequence[int] = RECALL_KS) -> dict[str, Any]:
    """Every metric over ``results`` (None where no question of the kind is there)."""
    with_gold = [r for r in results if r.gold_titles]
    with_keywords = [r for r in results if r.keywords]
    counts = [citation_counts(r.cited_titles, r.gold_titles, r.retrieved_titles) for r in results]
    cited = sum(c.cited for c in counts)
    metrics: dict[str, Any] = {"questions": len(results)}
    for k in ks:
        metrics[f"recall@{k}"] = mean(
            [recall_at_k(r.retrieved_titles, r.gold_titles, k) for r in with_gold]
        )
    metrics["mrr"] = mean([reciprocal_rank(r.retrieved_titles, r.gold_titles) for r in with_gold])
    metrics["keyword_accuracy"] = mean(
        [float(not r.abstained and keyword_hit(r.answer, r.keywords)) for r in with_keywords]
    )
    metrics["citation_precision_gold"] = ratio(sum(c.cited_gold for c in counts), cited)
    metrics["citation_precision_retrieved"] = ratio(sum(c.cited_retrieved for c in counts), cited)
    metrics["citation_recall"] = ratio(
        sum(c.gold_cited for c in counts), sum(c.gold for c in counts)
    )
    metrics["citations"] = cited
    metrics["abstention_accuracy"] = mean(
        [float(abstention_correct(r.answerable, r.abstained)) for r in results]
    )
    metrics["abstained"] = sum(r.abstained for r in results)
    return metrics


def latency_summary(results: Sequence[QuestionResult]) -> dict[str, dict[str, float]]:
    """Percentiles of each latency over the questions that have it."""
    summary = {}
    for name in LATENCIES:
        values = [r.timings[name] for r in results if name in r.timings]
        if values:
            summary[name] = {f"p{p}": round(percentile(values, p), 1) for p in PERCENTILES}
            summary[name]["n"] = len(values)
    return summary


def build_report(results: Sequence[QuestionResult], system: str = "assistant") -> dict[str, Any]:
    """Scores overall and per question type, latency percentiles, and every answer."""
    by_type = {
        kind: score([r for r in results if r.type == kind])
        for kind in QUESTION_TYPES
        if any(r.type == kind for r in results)
    }
    return {
        "system": system,
        "overall": score(results),
        "by_type": by_type,
        "latency_ms": latency_summary(results),
        "results": [asdict(r) for r in results],
    }


def write_report(report: dict[str, Any], out_dir: Path, name: str = "report") -> list[Path]:
    """``name``.json and ``name``.png (per-type scores and latencies) in ``out_dir``."""
    from paper_bench.plot import plot_reports

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{name}.json"
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    png_path = out_dir / f"{name}.png"
    plot_reports({report["system"]: report}, png_path)
    return [json_path, png_path]


TABLE_COLUMNS = (
    ("n", "questions", "{:d}"),
    ("R@1", "recall@1", "{:.2f}"),
    ("R@5", "recall@5", "{:.2f}"),
    ("MRR", "mrr", "{:.2f}"),
    ("keyword", "keyword_accuracy", "{:.2f}"),
    ("cit.gold", "citation_precision_gold", "{:.2f}"),
    ("cit.retr", "citation_precision_retrieved", "{:.2f}"),
    ("cit.recall", "citation_recall", "{:.2f}"),
    ("abstain", "abstention_accuracy", "{:.2f}"),
)


def format_table(report: dict[str, Any]) -> str:
    """The report as a plain-text table: one row per question type, then overall, then latency."""
    rows = [("type", *(header for header, _, _ in TABLE_COLUMNS))]
    for name, metrics in [*report["by_type"].items(), ("overall", report["overall"])]:
        cells = [
            "-" if metrics.get(key) is None else fmt.format(metrics[key])
            for _, key, fmt in TABLE_COLUMNS
        ]
        rows.append((name, *cells))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.rjust(w) if i else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    lines.append("")
    lines.append("latency (ms)      p50      p90      p95    n")
    for name, values in report["latency_ms"].items():
        lines.append(
            f"{name:<14}{values['p50']:>8.0f} {values['p90']:>8.0f} {values['p95']:>8.0f} "
            f"{values['n']:>4d}"
        )
    return "\n".join(lines)


def missing_gold_titles(questions: Iterable[Question], indexed_titles: Iterable[str]) -> list[str]:
    """Gold titles of ``questions`` that the index does not hold, in question order."""
    indexed = set(_keys(indexed_titles))
    missing = [t for q in questions for t in q.gold_titles if title_key(t) not in indexed]
    return list(dict.fromkeys(missing))
