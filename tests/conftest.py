from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.index import PaperIndex
from tests.fakes import FakeEmbeddings


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
    from assistant.index import open_index
    from assistant.ingest import ingest

    index = open_index(real_settings)
    ingest(None, real_settings, index=index, progress=False)
    return index


@pytest.fixture(scope="session")
def bundled_search(bundled_index, real_settings):
    from assistant.retrieval import HybridSearch

    return HybridSearch(bundled_index, real_settings)


@pytest.fixture(scope="session")
def served_ui(bundled_index, bundled_search, real_settings):
    """The real app (real model, bundled corpus) served in-process on a free local port."""
    import socket

    from assistant.llm import LocalModel
    from assistant.pipeline import Engine
    from assistant.ui import build_ui, launch

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
