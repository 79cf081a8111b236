"""Faults: a damaged index, a failed write, a damaged model file. Clear errors, nothing lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from chromadb.api.client import SharedSystemClient
from chromadb.errors import ChromaError

import assistant.index.embeddings
from assistant.config import Settings
from assistant.errors import IndexUnavailableError, ModelError
from assistant.index.ingest import ingest, rebuild
from assistant.index.maintenance import MANIFEST
from assistant.index.store import PaperIndex
from assistant.retrieval.hybrid import HybridSearch
from tests.corpora import abstract, write_daily
from tests.fakes import FakeEmbeddings


def reopen(settings: Settings) -> PaperIndex:
    """The index as a new process would open it (Chroma caches clients per path)."""
    SharedSystemClient.clear_system_cache()
    return PaperIndex(settings, FakeEmbeddings())


@pytest.fixture
def bundled(settings: Settings) -> PaperIndex:
    index = PaperIndex(settings, FakeEmbeddings())
    ingest(None, settings, index=index, progress=False)
    return index


def damage(database: Path, page: int) -> None:
    with database.open("r+b") as handle:  # 16 KiB of garbage over the database's pages
        handle.seek(page * 4096)
        handle.write(b"\xa5" * 16384)


def test_a_damaged_store_gives_a_clear_error_or_still_works(tmp_path, settings, bundled):
    """Garbage over any part of the database: a clear error, or (unused pages) results."""
    database = settings.vectorstore_dir / "chroma.sqlite3"
    outcomes = set()
    for page in range(0, database.stat().st_size // 4096, 97):
        copy = Settings(vectorstore_dir=tmp_path / f"copy-{page}")
        shutil.copytree(settings.vectorstore_dir, copy.vectorstore_dir)
        damage(copy.vectorstore_dir / "chroma.sqlite3", page)
        try:
            index = reopen(copy)
            index.stats()
            HybridSearch(index, copy).search("open-world instance segmentation")
            outcomes.add("works")
        except IndexUnavailableError as error:
            assert "assistant rebuild" in str(error)
            outcomes.add("clear error")
    assert "clear error" in outcomes


def test_rebuild_sets_a_damaged_store_aside(settings, bundled, monkeypatch):
    papers = bundled.stats().papers
    damage(settings.vectorstore_dir / "chroma.sqlite3", 8)
    with pytest.raises(IndexUnavailableError, match="assistant rebuild"):
        reopen(settings).stats()

    SharedSystemClient.clear_system_cache()
    monkeypatch.setattr(assistant.index.embeddings, "build_embeddings", lambda s: FakeEmbeddings())
    result = rebuild(None, settings, progress=False)
    assert result.set_aside is not None and (result.set_aside / "chroma.sqlite3").is_file()
    assert result.ingest.report.papers_added == papers
    assert reopen(settings).stats().papers == papers


def test_rebuild_reads_the_files_the_index_was_built_from(tmp_path, settings, monkeypatch):
    own = write_daily(tmp_path / "mine.txt", {"Paper Own": abstract("own")})
    ingest([own], settings, index=PaperIndex(settings, FakeEmbeddings()), progress=False)
    assert json.loads((settings.vectorstore_dir / MANIFEST).read_text())["files"]

    SharedSystemClient.clear_system_cache()
    monkeypatch.setattr(assistant.index.embeddings, "build_embeddings", lambda s: FakeEmbeddings())
    own_copy = tmp_path / "kept.txt"
    shutil.copy(own, own_copy)
    own.unlink()  # gone since: reported, not fatal, once another file remains
    ingest([own_copy], settings, index=reopen(settings), progress=False)
    result = rebuild(None, settings, progress=False)
    assert result.missing == [str(own)]
    titles = {m["title"] for _, m, _ in reopen(settings).iter_chunks()}
    assert titles == {"Paper Own"}


def test_a_failed_embedding_leaves_the_previous_index_usable(tmp_path, settings, bundled):
    before = bundled.stats()

    class FailingEmbeddings(FakeEmbeddings):
        def embed_documents(self, texts):
            if self.documents_embedded > 10:
                raise RuntimeError("out of memory")
            return super().embed_documents(texts)

    new = write_daily(tmp_path / "new.txt", {f"New {i}": abstract(f"new {i}") for i in range(20)})
    failing = PaperIndex(settings, FailingEmbeddings())
    with pytest.raises(RuntimeError):
        ingest([new], settings, index=failing, progress=False)

    index = reopen(settings)
    after = index.stats()
    assert after.papers >= before.papers
    bundled_titles = {m["title"] for _, m, _ in bundled.iter_chunks()}
    assert bundled_titles <= {m["title"] for _, m, _ in index.iter_chunks()}
    hits = HybridSearch(index, settings).search("open-world instance segmentation", 3)
    assert any("SegPrompt" in hit.title for hit in hits)


def test_a_failed_chroma_write_is_reported_and_keeps_what_was_there(
    tmp_path, settings, bundled, monkeypatch
):
    before = {cid for cid, _, _ in bundled.iter_chunks()}

    def refuse(*args, **kwargs):
        raise ChromaError("disk I/O error")

    monkeypatch.setattr(bundled.store, "add_documents", refuse)
    new = write_daily(tmp_path / "new.txt", {"New Paper": abstract("new")})
    with pytest.raises(IndexUnavailableError, match="written before are kept"):
        ingest([new], settings, index=bundled, progress=False)
    assert {cid for cid, _, _ in reopen(settings).iter_chunks()} == before


def test_a_truncated_model_file_is_a_clear_error(tmp_path):
    from assistant.models.local import LocalModel

    source = Path(tmp_path / "model.gguf")
    source.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\x00" * 4096)
    with pytest.raises(ModelError, match="truncated or corrupt"):
        LocalModel(Settings(model=source))
    not_gguf = tmp_path / "model.bin"
    not_gguf.write_bytes(b"PK\x03\x04 a zip, not a model")
    with pytest.raises(ModelError, match="not a GGUF file"):
        LocalModel(Settings(model=not_gguf))


def test_an_unreachable_index_server_is_named_and_no_rebuild_is_offered(tmp_path):
    from assistant.errors import IndexServerUnreachableError
    from assistant.index.client import open_client
    from tests.servers import free_port

    port = free_port()  # nothing listens there
    settings = Settings(vectorstore_dir=tmp_path / "vs", chroma_host="127.0.0.1", chroma_port=port)
    with pytest.raises(IndexServerUnreachableError) as refused:
        open_client(settings)
    message = str(refused.value)
    assert f"Cannot reach the Chroma server at http://127.0.0.1:{port}" in message
    assert "rebuild" not in message


class OverflowingLlama:
    """llama.cpp's refusal of a prompt longer than its context window, as it raises it."""

    input_ids = np.zeros(1536, dtype=np.intc)  # llama.cpp's buffer, n_ctx long
    n_tokens = 0  # nothing cached yet

    def create_chat_completion(self, **request):
        raise ValueError("Requested tokens (1700) exceed context window of 1536")
        yield  # a generator, as the streaming call is


def test_a_context_overflow_is_a_clear_error():
    from assistant.errors import ContextOverflowError
    from assistant.models.local import LocalModel

    model = LocalModel.__new__(LocalModel)  # no file to load: only the streaming path
    model.llm, model.n_ctx, model.seed = OverflowingLlama(), 1536, 0
    with pytest.raises(ContextOverflowError, match="context window of 1536 tokens"):
        list(model.stream_chat([{"role": "user", "content": "hi"}], 512, 0.0))


def test_the_context_window_holds_the_longest_answer_offered(tmp_path, fake_index):
    from assistant.answer.engine import Engine
    from assistant.retrieval.hybrid import HybridSearch
    from tests.fakes import FakeChatModel

    settings = Settings(vectorstore_dir=tmp_path / "vs", longest_answer_tokens=512)
    assert settings.context_window >= (
        400 + settings.context_budget_tokens + settings.history_budget_tokens + 512
    )
    ingest([write_daily(tmp_path / "a.txt", {"Zebra Paper": abstract("zebras")})],
           fake_index.settings, index=fake_index, progress=False)  # fmt: skip
    model = FakeChatModel(["Zebras [1]."])
    engine_settings = fake_index.settings.model_copy(
        update={"min_similarity": 0.0, "longest_answer_tokens": 512}
    )
    engine = Engine(engine_settings, fake_index, HybridSearch(fake_index, engine_settings),
                    lambda: model)  # fmt: skip
    engine.ask("What do zebras do?", max_answer_tokens=100_000)
    assert model.sampling[-1][0] == 512  # asked for more than fits: the longest that does
