"""Removing papers from the index and restoring them: the removal list, ingests that keep
removed papers out, the engine and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chromadb.api.client import SharedSystemClient

import assistant.index.embeddings
import assistant.index.ingest
import assistant.index.store
from assistant.answer.engine import Engine
from assistant.cli import main
from assistant.errors import AssistantError, SharedIndexError
from assistant.index.ingest import ingest, rebuild
from assistant.index.removals import (
    REMOVED,
    remove_papers,
    removed_papers,
    restore_papers,
)
from assistant.index.store import PaperIndex
from assistant.records import paper_id_for
from assistant.retrieval.hybrid import HybridSearch
from tests.corpora import PAPERS, ZEBRA_PAPERS, write_daily
from tests.fakes import FakeChatModel, FakeEmbeddings

ZEBRANET = "ZebraNet: Segmenting Zebra Stripes"
ZEBRANET_ID = paper_id_for(ZEBRANET)

# A paper with every field a record keeps, and a title with accents and punctuation.
ARXIV_RECORD = {
    "id": "2301.00001",
    "title": "Ünïcode Zebras — Stripes, Masks & 'Quotes'",
    "abstract": "We study zebras with unicode titles. Masks are drawn by hand.",
    "authors": "A. One, B. Two",
    "update_date": "2023-01-02",
}


def chunks(index: PaperIndex) -> dict[str, tuple[dict, str | None]]:
    """chunk id -> (metadata, text) of everything in the index."""
    return {
        chunk_id: (metadata, document)
        for chunk_id, metadata, document in index.iter_chunks(include=("metadatas", "documents"))
    }


@pytest.fixture
def corpus(tmp_path: Path) -> list[Path]:
    arxiv = tmp_path / "arxiv.jsonl"
    arxiv.write_text(json.dumps(ARXIV_RECORD) + "\n", encoding="utf-8")
    return [write_daily(tmp_path / "a.txt", ZEBRA_PAPERS), arxiv]


@pytest.fixture
def filled(corpus, settings, fake_index) -> PaperIndex:
    ingest(corpus, settings, index=fake_index, progress=False)
    return fake_index


# --- The removal list ------------------------------------------------------------------------


def test_remove_keeps_the_whole_record_and_deletes_every_chunk(filled, settings):
    before = chunks(filled)
    paper_id = paper_id_for(ARXIV_RECORD["title"])
    (record,) = remove_papers(filled, [paper_id.upper() + " "])

    assert record["title"] == ARXIV_RECORD["title"]
    assert record["authors"] == ["A. One", "B. Two"] and record["arxiv_id"] == "2301.00001"
    assert record["abstract"] == ARXIV_RECORD["abstract"] and record["removed_at"]
    assert [Path(source).name for source in record["sources"]] == ["arxiv.jsonl:line 1"]
    assert removed_papers(settings) == {paper_id: record}
    assert list(settings.vectorstore_dir.glob("*.partial")) == []
    after = chunks(filled)
    assert all(metadata["paper_id"] != paper_id for metadata, _ in after.values())
    # Nothing else in the index changed.
    assert after == {k: v for k, v in before.items() if v[0]["paper_id"] != paper_id}


def test_unknown_ids_are_named_and_nothing_is_removed(filled, settings):
    before = chunks(filled)
    with pytest.raises(AssistantError, match="feedfacefeedface; nothing was removed") as error:
        remove_papers(filled, [ZEBRANET_ID, "feedfacefeedface"])
    assert ZEBRANET_ID not in str(error.value)
    assert chunks(filled) == before
    assert not (settings.vectorstore_dir / REMOVED).exists()


def test_restoring_an_id_not_removed_is_an_error(filled, settings):
    remove_papers(filled, [ZEBRANET_ID])
    other = paper_id_for("Counting Savanna Wildlife from Drones")
    with pytest.raises(AssistantError, match=f"{other} are not on the removal list"):
        restore_papers(filled, [ZEBRANET_ID, other])
    assert list(removed_papers(settings)) == [ZEBRANET_ID]  # nothing restored
    assert not filled.papers([ZEBRANET_ID])


def test_a_removal_whose_list_cannot_be_written_deletes_nothing(filled, settings, monkeypatch):
    remove_papers(filled, [ZEBRANET_ID])
    listed = (settings.vectorstore_dir / REMOVED).read_text()
    before = chunks(filled)

    def full_disk(self, target):
        raise OSError("No space left on device")

    monkeypatch.setattr(Path, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        remove_papers(filled, [paper_id_for("Counting Savanna Wildlife from Drones")])
    assert chunks(filled) == before  # the paper stays indexed
    assert (settings.vectorstore_dir / REMOVED).read_text() == listed  # the old list, whole


def test_an_unreadable_removal_list_stops_an_ingest(corpus, filled, settings):
    (settings.vectorstore_dir / REMOVED).write_text('{"papers": [')
    with pytest.raises(AssistantError, match=r"removed\.json cannot be read.*delete it"):
        ingest(corpus, settings, index=filled, progress=False)


def test_restore_puts_back_the_same_chunks_and_empties_the_list(filled, settings):
    before = chunks(filled)
    ids = [ZEBRANET_ID, paper_id_for(ARXIV_RECORD["title"])]
    remove_papers(filled, ids)
    records = restore_papers(filled, ids)

    assert [record["paper_id"] for record in records] == ids
    assert chunks(filled) == before  # same ids, texts and metadata (sources included)
    assert removed_papers(settings) == {}


def test_a_removed_paper_is_refused_on_a_server_without_shared(filled, settings, monkeypatch):
    monkeypatch.setattr(filled, "settings", settings.model_copy(update={"chroma_host": "db"}))
    before = chunks(filled)
    with pytest.raises(SharedIndexError, match=rf"(?s)1 paper\(s\).*{ZEBRANET}.*--shared"):
        remove_papers(filled, [ZEBRANET_ID])
    assert chunks(filled) == before
    remove_papers(filled, [ZEBRANET_ID], shared=True)
    assert not filled.papers([ZEBRANET_ID])


# --- Ingests keep removed papers out -----------------------------------------------------------


def test_reingest_skips_a_removed_paper_and_prunes_nothing(corpus, filled, settings):
    remove_papers(filled, [ZEBRANET_ID])
    before = chunks(filled)
    result = ingest(corpus, settings, index=filled, prune=True, progress=False)

    report = result.report
    assert report.papers_skipped == 1 and report.papers_unchanged == 3
    assert report.papers_added == report.papers_changed == report.papers_pruned == 0
    assert report.chunks_added == report.chunks_removed == 0
    assert chunks(filled) == before
    assert list(removed_papers(settings)) == [ZEBRANET_ID]


def test_include_removed_indexes_them_and_clears_them_from_the_list(corpus, filled, settings):
    before = chunks(filled)
    remove_papers(filled, [ZEBRANET_ID, paper_id_for(ARXIV_RECORD["title"])])
    result = ingest(corpus[:1], settings, index=filled, include_removed=True, progress=False)

    assert result.report.papers_added == 1 and result.report.papers_skipped == 0
    assert filled.papers([ZEBRANET_ID])
    # Only what the files held comes off the list: the arXiv paper stays removed.
    assert list(removed_papers(settings)) == [paper_id_for(ARXIV_RECORD["title"])]
    restore_papers(filled, [paper_id_for(ARXIV_RECORD["title"])])
    assert chunks(filled) == before


def test_an_upload_skips_removed_papers(tmp_path, filled, settings):
    from assistant.index.ingest import ingest_upload

    remove_papers(filled, [ZEBRANET_ID])
    upload = write_daily(tmp_path / "upload.txt", {ZEBRANET: ZEBRA_PAPERS[ZEBRANET], **PAPERS})
    result = ingest_upload(upload, "mine.txt", settings, filled)
    assert result.report.papers_skipped == 1 and result.report.papers_added == 3
    assert not filled.papers([ZEBRANET_ID])


def test_rebuild_keeps_removals(corpus, filled, settings, monkeypatch):
    remove_papers(filled, [ZEBRANET_ID])
    SharedSystemClient.clear_system_cache()
    monkeypatch.setattr(assistant.index.embeddings, "build_embeddings", lambda s: FakeEmbeddings())
    result = rebuild(None, settings, progress=False)

    assert result.ingest.report.papers_added == 3 and result.ingest.report.papers_skipped == 1
    rebuilt = PaperIndex(settings, FakeEmbeddings())
    assert not rebuilt.papers([ZEBRANET_ID]) and rebuilt.stats().papers == 3
    assert list(removed_papers(settings)) == [ZEBRANET_ID]


# --- The engine: searches forget and relearn at once ------------------------------------------


def test_engine_remove_and_restore_refresh_the_search(filled, settings):
    search = HybridSearch(filled, settings)
    engine = Engine(settings, filled, search, lambda: FakeChatModel())
    assert ZEBRANET_ID in {hit.paper_id for hit in search.search("zebranet stripes")}

    (record,) = engine.remove_papers([ZEBRANET_ID])
    assert record["title"] == ZEBRANET
    assert ZEBRANET_ID not in {hit.paper_id for hit in search.search("zebranet stripes")}
    assert "zebranet" not in search.vocabulary

    engine.restore_papers([ZEBRANET_ID])
    assert search.search("zebranet stripes")[0].paper_id == ZEBRANET_ID


# --- The command line -------------------------------------------------------------------------


@pytest.fixture
def cli_index(filled, monkeypatch):
    """The commands see the filled fake index (its folder given with --index)."""
    monkeypatch.setattr(assistant.index.store, "open_index", lambda *args, **kwargs: filled)
    monkeypatch.setattr(assistant.index.ingest, "open_index", lambda *args, **kwargs: filled)
    return filled


def test_papers_remove_removed_restore_and_ingest_commands(corpus, cli_index, settings, capsys):
    at = ["--index", str(settings.vectorstore_dir)]
    assert main([*at, "papers", "remove", ZEBRANET_ID]) == 0
    out = capsys.readouterr().out
    assert f"Removed {ZEBRANET_ID}  {ZEBRANET}" in out and "assistant papers restore" in out

    assert main([*at, "papers", "removed", "--json"]) == 0
    (record,) = json.loads(capsys.readouterr().out)["papers"]
    assert record["paper_id"] == ZEBRANET_ID and record["title"] == ZEBRANET
    assert main([*at, "papers", "removed"]) == 0
    assert ZEBRANET in capsys.readouterr().out

    assert main([*at, "ingest", "--quiet", *map(str, corpus)]) == 0
    out = capsys.readouterr().out
    assert "1 paper(s) skipped" in out and "--include-removed" in out
    assert not cli_index.papers([ZEBRANET_ID])

    assert main([*at, "papers", "restore", ZEBRANET_ID, "feedfacefeedface"]) == 1
    assert "feedfacefeedface" in capsys.readouterr().err
    assert main([*at, "papers", "restore", ZEBRANET_ID]) == 0
    assert f"Restored {ZEBRANET_ID}" in capsys.readouterr().out
    assert cli_index.papers([ZEBRANET_ID])
    assert main([*at, "papers", "removed", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["papers"] == []


def test_papers_remove_names_unknown_ids(cli_index, settings, capsys):
    at = ["--index", str(settings.vectorstore_dir)]
    assert main([*at, "papers", "remove", ZEBRANET_ID, "feedfacefeedface"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "feedfacefeedface; nothing was removed" in captured.err
    assert cli_index.papers([ZEBRANET_ID])


def test_papers_remove_on_a_server_needs_shared(cli_index, settings, capsys, monkeypatch):
    monkeypatch.setattr(cli_index, "settings", settings.model_copy(update={"chroma_host": "db"}))
    at = ["--index", str(settings.vectorstore_dir)]
    assert main([*at, "papers", "remove", ZEBRANET_ID]) == 1
    err = capsys.readouterr().err
    assert ZEBRANET in err and "--shared" in err
    assert cli_index.papers([ZEBRANET_ID])
    assert main([*at, "papers", "remove", "--shared", ZEBRANET_ID]) == 0
    assert not cli_index.papers([ZEBRANET_ID])


# --- The real index ----------------------------------------------------------------------------


@pytest.mark.integration
def test_a_removed_paper_stays_out_of_a_real_index_until_restored(tmp_path):
    """Real embedder, real Chroma on disk: remove, re-ingest, restore, include-removed."""
    from assistant.config import Settings
    from assistant.index.store import open_index

    settings = Settings(vectorstore_dir=tmp_path / "vectorstore")
    corpus = [write_daily(tmp_path / "a.txt", {**ZEBRA_PAPERS, **PAPERS})]
    index = open_index(settings)
    ingest(corpus, settings, index=index, progress=False)
    search = HybridSearch(index, settings)
    engine = Engine(settings, index, search, lambda: FakeChatModel())
    before = chunks(index)
    assert search.search("ZebraNet stripe masks")[0].paper_id == ZEBRANET_ID

    engine.remove_papers([ZEBRANET_ID])
    assert index.collection.get(where={"paper_id": ZEBRANET_ID})["ids"] == []
    assert ZEBRANET_ID not in {hit.paper_id for hit in search.search("ZebraNet stripe masks")}
    assert "zebranet" not in search.vocabulary
    others = {k: v for k, v in before.items() if v[0]["paper_id"] != ZEBRANET_ID}
    assert chunks(index) == others

    again = ingest(corpus, settings, index=index, progress=False)
    assert again.report.papers_skipped == 1 and again.report.papers_added == 0
    search.refresh()
    assert ZEBRANET_ID not in {hit.paper_id for hit in search.search("ZebraNet stripe masks")}
    assert chunks(index) == others

    engine.restore_papers([ZEBRANET_ID])
    assert chunks(index) == before
    assert search.search("ZebraNet stripe masks")[0].paper_id == ZEBRANET_ID

    engine.remove_papers([ZEBRANET_ID])
    included = ingest(corpus, settings, index=index, include_removed=True, progress=False)
    assert included.report.papers_added == 1 and removed_papers(settings) == {}
    search.refresh()
    assert search.search("ZebraNet stripe masks")[0].paper_id == ZEBRANET_ID
