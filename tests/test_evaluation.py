"""Evaluation metrics on small cases worked out by hand; question files with their errors."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from paper_bench.evaluation import (
    QUESTION_TYPES,
    Question,
    QuestionFileError,
    QuestionResult,
    abstention_correct,
    build_report,
    citation_counts,
    cites_gold,
    format_table,
    keyword_hit,
    load_questions,
    percentile,
    recall_at_k,
    reciprocal_rank,
    run_engine_question,
    score,
    supported_claims,
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
        ('{"id": "b", "type": "follow_up", "question": "Q?", "gold_titles": ["T"], '
         '"history": [{"role": "user", "content": "x"}, {"role": "assistant"}]}',
         "turn 2 has no content"),
        ('{"id": "b", "type": "follow_up", "question": "Q?", "gold_titles": ["T"], '
         '"history": {"role": "user", "content": "x"}}', "'history' must be a list"),
        ('{"id": "b", "type": "follow_up", "question": "Q?", "gold_titles": ["T"]}',
         "a follow_up question needs a 'history'"),
        ('{"id": "b", "type": "comparison", "question": "Q?", "gold_titles": ["T"]}',
         "needs at least two different gold_titles"),
        ('{"id": "b", "type": "comparison", "question": "Q?", "gold_titles": ["T", "t."]}',
         "needs at least two different gold_titles"),
        ('{"id": "b", "type": "compare", "question": "Q?", "gold_titles": ["T", "U"]}',
         "type 'compare' is not one of"),
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


# Comparison and metadata questions, several-turn histories, and the safety metrics.


def test_question_types_keep_the_old_ones_and_add_comparison_and_metadata():
    assert {"lookup", "fact", "topic", "out_of_collection", "follow_up"} < set(QUESTION_TYPES)
    assert {"comparison", "metadata"} < set(QUESTION_TYPES)


def test_comparison_with_a_three_turn_history_loads(tmp_path):
    history = [
        {"role": "user", "content": "Which papers merge fine-tuned models?"},
        {"role": "assistant", "content": "DARE [1] and TIES [2] do."},
        {"role": "user", "content": "ok and the cherokee one"},
    ]
    comparison = {
        "id": "c1",
        "type": "comparison",
        "question": "how do those two differ",
        "gold_titles": ["Paper A", "Paper B"],
        "history": history,
    }
    metadata = {"id": "m1", "type": "metadata", "question": "who wrote it", "gold_titles": ["C"]}
    path = write_lines(tmp_path, json.dumps(comparison), json.dumps(metadata))
    first, second = load_questions(path)
    assert first == Question("c1", "comparison", "how do those two differ",
                             ("Paper A", "Paper B"), (), tuple(history))  # fmt: skip
    assert first.answerable and len(first.history) == 3
    assert (second.type, second.gold_titles, second.history) == ("metadata", ("C",), ())
    assert [q.id for q in load_questions(path, ["comparison"])] == ["c1"]


def test_cites_gold_every_paper_for_a_comparison_any_one_otherwise():
    # A comparison citing one of its two papers does not count; both (any spelling) do.
    assert not cites_gold(["Paper A"], ["Paper A", "Paper B"], every=True)
    assert cites_gold(["paper b", "PAPER A.", "Paper X"], ["Paper A", "Paper B"], every=True)
    # Any other type: one of several gold titles suffices, none does not.
    assert cites_gold(["Paper B"], ["Paper A", "Paper B"], every=False)
    assert not cites_gold(["Paper X"], ["Paper A", "Paper B"], every=False)
    assert not cites_gold([], ["Paper A"], every=False)  # an abstention cites nothing
    with pytest.raises(ValueError):
        cites_gold(["Paper A"], [], every=False)


def test_supported_claims_need_a_cited_source():
    claims = [
        {"text": "A does x [1].", "supported": True, "source_n": 1},
        {"text": "B does y [3].", "supported": True, "source_n": 3},  # 3 is not cited
        {"text": "So both.", "supported": False, "source_n": None},
        {"text": "C does z [2].", "supported": True, "source_n": 2},
    ]
    assert supported_claims(claims, [1, 2]) == 2
    assert supported_claims(claims, []) == 0
    assert supported_claims([], [1]) == 0


def checked(kind, cited, gold, abstained=False, claims=0, supported=0, unsupported=0):
    return QuestionResult(
        id=f"{kind}-{len(cited)}-{abstained}",
        type=kind,
        question="?",
        answer="Not found." if abstained else "An answer [1].",
        abstained=abstained,
        retrieved_titles=[*gold, *cited],
        cited_titles=cited,
        gold_titles=gold,
        keywords=[],
        claims=claims,
        claims_supported=supported,
        unsupported_shown=unsupported,
    )


def six_results():
    return [
        # Comparison citing only A of A and B: gold not cited. 2 sentences, 1 unsupported.
        checked("comparison", ["Paper A"], ["Paper A", "Paper B"], claims=2, supported=1,
                unsupported=1),
        # Comparison citing both (one in another spelling): gold cited, 3 sentences supported.
        checked("comparison", ["Paper B", "paper a"], ["Paper A", "Paper B"], claims=3,
                supported=3),
        # Topic with two gold papers citing one of them: gold cited; its 1 sentence unsupported.
        checked("topic", ["Paper D"], ["Paper C", "Paper D"], claims=1, unsupported=1),
        # Metadata question wrongly abstained on: a false abstention, gold not cited.
        checked("metadata", [], ["Paper E"], abstained=True),
        # Out of collection, answered with 1 unsupported sentence: counts against ooc_abstention.
        checked("out_of_collection", ["Paper X"], [], claims=1, unsupported=1),
        # Out of collection, rightly abstained on.
        checked("out_of_collection", [], [], abstained=True),
    ]  # fmt: skip


def test_safety_metrics_overall_by_hand():
    metrics = score(six_results())
    # Answerable: 4, of which 1 (metadata) abstained on.
    assert metrics["false_abstention_rate"] == pytest.approx(1 / 4)
    # Out of collection: 2, of which 1 abstained on (the answered one counts against).
    assert metrics["ooc_abstention"] == pytest.approx(1 / 2)
    # Gold requirement met: comparison 1 no, comparison 2 yes, topic yes, metadata no.
    assert metrics["gold_cited"] == pytest.approx(2 / 4)
    # Sentences shown: 2 + 3 + 1 + 0 + 1 + 0 = 7; supported: 1 + 3 = 4.
    assert metrics["claims"] == 7
    assert metrics["claim_support"] == pytest.approx(4 / 7)
    # Unsupported sentences shown: 1 + 1 + 1.
    assert metrics["unsupported_shown"] == 3
    # Right on: both comparisons, the topic, the abstained out-of-collection one.
    assert metrics["abstention_accuracy"] == pytest.approx(4 / 6)


def test_safety_metrics_by_type_by_hand():
    by_type = build_report(six_results())["by_type"]
    assert list(by_type) == ["topic", "metadata", "comparison", "out_of_collection"]
    comparison = by_type["comparison"]
    assert comparison["gold_cited"] == 0.5
    assert comparison["false_abstention_rate"] == 0.0
    assert comparison["ooc_abstention"] is None
    assert comparison["claim_support"] == pytest.approx(4 / 5)
    assert comparison["unsupported_shown"] == 1
    metadata = by_type["metadata"]
    assert (metadata["false_abstention_rate"], metadata["gold_cited"]) == (1.0, 0.0)
    assert metadata["claim_support"] is None  # no sentence shown: nothing to measure
    assert metadata["unsupported_shown"] == 0
    ooc = by_type["out_of_collection"]
    assert ooc["false_abstention_rate"] is None and ooc["gold_cited"] is None
    assert ooc["ooc_abstention"] == 0.5
    assert (ooc["claim_support"], ooc["unsupported_shown"]) == (0.0, 1)
    assert by_type["topic"]["gold_cited"] == 1.0


def test_no_claims_leaves_claim_support_unmeasured():
    metrics = score(three_results())
    assert metrics["claim_support"] is None
    assert (metrics["claims"], metrics["unsupported_shown"]) == (0, 0)
    # fact: gold A cited; topic: B of B and D cited (one suffices).
    assert metrics["gold_cited"] == 1.0


def test_report_records_the_new_fields_per_question(tmp_path):
    report = build_report(six_results())
    rows = report["results"]
    assert [row["all_gold_cited"] for row in rows] == [False, True, True, False, None, None]
    assert [row["claims"] for row in rows] == [2, 3, 1, 0, 1, 0]
    assert [row["claims_supported"] for row in rows] == [1, 3, 0, 0, 0, 0]
    assert [row["unsupported_shown"] for row in rows] == [1, 0, 1, 0, 1, 0]
    json_path, _ = write_report(report, tmp_path)
    saved = json.loads(json_path.read_text())
    assert saved["overall"]["ooc_abstention"] == 0.5
    assert saved["results"][0]["all_gold_cited"] is False


def test_table_has_scores_and_safety_within_100_columns():
    table = format_table(build_report(six_results()))
    lines = table.splitlines()
    assert max(map(len, lines)) <= 100
    for header in ("gold.cited", "false.abst", "ooc.abst", "supported", "unsupported"):
        assert header in table
    overall = [line.split() for line in lines if line.startswith("overall")]
    assert len(overall) == 2  # one row in each table
    # n, abstain.acc, false.abst, ooc.abst, claims, supported, unsupported
    assert overall[1][1:] == ["6", "0.67", "0.25", "0.50", "7", "0.57", "3"]
    comparison = [line.split() for line in lines if line.startswith("comparison")][1]
    assert comparison[1:] == ["2", "1.00", "0.00", "-", "5", "0.80", "1"]


class FakeEngine:
    """Streams two pieces of text, then the answer; keeps the history it was given."""

    def __init__(self, answer):
        self.answer = answer
        self.history = None

    def stream(self, question, history):
        self.history = history
        yield "Both "
        yield "merge models [1][2]."
        yield self.answer


def engine_answer(**extra):
    from assistant.answer.citations import Citation
    from assistant.answer.result import Answer

    answer = Answer(
        question="how do those two differ",
        text="Both merge models [1][2]. So both.",
        abstained=False,
        mode="answer",
        citations=[Citation(1, 4, "a", "Paper A"), Citation(2, 7, "b", "Paper B")],
        papers=[SimpleNamespace(title=t) for t in ("Paper B", "Paper A", "Paper C")],
        timings={"retrieval_ms": 5.0, "total_ms": 90.0},
        intent="comparison",
    )
    for name, value in extra.items():
        setattr(answer, name, value)  # the fields the engine is gaining
    return answer


COMPARISON = Question(
    "c1", "comparison", "how do those two differ", ("Paper A", "Paper B"), (),
    ({"role": "user", "content": "merging?"}, {"role": "assistant", "content": "DARE [1]."},
     {"role": "user", "content": "and TIES"}),
)  # fmt: skip
CLAIMS = [
    {"text": "A drops deltas [1].", "supported": True, "source_n": 1},
    {"text": "B trims them [3].", "supported": True, "source_n": 3},  # 3 is not a citation
    {"text": "So both.", "supported": False, "source_n": None},
]


def test_run_engine_question_records_claims_and_gold():
    engine = FakeEngine(engine_answer(claims=CLAIMS))
    result = run_engine_question(engine, COMPARISON)
    assert engine.history == list(COMPARISON.history) and len(engine.history) == 3
    assert result.cited_titles == ["Paper A", "Paper B"]
    assert result.retrieved_titles == ["Paper B", "Paper A", "Paper C"]
    assert result.all_gold_cited is True
    # 3 sentences shown, 1 supported by a cited source; the engine gave no count of the
    # unsupported ones, so the claims marked unsupported count: 1.
    assert (result.claims, result.claims_supported, result.unsupported_shown) == (3, 1, 1)
    assert "first_text_ms" in result.timings


def test_run_engine_question_takes_the_engines_unsupported_count():
    answer = engine_answer(claims=CLAIMS, unsupported_shown=2)
    result = run_engine_question(FakeEngine(answer), COMPARISON)
    assert result.unsupported_shown == 2


def test_run_engine_question_without_claims():
    answer = engine_answer()
    answer.citations = answer.citations[:1]  # only Paper A cited
    result = run_engine_question(FakeEngine(answer), COMPARISON)
    assert (result.claims, result.claims_supported, result.unsupported_shown) == (0, 0, 0)
    assert result.all_gold_cited is False  # a comparison must cite both
