"""Nothing reaches the network: ingest and search with sockets blocked."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys

import pytest

from assistant.config import BUNDLED_CORPUS_DIR, Settings
from tests.conftest import require

pytestmark = pytest.mark.integration


class NetworkAttempt(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Every way Python code could open a connection or resolve a name raises."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise NetworkAttempt(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert attempts == []


def test_ingest_and_search_in_process_with_sockets_blocked(tmp_path, no_network):
    from assistant.index.ingest import ingest
    from assistant.index.store import open_index
    from assistant.retrieval.hybrid import HybridSearch

    settings = Settings(vectorstore_dir=tmp_path / "vectorstore")
    corpus = tmp_path / "one.txt"
    text = (BUNDLED_CORPUS_DIR / "daily_papers_oct09.txt").read_text(encoding="utf-8")
    corpus.write_text(text[:6000], encoding="utf-8")  # the first few papers suffice here
    index = open_index(settings)
    result = ingest([corpus], settings, index=index, progress=False)
    assert result.report.papers_added >= 2
    hits = HybridSearch(index, settings).search("open-world instance segmentation")
    assert hits[0].title.startswith("SegPrompt")


def test_cli_in_a_network_namespace_without_any_network(tmp_path):
    """The real command line in a namespace with no network at all (Rust code included)."""
    require(shutil.which("unshare") is not None, "unshare", "install util-linux")
    allowed = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    require(
        allowed.returncode == 0,
        "Permission to make a network namespace (`unshare -rn`)",
        f"this machine refused it ({allowed.stderr.decode(errors='replace').strip()})",
    )
    corpus = tmp_path / "one.txt"
    text = (BUNDLED_CORPUS_DIR / "daily_papers_oct09.txt").read_text(encoding="utf-8")
    corpus.write_text(text[:6000], encoding="utf-8")
    base = [
        "unshare",
        "-rn",
        sys.executable,
        "-m",
        "assistant.cli",
        "--index",
        str(tmp_path / "vs"),
    ]
    ingest = subprocess.run(
        [*base, "ingest", "--quiet", str(corpus)], capture_output=True, text=True, timeout=600
    )
    assert ingest.returncode == 0, ingest.stderr
    search = subprocess.run(
        [*base, "search", "--json", "open-world instance segmentation"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)["results"][0]["title"].startswith("SegPrompt")
