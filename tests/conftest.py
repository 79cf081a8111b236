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
