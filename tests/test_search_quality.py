"""Real embedder, real Chroma, bundled corpus: retrieval quality on the hand-written dev set."""

from __future__ import annotations

import pytest

from assistant.config import BUNDLED_CORPUS_DIR
from assistant.corpus.reading import read_corpus
from tests.dev_set import load_questions

pytestmark = pytest.mark.integration


def test_dev_set_gold_titles_are_in_the_corpus():
    titles = {paper.title for paper in read_corpus([BUNDLED_CORPUS_DIR]).papers}
    questions = load_questions()
    assert len(questions) >= 30
    for question in questions:
        assert set(question.gold_titles) <= titles, question.id


def test_bundled_corpus_is_180_papers_after_two_ingests(bundled_index, real_settings):
    from assistant.index.ingest import ingest

    again = ingest(None, real_settings, index=bundled_index, progress=False)
    assert again.report.papers_added == 0 and again.report.chunks_added == 0
    assert bundled_index.stats().papers == 180


def test_segprompt_ranks_first(bundled_search):
    hits = bundled_search.search("open-world instance segmentation")
    assert hits[0].title.startswith("SegPrompt:")


def test_gold_paper_in_top_3_for_90_percent_of_dev_questions(bundled_search):
    questions = load_questions("lookup", "fact", "topic")
    misses = []
    for question in questions:
        top3 = {hit.title for hit in bundled_search.search(question.question, k=3)}
        if not top3 & set(question.gold_titles):
            misses.append(question.id)
    rate = 1 - len(misses) / len(questions)
    print(f"top-3 rate {rate:.3f} over {len(questions)} questions; misses: {misses}")
    assert rate >= 0.9, misses
