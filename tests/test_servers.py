"""Shared servers: the index in a Chroma server, the answering model behind llama_cpp.server."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from assistant.config import BUNDLED_CORPUS_DIR, Settings
from assistant.corpus.reading import read_corpus
from assistant.index.ingest import ingest
from assistant.index.store import PaperIndex
from assistant.retrieval.hybrid import HybridSearch
from tests.servers import BIN, chroma_server

pytestmark = pytest.mark.integration

QUESTIONS = [
    "open-world instance segmentation",
    "remote sensing change detection",
    "self-play fine-tuning of language models",
]


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    """40 bundled papers as JSON Lines: enough to rank, quick to embed."""
    papers = read_corpus([BUNDLED_CORPUS_DIR]).papers
    chosen = [p for p in papers if any(w in p.title for w in ("SegPrompt", "SPIN", "Change"))]
    chosen += [p for p in papers if p not in chosen][: 40 - len(chosen)]
    path = tmp_path_factory.mktemp("corpus") / "small.jsonl"
    path.write_text(
        "".join(json.dumps({"title": p.title, "abstract": p.abstract}) + "\n" for p in chosen)
    )
    return path


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "assistant"), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
    )


def test_chroma_server_is_shared_and_behaves_like_the_embedded_store(tmp_path, small_corpus):
    with chroma_server(tmp_path / "chroma") as port:
        server = {
            "ASSISTANT_CHROMA_HOST": "127.0.0.1",
            "ASSISTANT_CHROMA_PORT": str(port),
            "ASSISTANT_VECTORSTORE_DIR": str(tmp_path / "client-a"),
        }
        ingested = cli("ingest", "--quiet", str(small_corpus), env=server)
        assert ingested.returncode == 0, ingested.stderr
        # A second assistant, another process with its own folder, sees the same index.
        other = {**server, "ASSISTANT_VECTORSTORE_DIR": str(tmp_path / "client-b")}
        stats = cli("stats", "--json", env=other)
        assert stats.returncode == 0, stats.stderr
        assert json.loads(stats.stdout)["papers"] == 40
        # Rebuilding would drop the collection every assistant shares: refused, with what
        # it would delete, unless asked for explicitly; nothing is lost meanwhile.
        for command in (["rebuild", "--quiet"], ["ingest", "--rebuild", "--quiet"]):
            refused = cli(*command, str(small_corpus), env=other)
            assert refused.returncode == 1
            assert "would delete the collection 'papers'" in refused.stderr
            assert "40 papers" in refused.stderr and "--drop-shared-collection" in refused.stderr
        assert json.loads(cli("stats", "--json", env=other).stdout)["papers"] == 40
        rebuilt = cli(
            "rebuild", "--quiet", "--drop-shared-collection", str(small_corpus), env=other
        )
        assert rebuilt.returncode == 0, rebuilt.stderr
        served = {}
        for question in QUESTIONS:
            found = cli("search", "--json", "-k", "3", question, env=other)
            assert found.returncode == 0, found.stderr
            served[question] = [hit["title"] for hit in json.loads(found.stdout)["results"]]

    # The server gone: the message says it is unreachable and where, and offers no rebuild.
    gone = cli("stats", env=other)
    assert (
        gone.returncode == 1
        and f"Cannot reach the Chroma server at http://127.0.0.1:{port}" in gone.stderr
    )
    assert "rebuild" not in gone.stderr

    settings = Settings(vectorstore_dir=tmp_path / "embedded")
    from assistant.index.store import open_index

    index: PaperIndex = open_index(settings)
    ingest([small_corpus], settings, index=index, progress=False)
    search = HybridSearch(index, settings)
    embedded = {q: [hit.title for hit in search.search(q, 3)] for q in QUESTIONS}
    assert served == embedded
    assert "SegPrompt" in served[QUESTIONS[0]][0]


def test_an_unreachable_chroma_server_is_a_clear_error(tmp_path):
    from tests.servers import free_port

    env = {"ASSISTANT_CHROMA_HOST": "127.0.0.1", "ASSISTANT_CHROMA_PORT": str(free_port())}
    result = cli("stats", env={**env, "ASSISTANT_VECTORSTORE_DIR": str(tmp_path / "v")})
    assert result.returncode == 1
    assert "Cannot reach the Chroma server at http://127.0.0.1" in result.stderr
    assert "rebuild" not in result.stderr  # nothing to rebuild: the server is away
    assert "Traceback" not in result.stderr


def test_answers_through_llama_cpp_server(tmp_path, bundled_index, real_settings):
    """Generation on llama-cpp-python's own OpenAI-compatible server, citations checked here."""
    from assistant.answer.engine import build_engine
    from assistant.models.local import resolve_model_path
    from tests.servers import free_port, running

    model_path = resolve_model_path(real_settings)
    port = free_port()
    command = [
        str(BIN / "python"),
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
    ]
    url = f"http://127.0.0.1:{port}/v1"
    with running(command, f"{url}/models", tmp_path / "llama-server.log"):
        settings = real_settings.model_copy(update={"model_server_url": url})
        engine = build_engine(settings)
        pieces = list(engine.stream("What does SegPrompt propose for open-world segmentation?"))
        answer = pieces[-1]
        assert engine.model.describe()["backend"] == f"server {url}"
        assert not answer.abstained and answer.citations
        retrieved = {hit.paper_id for hit in answer.papers}
        assert set(answer.cited_paper_ids) <= retrieved
        assert any("SegPrompt" in citation.title for citation in answer.citations)
        streamed = "".join(p for p in pieces[:-1] if isinstance(p, str)).strip()
        # Streamed a checked sentence at a time, then the final answer.
        assert len(pieces) >= 2 and answer.text.startswith(streamed[:40])
        assert answer.timings["ttft_ms"] > 0

        unrelated = engine.ask("What is the recommended dosage of ibuprofen for children?")
        assert unrelated.abstained and not unrelated.citations
