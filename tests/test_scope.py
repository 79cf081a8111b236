"""Questions scoped to part of the collection: dates, source files, chosen papers."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from assistant.index.ingest import ingest
from assistant.records import paper_id_for
from assistant.retrieval import hybrid
from assistant.retrieval.hybrid import HybridSearch, _where
from assistant.retrieval.scope import Scope, ScopeError, When, read_date
from tests.corpora import ZEBRA_PAPERS, abstract, write_daily


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-10-09", When(2023, 10, 9)),
        ("2023-10", When(2023, 10)),
        ("2023", When(2023)),
        ("Oct 9 2023", When(2023, 10, 9)),
        ("9 October 2023", When(2023, 10, 9)),
        ("Oct 9", When(None, 10, 9)),
        ("9 Oct", When(None, 10, 9)),
        ("--10-09", When(None, 10, 9)),
        # not dates
        ("", None),
        ("garbage", None),
        ("Foo 9", None),
        ("Oct 42", None),
    ],
)
def test_read_date(text, expected):
    assert read_date(text) == expected


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("last week", None, "is not a date"),
        ("2023-10-01", "Oct 9", "both have a year"),
        ("2024", "2023", "is after"),
        ("Nov 1", "Oct 1", "is after"),
    ],
)
def test_unreadable_or_contradictory_bounds_are_refused(since, until, message):
    with pytest.raises(ScopeError, match=message):
        Scope(since, until)


def _record(title: str, date: str | None, source: str = "a.txt") -> dict:
    return {
        "paper_id": paper_id_for(title),
        "title": title,
        "date": date,
        "sources": json.dumps([f"data/{source}:line 3"]),
    }


RECORDS = [
    _record("Daily October", "Oct 9", "daily_oct09.txt"),
    _record("Daily March", "Mar 14", "daily_mar14.txt"),
    _record("Arxiv 2021", "2021-06-17", "arxiv.jsonl"),
    _record("Arxiv 2023 Oct", "2023-10-20", "arxiv.jsonl"),
    _record("Arxiv Year Only", "2023", "arxiv.jsonl"),
    _record("Undated", None, "arxiv.jsonl"),
]


def _titles(scope: Scope) -> set[str]:
    ids = scope.select(RECORDS).paper_ids
    return {r["title"] for r in RECORDS if r["paper_id"] in ids}


@pytest.mark.parametrize(
    ("scope", "titles"),
    [
        (Scope(), {r["title"] for r in RECORDS}),
        # A bound with a year: only papers with a year; a year-only date overlaps its year.
        (Scope(since="2023-01-01"), {"Arxiv 2023 Oct", "Arxiv Year Only"}),
        (Scope(until="2022-12-31"), {"Arxiv 2021"}),
        (Scope("2023-10", "2023-10"), {"Arxiv 2023 Oct", "Arxiv Year Only"}),
        # Month and day without a year: every paper with a month and day, whatever its year.
        (Scope(since="Oct 1"), {"Daily October", "Arxiv 2023 Oct"}),
        (Scope("Mar 1", "Jun 30"), {"Daily March", "Arxiv 2021"}),
        # Sources: any listed part of a path, ignoring case.
        (Scope(sources=("MAR14",)), {"Daily March"}),
        (Scope(sources=("mar14", "oct09")), {"Daily March", "Daily October"}),
        (Scope(sources=("nowhere",)), set()),
        # Chosen papers, narrowed further by the other parts.
        (Scope(paper_ids=(paper_id_for("Arxiv 2021"),)), {"Arxiv 2021"}),
        (Scope(since="2023", paper_ids=(paper_id_for("Arxiv 2021"),)), set()),
    ],
)
def test_scope_selects(scope, titles):
    assert _titles(scope) == titles


def test_a_bound_with_a_year_says_how_many_papers_it_could_not_place():
    notes = Scope(since="2023").select(RECORDS).notes
    assert len(notes) == 1 and notes[0].startswith("3 paper(s) left out")
    assert Scope(since="Oct 1").select(RECORDS).notes == []


def test_unknown_paper_ids_are_named():
    with pytest.raises(ScopeError, match="deadbeef"):
        Scope(paper_ids=("deadbeef", paper_id_for("Arxiv 2021"))).select(RECORDS)


def test_describe():
    assert Scope().describe() == "the whole collection"
    assert not Scope() and Scope(since="Oct 1")
    assert Scope("Oct 1", sources=("mar14",), paper_ids=("a", "b")).describe() == (
        "since Oct 1, from mar14, 2 chosen papers"
    )


PAPERS = {
    "Zebra Stripes Segmentation": "We segment zebra stripes in savanna photographs with masks.",
    "Quantum Chemistry Benchmarks": "We benchmark quantum chemistry solvers on molecules.",
    "Savanna Wildlife Counting": "We count savanna wildlife such as zebra herds from drones.",
}


@pytest.fixture
def two_files(tmp_path, settings, fake_index):
    first = dict(list(PAPERS.items())[:2])
    second = dict(list(PAPERS.items())[2:])
    paths = [
        write_daily(tmp_path / "first.txt", first),
        write_daily(tmp_path / "second.txt", second),
    ]
    ingest(paths, settings, index=fake_index, progress=False)
    return HybridSearch(fake_index, settings)


def test_a_scoped_search_sees_only_the_papers_in_scope(two_files):
    everything = two_files.search("zebra herds savanna", k=3)
    assert {hit.title for hit in everything} >= {"Savanna Wildlife Counting"}
    within = two_files.select(Scope(sources=("first.txt",))).paper_ids
    assert len(within) == 2
    scoped = two_files.search("zebra herds savanna", k=3, within=within)
    assert scoped and {hit.title for hit in scoped} <= {
        "Zebra Stripes Segmentation",
        "Quantum Chemistry Benchmarks",
    }
    # Each side of the hybrid search is filtered, not only the fused list.
    chunks = two_files.chunks
    assert all(
        chunks.metadata[position]["paper_id"] in within
        for position, _ in two_files._dense(chunks, "zebra herds savanna", 10, within)
        + two_files._lexical(chunks, "zebra herds savanna", 10, within)
        + two_files._introducing(chunks, "zebra herds savanna", 10, within)
    )
    assert two_files.search("zebra", within=frozenset()) == []


def test_the_chroma_filter_is_the_smaller_of_in_and_not_in():
    papers = {"a", "b", "c"}
    assert _where(frozenset({"a"}), papers) == {"paper_id": {"$in": ["a"]}}
    assert _where(frozenset({"a", "b"}), papers) == {"paper_id": {"$nin": ["c"]}}
    assert _where(frozenset(papers), papers) is None


@pytest.mark.parametrize("exact_limit", [10_000, 0])
def test_each_way_of_searching_a_scope_finds_what_chromas_filter_finds(
    tmp_path, settings, fake_index, monkeypatch, exact_limit
):
    # 0: every scope is "large": Chroma's nearest chunks overall, filtered, or (when too
    # few of them are in the scope) the where filter itself.
    monkeypatch.setattr(hybrid, "SCOPE_EXACT_CHUNKS", exact_limit)
    papers = {
        f"Paper {n} on zebra topic {n % 3}": abstract(f"zebra topic {n % 3}") for n in range(12)
    }
    ingest([write_daily(tmp_path / "z.txt", papers)], settings, index=fake_index, progress=False)
    search = HybridSearch(fake_index, settings)
    chunks = search.chunks
    everything = set(chunks.chunks_of_paper)
    vector = fake_index.embeddings.embed_query("zebra topic 1")
    for size in (1, 2, 6, 11):
        within = frozenset(sorted(everything)[:size])
        truth = search._nearest(chunks, vector, 5, _where(within, everything))
        found = search._dense(chunks, "zebra topic 1", 5, within)
        # The same similarities (papers with equal ones may come in another order), all
        # from the scope.
        assert [s for _, s in found] == pytest.approx([s for _, s in truth], abs=1e-4), size
        assert {chunks.metadata[p]["paper_id"] for p, _ in found} <= within


def test_a_scoped_question_abstains_saying_what_it_searched(ui_with, tmp_path):
    handlers, model = ui_with("ZebraNet improves stripe mask accuracy by 7.5 points [1].")
    engine = handlers.engine
    outside = Scope(paper_ids=(paper_id_for("Quantum Chemistry Solver Benchmarks"),))
    answer = engine.ask("How much does ZebraNet improve zebra stripe mask accuracy?", scope=outside)
    assert answer.abstained
    assert "(Searched only 1 chosen paper: 1 paper.)" in answer.text
    assert model.calls == []  # decided without the model
    inside = Scope(paper_ids=(paper_id_for("ZebraNet: Segmenting Zebra Stripes"),))
    answer = engine.ask("How much does ZebraNet improve zebra stripe mask accuracy?", scope=inside)
    assert not answer.abstained
    assert {hit.paper_id for hit in answer.papers} == set(inside.paper_ids)


def test_search_and_papers_list_take_the_scope_options(tmp_path, capsys):
    path = write_daily(tmp_path / "first.txt", ZEBRA_PAPERS)
    index = ["--index", str(tmp_path / "vs")]
    assert main([*index, "ingest", "--quiet", str(path)]) == 0
    capsys.readouterr()
    assert main([*index, "papers", "list", "--since", "Oct 1", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["papers"]) == 3
    assert main([*index, "papers", "list", "--since", "2023", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["papers"] == []
    assert "3 paper(s) left out" in captured.err
    zebra = paper_id_for("ZebraNet: Segmenting Zebra Stripes")
    assert main([*index, "search", "zebra stripes", "--papers", zebra, "--json"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert [r["paper_id"] for r in results] == [zebra]
    assert main([*index, "search", "zebra", "--source", "elsewhere"]) == 0
    assert "No paper in the scope (from elsewhere) matches." in capsys.readouterr().out
    assert main([*index, "search", "zebra", "--since", "someday"]) == 1
    assert "is not a date" in capsys.readouterr().err


def test_a_large_scope_falls_back_to_chromas_filter_when_the_nearest_chunks_miss_it(
    two_files, monkeypatch
):
    monkeypatch.setattr(hybrid, "SCOPE_EXACT_CHUNKS", 0)
    chunks = two_files.chunks
    within = two_files.select(Scope(sources=("second.txt",))).paper_ids
    nearest = two_files._nearest
    wheres = []

    def unfiltered_misses_the_scope(chunks, vector, n, where=None):
        wheres.append(where)
        found = nearest(chunks, vector, n, where)
        if where is None:  # as if every nearest chunk were outside the scope
            return [(p, s) for p, s in found if chunks.metadata[p]["paper_id"] not in within]
        return found

    monkeypatch.setattr(two_files, "_nearest", unfiltered_misses_the_scope)
    found = two_files._dense(chunks, "zebra herds", 5, within)
    assert wheres == [None, {"paper_id": {"$in": sorted(within)}}]
    assert found and {chunks.metadata[p]["paper_id"] for p, _ in found} <= within
