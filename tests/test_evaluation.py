"""Evaluation metrics on small cases worked out by hand; question files with their errors."""

from __future__ import annotations

import json

import pytest
from paper_bench.evaluation import (
    QuestionFileError,
    QuestionResult,
    abstention_correct,
    build_report,
    citation_counts,
    format_table,
    keyword_hit,
    load_questions,
    percentile,
    recall_at_k,
    reciprocal_rank,
    score,
    write_report,
)

from tests.dev_set import DEV_QUESTIONS

RANKED = ["Paper A", "Paper B", "Paper C", "Paper D"]


def test_recall_at_k():
    # Gold B and D: one of two in the top 2, both in the top 4.
    assert recall_at_k(RANKED, ["Paper B", "Paper D"], 1) == 0.0
    assert recall_at_k(RANKED, ["Paper B", "Paper D"], 2) == 0.5
    assert recall_at_k(RANKED, ["Paper B", "Paper D"], 4) == 1.0
    # A gold paper never retrieved caps recall: 1 of 3.
    assert recall_at_k(RANKED, ["Paper A", "Paper X", "Paper Y"], 5) == pytest.approx(1 / 3)


def test_titles_match_without_case_spacing_or_punctuation():
    assert recall_at_k(["  paper   a: the  SEQUEL "], ["Paper A - the sequel"], 1) == 1.0


def test_recall_needs_gold():
    with pytest.raises(ValueError):
        recall_at_k(RANKED, [], 3)


def test_reciprocal_rank():
    assert reciprocal_rank(RANKED, ["Paper A"]) == 1.0
    assert reciprocal_rank(RANKED, ["Paper C", "Paper D"]) == pytest.approx(1 / 3)  # first gold
    assert reciprocal_rank(RANKED, ["Paper X"]) == 0.0
    assert reciprocal_rank([], ["Paper A"]) == 0.0


def test_keyword_hit():
    assert keyword_hit("It improves AR by 5.6 points [1].", ["5.6"])
    assert keyword_hit("Trained on LIBRI-LIGHT audio.", ["Libri-Light", "LibriLight"])
    assert keyword_hit("about 973K instructions", ["973k"])
    assert keyword_hit("a 14%\nimprovement", ["14%"])
    assert not keyword_hit("It improves AR by 15.6 points.", ["5.6"])
    assert not keyword_hit("It covers 1560 languages.", ["56"])
    assert not keyword_hit("anything", [])


def test_citation_counts():
    counts = citation_counts(
        cited_titles=["Paper A", "Paper B", "paper a", "Paper X"],
        gold_titles=["Paper A", "Paper C"],
        retrieved_titles=["Paper A", "Paper B", "Paper C"],
    )
    # Distinct cited: A, B, X; gold among them: A; retrieved: A, B. Gold cited: A (of A, C).
    assert counts.cited == 3
    assert counts.cited_gold == 1
    assert counts.cited_retrieved == 2
    assert (counts.gold, counts.gold_cited) == (2, 1)


def test_abstention_correct():
    assert abstention_correct(answerable=False, abstained=True)
    assert abstention_correct(answerable=True, abstained=False)
    assert not abstention_correct(answerable=False, abstained=False)
    assert not abstention_correct(answerable=True, abstained=True)


def test_percentile_interpolates_like_numpy():
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 50) == 2.5
    assert percentile(values, 0) == 1.0 and percentile(values, 100) == 4.0
    # position (4 - 1) * 0.95 = 2.85: between 3 and 4.
    assert percentile(values, 95) == pytest.approx(3.85)
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def result(kind, answer, abstained, retrieved, cited, gold, keywords, **timings):
    return QuestionResult(
        id=f"{kind}-{answer[:5]}",
        type=kind,
        question="?",
        answer=answer,
        abstained=abstained,
        retrieved_titles=retrieved,
        cited_titles=cited,
        gold_titles=gold,
        keywords=keywords,
        timings=timings,
    )


def three_results():
    return [
        # Gold A ranked 1st and cited with B: keyword found.
        result("fact", "It is 5.6 [1][2].", False, ["A", "B", "C"], ["A", "B"], ["A"], ["5.6"],
               retrieval_ms=10.0, first_text_ms=100.0, ttft_ms=100.0, total_ms=300.0),
        # Gold B and D: B ranked 2nd and cited; D missed; no keyword.
        result("topic", "B does it [1].", False, ["C", "B"], ["B"], ["B", "D"], ["graph"],
               retrieval_ms=20.0, first_text_ms=200.0, ttft_ms=200.0, total_ms=500.0),
        # Out of collection, wrongly answered, citing C.
        result("out_of_collection", "C says so [1].", False, ["C"], ["C"], [], [],
               retrieval_ms=30.0, first_text_ms=300.0, ttft_ms=300.0, total_ms=700.0),
    ]  # fmt: skip


def test_score_by_hand():
    metrics = score(three_results())
    assert metrics["questions"] == 3
    assert metrics["recall@1"] == pytest.approx((1 + 0) / 2)
    assert metrics["recall@5"] == pytest.approx((1 + 0.5) / 2)
    assert metrics["mrr"] == pytest.approx((1 + 1 / 2) / 2)
    assert metrics["keyword_accuracy"] == pytest.approx(1 / 2)
    # Cited: A, B | B | C = 4 citations; gold among them: A, B = 2; all four retrieved.
    assert metrics["citation_precision_gold"] == pytest.approx(2 / 4)
    assert metrics["citation_precision_retrieved"] == 1.0
    # Gold: A | B, D = 3; cited: A, B.
    assert metrics["citation_recall"] == pytest.approx(2 / 3)
    assert metrics["abstention_accuracy"] == pytest.approx(2 / 3)


def test_abstaining_loses_the_keyword_and_wins_on_out_of_collection():
    abstained = [
        result("fact", "The paper collection does not answer 5.6", True, ["A"], [], ["A"], ["5.6"]),
        result("out_of_collection", "Not found.", True, ["C"], [], [], []),
    ]
    metrics = score(abstained)
    assert metrics["keyword_accuracy"] == 0.0
    assert metrics["abstention_accuracy"] == 0.5
    assert metrics["citation_precision_gold"] is None  # nothing cited: nothing to measure
    assert metrics["citation_recall"] == 0.0


def test_report_per_type_latency_table_and_files(tmp_path):
    report = build_report(three_results())
    assert set(report["by_type"]) == {"fact", "topic", "out_of_collection"}
    assert report["by_type"]["out_of_collection"]["recall@5"] is None
    assert report["by_type"]["out_of_collection"]["abstention_accuracy"] == 0.0
    assert report["latency_ms"]["ttft_ms"] == {"p50": 200.0, "p90": 280.0, "p95": 290.0, "n": 3}
    table = format_table(report)
    assert "overall" in table and "ttft_ms" in table
    json_path, png_path = write_report(report, tmp_path)
    assert json.loads(json_path.read_text())["overall"]["mrr"] == pytest.approx(0.75)
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def write_lines(tmp_path, *lines):
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = '{"id": "a", "type": "fact", "question": "Q?", "gold_titles": ["T"], "keywords": ["k"]}'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"id": "b", "type": "fact", "gold_titles": ["T"]}', "'question' is missing"),
        ('{"id": "b", "type": "trivia", "question": "Q?"}', "type 'trivia' is not one of"),
        ('{"id": "b", "type": "fact", "question": "Q?"}', "needs gold_titles"),
        ('{"id": "b", "type": "out_of_collection", "question": "Q?", "gold_titles": ["T"]}',
         "has no gold_titles"),
        ('{"id": "b", "type": "fact", "question": "Q?", "gold_titles": "T"}', "list of non-empty"),
        ('{"id": "b", "type": "follow_up", "question": "Q?", "gold_titles": ["T"], '
         '"history": [{"role": "bot", "content": "x"}]}', "'history' must be"),
        (GOOD, "id 'a' already used on line 1"),
    ],
)  # fmt: skip
def test_question_file_errors_name_the_file_and_line(tmp_path, line, message):
    path = write_lines(tmp_path, GOOD, "", line)
    with pytest.raises(QuestionFileError) as error:
        load_questions(path)
    assert f"{path}:3" in str(error.value) and message in str(error.value)


def test_missing_file_and_types_filter(tmp_path):
    with pytest.raises(QuestionFileError, match="does not exist"):
        load_questions(tmp_path / "none.jsonl")
    path = write_lines(tmp_path, GOOD)
    assert [q.id for q in load_questions(path, ["fact"])] == ["a"]
    with pytest.raises(QuestionFileError, match="no question"):
        load_questions(path, ["topic"])


def test_shipped_dev_set_meets_the_issue():
    """At least 60 questions, every type, 10 out-of-collection and 8 follow-ups."""
    questions = load_questions(DEV_QUESTIONS)
    kinds = [q.type for q in questions]
    assert len(questions) >= 60
    assert set(kinds) == {"lookup", "fact", "topic", "out_of_collection", "follow_up"}
    assert kinds.count("out_of_collection") >= 10 and kinds.count("follow_up") >= 8
    assert all(q.history for q in questions if q.type == "follow_up")
    assert all(q.keywords for q in questions if q.type == "fact")
