"""BM25, fusion and grouping on small indexes whose answers can be worked out by hand."""

from __future__ import annotations

import math

import pytest

from assistant.index.ingest import ingest
from assistant.retrieval.bm25 import BM25, tokenize
from assistant.retrieval.hybrid import HybridSearch, PaperRetriever, best_snippet
from tests.corpora import write_daily


def test_tokenize_drops_stopwords_and_folds_plurals():
    assert tokenize("Which paper proposed the Models of segmentations?") == [
        "model",
        "segmentation",
    ]


def test_bm25_matches_the_formula():
    bm25 = BM25(["apple banana", "apple apple cherry cherry", "durian"], k1=1.2, b=0.75)
    average = (2 + 4 + 1) / 3  # document lengths in tokens
    idf_apple = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    tf, length = 2, 4
    expected = idf_apple * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * length / average))
    scores = bm25.scores("apples")
    assert scores[1] == pytest.approx(expected, rel=1e-5)
    assert scores[1] > scores[0] > 0 and scores[2] == 0


def test_best_snippet_picks_the_sentence_sharing_most_terms():
    passage = "We study cats. Our method segments zebras in video. Results are good."
    assert best_snippet("zebra video segmentation", [passage]).startswith(
        "Our method segments zebras in video."
    )


PAPERS = {
    "Zebra Stripes Segmentation": "We segment zebra stripes in savanna photographs with masks.",
    "Quantum Chemistry Benchmarks": "We benchmark quantum chemistry solvers on molecules.",
    "Savanna Wildlife Counting": "We count savanna wildlife such as zebra herds from drones.",
}


@pytest.fixture
def small_search(tmp_path, settings, fake_index):
    ingest([write_daily(tmp_path / "a.txt", PAPERS)], settings, index=fake_index, progress=False)
    return HybridSearch(fake_index, settings)


def test_search_ranks_papers_by_both_signals(small_search):
    hits = small_search.search("zebra stripes segmentation masks", k=3)
    assert [h.title for h in hits][:2] == [
        "Zebra Stripes Segmentation",
        "Savanna Wildlife Counting",
    ]
    assert hits[0].score > hits[1].score
    assert hits[0].dense_similarity > 0 and hits[0].bm25_score > 0
    assert "zebra stripes" in hits[0].snippet


def test_a_small_collection_is_searched_exactly_not_by_the_approximate_index(
    small_search, monkeypatch
):
    # Chroma's HNSW search is approximate; over the bundled index its top 40 differed
    # between processes. A collection this small is ranked by exact cosine similarity.
    chunks = small_search.chunks
    expected = small_search._dense(chunks, "zebra herds from drones", 3)

    def approximate(*args, **kwargs):
        raise AssertionError("the approximate index was queried")

    monkeypatch.setattr(small_search.index.collection, "query", approximate)
    assert small_search._dense(chunks, "zebra herds from drones", 3) == expected
    titles = [chunks.metadata[p]["title"] for p, _ in expected]
    assert titles[0] == "Savanna Wildlife Counting"
    similarities = [similarity for _, similarity in expected]
    assert similarities == sorted(similarities, reverse=True)


def test_search_returns_papers_not_chunks(tmp_path, settings, fake_index):
    long = " ".join(f"Sentence {i} is about zebra research methods." for i in range(60))
    ingest(
        [write_daily(tmp_path / "a.txt", {"Long Zebra": long, **PAPERS})],
        settings,
        index=fake_index,
        progress=False,
    )
    hits = HybridSearch(fake_index, settings).search("zebra research", k=4)
    titles = [h.title for h in hits]
    assert len(titles) == len(set(titles))
    assert titles[0] == "Long Zebra" and len(hits[0].passages) > 1


def test_search_on_an_empty_index_finds_nothing(settings, fake_index):
    assert HybridSearch(fake_index, settings).search("anything") == []


def test_refresh_sees_new_papers(tmp_path, settings, fake_index, small_search):
    assert small_search.search("volcano eruption")[0].title != "Volcano Eruptions"
    more = write_daily(
        tmp_path / "b.txt",
        {"Volcano Eruptions": "We forecast volcano eruption timing from seismic tremor records."},
    )
    ingest([more], settings, index=fake_index, progress=False)
    small_search.refresh()
    assert small_search.search("volcano eruption")[0].title == "Volcano Eruptions"


def test_langchain_retriever_returns_one_document_per_paper(small_search):
    documents = PaperRetriever(search=small_search, k=2).invoke("zebra stripes")
    assert documents[0].metadata["title"] == "Zebra Stripes Segmentation"
    assert len(documents) == 2 and documents[0].metadata["score"] > 0


def test_a_search_during_a_refresh_uses_the_previous_table(monkeypatch, small_search, fake_index):
    """The UI refreshes after an upload while other tabs search: no half-built table shows."""
    before = [hit.title for hit in small_search.search("zebra stripes")]
    during = []
    read_chunks = fake_index.iter_chunks

    def read_and_search_midway(*args, **kwargs):
        for n, item in enumerate(read_chunks(*args, **kwargs)):
            if n == 1:
                during.append([hit.title for hit in small_search.search("zebra stripes")])
            yield item

    monkeypatch.setattr(fake_index, "iter_chunks", read_and_search_midway)
    small_search.refresh()
    assert during == [before]


@pytest.mark.parametrize(
    ("word", "folded"),
    [("models", "model"), ("papers", "paper"), ("loss", "loss"), ("dangerous", "dangerous"),
     ("analysis", "analysis"), ("bus", "bus"), ("gas", "gas")],
)  # fmt: skip
def test_plural_folding(word, folded):
    from assistant.text import singular

    assert singular(word) == folded


def test_a_paper_far_ahead_in_one_ranking_beats_papers_placed_well_in_both(
    tmp_path, settings, fake_index, monkeypatch
):
    papers = {
        f"Method {name} for Counting Zebra Herds": f"We count zebra herds with method {name} "
        "from drone video over the savanna and report counting accuracy."
        for name in "ABCDE"
    }
    ingest([write_daily(tmp_path / "p.txt", papers)], settings, index=fake_index, progress=False)
    search = HybridSearch(fake_index, settings)
    position = {
        search.chunks.metadata[p]["title"].split()[1]: p for p in range(len(search.chunks.ids))
    }

    def ranking(values: dict[str, float]):
        return lambda *args, **kwargs: [(position[name], v) for name, v in values.items()]

    # D: far ahead by its rare name in BM25 (20.8 against 7.1), fair in meaning. Ranks
    # alone (reciprocal rank fusion) would put it third, behind A and B.
    monkeypatch.setattr(
        search, "_dense", ranking({"A": 0.45, "B": 0.44, "C": 0.43, "D": 0.38, "E": 0.30})
    )
    monkeypatch.setattr(
        search, "_lexical", ranking({"D": 20.8, "B": 7.1, "A": 7.0, "C": 6.3, "E": 0.5})
    )
    found = [hit.title.split()[1] for hit in search.search("the D question", k=3)]
    assert found == ["D", "A", "B"]
