"""Sentence vectors kept at ingest: a question's evidence embeds nothing, answers unchanged."""

from __future__ import annotations

import logging

import numpy as np

from assistant.answer.engine import Engine
from assistant.index.ingest import ingest
from assistant.index.sentences import SentenceVectors, abstract_sentences
from assistant.retrieval.hybrid import HybridSearch
from tests.corpora import ZEBRA_PAPERS, write_daily
from tests.fakes import FakeChatModel, FakeEmbeddings, bag_of_words


def test_vectors_are_the_embedders_and_are_embedded_once(tmp_path):
    inner = FakeEmbeddings()
    kept = SentenceVectors(inner, tmp_path / "v.sqlite3")
    texts = ["Zebras have stripes.", "Horses do not.", "Zebras have stripes."]

    first = kept.vectors(texts)
    assert inner.documents_embedded == 2  # the repeat is embedded once
    np.testing.assert_allclose(first, [bag_of_words(t) for t in texts], atol=1e-6)

    again = SentenceVectors(inner, tmp_path / "v.sqlite3")  # another process, same file
    np.testing.assert_array_equal(again.vectors(texts), first)
    assert inner.documents_embedded == 2
    assert again.embed_documents(["Horses do not.", "New one."]) == [
        first[1].tolist(),
        kept.vectors(["New one."])[0].tolist(),
    ]
    assert inner.documents_embedded == 3


def test_another_embedder_does_not_read_the_first_ones_vectors(tmp_path):
    class Other(FakeEmbeddings):
        model_id = "another-model"

    path = tmp_path / "v.sqlite3"
    SentenceVectors(FakeEmbeddings(), path).vectors(["Zebras have stripes."])
    other = Other()
    SentenceVectors(other, path).vectors(["Zebras have stripes."])
    assert other.documents_embedded == 1


def test_an_unusable_file_costs_time_not_answers(tmp_path, caplog):
    path = tmp_path / "v.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    inner = FakeEmbeddings()
    kept = SentenceVectors(inner, path)
    with caplog.at_level(logging.WARNING):
        vectors = kept.vectors(["Zebras have stripes.", "Horses do not."])
        kept.vectors(["Zebras have stripes."])
    np.testing.assert_allclose(vectors[0], bag_of_words("Zebras have stripes."), atol=1e-6)
    assert inner.documents_embedded == 3  # embedded each time, as before
    assert sum("cannot be used" in r.message for r in caplog.records) == 1  # said once
    assert path.read_bytes() == b"this is not a database" * 100  # left as it was
    assert kept.fill(["Zebras have stripes. Horses do not."]) == 0


def test_ingest_keeps_every_sentence_so_questions_embed_none(tmp_path, settings, fake_index):
    corpus = write_daily(tmp_path / "a.txt", ZEBRA_PAPERS)
    result = ingest([corpus], settings, index=fake_index, progress=False)
    assert result.report.sentences_embedded == len(abstract_sentences(ZEBRA_PAPERS.values()))
    again = ingest([corpus], settings, index=fake_index, progress=False)
    assert again.report.sentences_embedded == 0

    model = FakeChatModel(["Zebra stripes are segmented with masks [1]."])
    engine = Engine(settings, fake_index, HybridSearch(fake_index, settings), lambda: model)
    embedded = fake_index.embeddings.documents_embedded
    answer = engine.ask("How are zebra stripes segmented with masks?")
    assert answer.sources and any(source.sentences for source in answer.sources)
    assert fake_index.embeddings.documents_embedded == embedded


def test_an_index_built_before_gets_its_sentence_vectors_on_the_next_ingest(
    tmp_path, settings, fake_index
):
    corpus = write_daily(tmp_path / "a.txt", ZEBRA_PAPERS)
    ingest([corpus], settings, index=fake_index, progress=False)
    settings.sentence_vectors_file.unlink()  # as an index made before they were kept
    again = ingest([corpus], settings, index=fake_index, progress=False)
    assert again.report.papers_unchanged == len(ZEBRA_PAPERS) and again.report.chunks_added == 0
    assert again.report.sentences_embedded == len(abstract_sentences(ZEBRA_PAPERS.values()))
