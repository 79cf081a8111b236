"""Evaluation over a question set: loading, pure metrics, running an engine, the report.

Question types: lookup (find the paper), fact (a detail of one paper), topic (papers on a
subject), metadata (authors, dates, venues of a paper), comparison (two or more papers
side by side), follow_up (asked after earlier turns, given as ``history``) and
out_of_collection (the collection cannot answer). Every type but out_of_collection is
answerable and names its gold papers in ``gold_titles``; a comparison names every paper
it must cite (at least two).

How each kind of question enters each metric (also stated in BENCHMARKS.md); every
metric is reported per type and overall, and is None where no question enters it:

- Retrieval recall@k and MRR: answerable questions (they have gold titles). Recall@k is
  the share of a question's gold papers in the first k retrieved, averaged over
  questions; MRR averages 1/rank of the first gold paper (0 when none was retrieved).
- Keyword accuracy: questions with keywords; correct when the answer contains any one of
  them (case-insensitive, not inside a longer word or number). An abstention is a miss.
- Citation precision, two shares over every citation of every question, pooled: cited
  papers that are gold (a citation on an out-of-collection question is never gold), and
  cited papers that were among those retrieved for the question (must be 100%).
- Citation recall: gold papers cited, pooled over answerable questions.
- Gold cited: share of answerable questions whose gold requirement the citations meet,
  titles compared by ``title_key``. A comparison must cite EVERY gold paper; any other
  type with several gold titles needs only one of them cited (they are alternatives, as
  for a topic). An abstention cites nothing, so it is a miss.
- Abstention accuracy: every question; correct when the system abstained exactly on the
  out-of-collection ones. Its two sides apart: false abstention rate (answerable
  questions abstained on / answerable questions; lower is better) and OOC abstention
  (out-of-collection questions abstained on / out-of-collection questions; higher is
  better, an answered one counts against it).
- Claim support: from the engine's ``claims``, one per sentence shown as the answer:
  sentences marked supported whose source is one of the answer's citations / all shown
  sentences, pooled over every question (None when no question has claims, e.g. a system
  that does not check its sentences, or only abstentions and lookups).
- Unsupported shown: answer sentences shown to the user that no source supports, summed
  over questions (the engine's ``unsupported_shown`` or its claims marked unsupported,
  whichever is more).
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

from assistant.records import title_key
from paper_bench.questions import (  # noqa: F401 (the question format, re-exported)
    COMPARISON,
    FOLLOW_UP,
    OUT_OF_COLLECTION,
    QUESTION_TYPES,
    ROLES,
    Question,
    QuestionFileError,
    load_questions,
    missing_gold_titles,
    parse_question,
)

RECALL_KS = (1, 3, 5)
PERCENTILES = (50, 90, 95)
LATENCIES = ("retrieval_ms", "first_text_ms", "ttft_ms", "total_ms")


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


def cites_gold(cited_titles: Iterable[str], gold_titles: Iterable[str], every: bool) -> bool:
    """Whether the citations meet a question's gold requirement, by normalised title:
    every gold paper cited when ``every`` (a comparison), else at least one of them."""
    gold = set(_keys(gold_titles))
    if not gold:
        raise ValueError("gold cited needs at least one gold title")
    cited = set(_keys(cited_titles))
    return gold <= cited if every else bool(gold & cited)


def supported_claims(claims: Iterable[dict[str, Any]], cited_numbers: Iterable[int]) -> int:
    """Shown answer sentences marked supported whose source is one of the citations shown."""
    numbers = set(cited_numbers)
    return sum(
        1 for claim in claims if claim.get("supported") is True and claim.get("source_n") in numbers
    )


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
    claims: int = 0  # answer sentences shown (the engine's claims)
    claims_supported: int = 0  # of them, supported by a cited source
    unsupported_shown: int = 0  # answer sentences shown that no source supports
    # The gold requirement met (a comparison: every gold paper cited; else any one);
    # None for an out-of-collection question. Worked out from the titles when not given.
    all_gold_cited: bool | None = None

    def __post_init__(self) -> None:
        if self.all_gold_cited is None and self.gold_titles:
            self.all_gold_cited = cites_gold(
                self.cited_titles, self.gold_titles, every=self.type == COMPARISON
            )

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
    claims = list(getattr(answer, "claims", None) or [])
    supported = supported_claims(claims, (c.n for c in answer.citations))
    # The engine's own count, or the shown claims it marks unsupported, whichever is more:
    # the evaluation does not take the engine's word for it.
    counted = sum(1 for claim in claims if claim.get("supported") is not True)
    unsupported = max(getattr(answer, "unsupported_shown", 0) or 0, counted)
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
        claims=len(claims),
        claims_supported=supported,
        unsupported_shown=int(unsupported),
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
    metrics["gold_cited"] = mean(
        [float(cites_gold(r.cited_titles, r.gold_titles, r.type == COMPARISON)) for r in with_gold]
    )
    metrics["abstention_accuracy"] = mean(
        [float(abstention_correct(r.answerable, r.abstained)) for r in results]
    )
    metrics["abstained"] = sum(r.abstained for r in results)
    answerable = [r for r in results if r.answerable]
    out_of_collection = [r for r in results if not r.answerable]
    metrics["false_abstention_rate"] = mean([float(r.abstained) for r in answerable])
    metrics["ooc_abstention"] = mean([float(r.abstained) for r in out_of_collection])
    claims = sum(r.claims for r in results)
    metrics["claim_support"] = ratio(sum(r.claims_supported for r in results), claims)
    metrics["claims"] = claims
    metrics["unsupported_shown"] = sum(r.unsupported_shown for r in results)
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


SCORE_COLUMNS = (
    ("n", "questions", "{:d}"),
    ("R@1", "recall@1", "{:.2f}"),
    ("R@5", "recall@5", "{:.2f}"),
    ("MRR", "mrr", "{:.2f}"),
    ("keyword", "keyword_accuracy", "{:.2f}"),
    ("cit.gold", "citation_precision_gold", "{:.2f}"),
    ("cit.retr", "citation_precision_retrieved", "{:.2f}"),
    ("cit.recall", "citation_recall", "{:.2f}"),
    ("gold.cited", "gold_cited", "{:.2f}"),
)
SAFETY_COLUMNS = (
    ("n", "questions", "{:d}"),
    ("abstain.acc", "abstention_accuracy", "{:.2f}"),
    ("false.abst", "false_abstention_rate", "{:.2f}"),
    ("ooc.abst", "ooc_abstention", "{:.2f}"),
    ("claims", "claims", "{:d}"),
    ("supported", "claim_support", "{:.2f}"),
    ("unsupported", "unsupported_shown", "{:d}"),
)


def _table(report: dict[str, Any], columns: Sequence[tuple[str, str, str]]) -> list[str]:
    """One row per question type, then overall; "-" where no question enters a metric."""
    rows = [("type", *(header for header, _, _ in columns))]
    for name, metrics in [*report["by_type"].items(), ("overall", report["overall"])]:
        cells = [
            "-" if metrics.get(key) is None else fmt.format(metrics[key]) for _, key, fmt in columns
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
    return lines


def format_table(report: dict[str, Any]) -> str:
    """The report as plain text under 100 columns: scores by question type, then abstention
    and claim safety by type, then latency percentiles."""
    lines = [
        "Scores (retrieval, keywords, citations)",
        *_table(report, SCORE_COLUMNS),
        "",
        "Safety (abstentions; answer sentences a cited source supports)",
        *_table(report, SAFETY_COLUMNS),
        "",
        "latency (ms)      p50      p90      p95    n",
    ]
    for name, values in report["latency_ms"].items():
        lines.append(
            f"{name:<14}{values['p50']:>8.0f} {values['p90']:>8.0f} {values['p95']:>8.0f} "
            f"{values['n']:>4d}"
        )
    return "\n".join(lines)
