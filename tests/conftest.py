from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.index.store import PaperIndex
from tests.corpora import ZEBRA_PAPERS, write_daily
from tests.fakes import FakeChatModel, FakeEmbeddings

# A developer without some prerequisite may skip its tests explicitly; CI never sets this.
OPT_OUT = "ASSISTANT_TESTS_SKIP_MISSING"


def require(available: bool, what: str, how: str) -> None:
    """Fail (not skip) a test whose prerequisite is missing, naming it and how to get it.

    A silent skip would let `make test` pass without testing; a developer may opt out by
    setting ASSISTANT_TESTS_SKIP_MISSING=1, and then the test is skipped with the reason.
    """
    if available:
        return
    message = f"{what} is missing: {how}"
    if os.environ.get(OPT_OUT):
        pytest.skip(message)
    pytest.fail(f"{message} (or set {OPT_OUT}=1 to skip this test on purpose)", pytrace=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose index lives in a fresh temporary folder."""
    return Settings(vectorstore_dir=tmp_path / "vectorstore", ingest_batch_papers=4)


@pytest.fixture
def fake_index(settings: Settings) -> PaperIndex:
    return PaperIndex(settings, FakeEmbeddings())


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(vectorstore_dir=tmp_path_factory.mktemp("real") / "vectorstore")


@pytest.fixture(scope="session")
def bundled_index(real_settings: Settings):
    """The bundled corpus in a real index: real embedder, real Chroma on disk (built once)."""
    from assistant.index.ingest import ingest
    from assistant.index.store import open_index

    index = open_index(real_settings)
    ingest(None, real_settings, index=index, progress=False)
    return index


@pytest.fixture(scope="session")
def bundled_search(bundled_index, real_settings):
    from assistant.retrieval.hybrid import HybridSearch

    return HybridSearch(bundled_index, real_settings)


@pytest.fixture(scope="session")
def served_ui(bundled_index, bundled_search, real_settings):
    """The real app (real model, bundled corpus) served in-process on a free local port."""
    import socket

    from assistant.answer.engine import Engine
    from assistant.models.local import LocalModel
    from assistant.ui.page import build_ui, launch

    # Small enough for a test to exceed without writing megabytes.
    settings = real_settings.model_copy(update={"max_upload_mb": 0.5})
    engine = Engine(settings, bundled_index, bundled_search, lambda: LocalModel(settings))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo = build_ui(engine)
    launch(demo, engine, port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture
def ui_with(tmp_path, settings, fake_index):
    """(handlers, model) over ZEBRA_PAPERS, the model replying from ``replies``."""
    from assistant.answer.engine import Engine
    from assistant.index.ingest import ingest
    from assistant.retrieval.hybrid import HybridSearch
    from assistant.ui.page import ChatHandlers

    ingest(
        [write_daily(tmp_path / "a.txt", ZEBRA_PAPERS)], settings, index=fake_index, progress=False
    )

    def build(*replies: str, **overrides) -> tuple:
        model = FakeChatModel(list(replies))
        # The quote that opens an answer is tested on its own (quote_first=True there).
        engine_settings = settings.model_copy(
            update={
                "min_similarity": 0.2,
                "similarity_margin": 1.0,
                "quote_first": False,
                **overrides,
            }
        )
        search = HybridSearch(fake_index, engine_settings)
        return ChatHandlers(Engine(engine_settings, fake_index, search, lambda: model)), model

    return build


@pytest.fixture
def loopback_only(monkeypatch):
    """Connections anywhere but this machine fail (the app and the client included)."""
    attempts = []
    connect = socket.socket.connect

    def local_only(sock, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(address)
            raise ConnectionRefusedError(f"network access attempted: {address!r}")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", local_only)
    yield
    assert attempts == []
