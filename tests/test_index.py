"""The index with a fake embedder: idempotence, changes, prune, fingerprint, interruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import IndexMismatchError
from assistant.index.ingest import ingest
from assistant.index.store import PaperIndex
from assistant.records import paper_id_for
from tests.corpora import PAPERS, abstract, write_daily
from tests.fakes import FakeEmbeddings


def test_ingest_twice_adds_nothing(tmp_path, settings, fake_index):
    corpus = write_daily(tmp_path / "a.txt", PAPERS)
    first = ingest([corpus], settings, index=fake_index, progress=False)
    embedded = fake_index.embeddings.documents_embedded
    second = ingest([corpus], settings, index=fake_index, progress=False)

    assert first.report.papers_added == 3
    assert first.report.seconds > 0  # measured even without a progress bar
    assert second.report.papers_added == 0 and second.report.papers_unchanged == 3
    assert second.report.chunks_added == 0
    assert fake_index.embeddings.documents_embedded == embedded  # nothing re-embedded
    assert fake_index.stats().papers == 3


def test_chunks_carry_title_and_metadata(tmp_path, settings, fake_index):
    corpus = write_daily(tmp_path / "a.txt", {"Long One": abstract("long", sentences=40)})
    ingest([corpus], settings, index=fake_index, progress=False)
    chunks = list(fake_index.iter_chunks(include=("metadatas", "documents")))
    assert len(chunks) > 1
    for _, metadata, document in chunks:
        assert document.startswith("Long One\n")
        assert metadata["title"] == "Long One"
        assert [Path(s).name for s in json.loads(metadata["sources"])] == ["a.txt:line 5"]
    assert sorted(m["chunk"] for _, m, _ in chunks) == list(range(len(chunks)))


def test_changed_abstract_replaces_old_chunks(tmp_path, settings, fake_index):
    corpus = write_daily(tmp_path / "a.txt", PAPERS)
    ingest([corpus], settings, index=fake_index, progress=False)
    changed = {**PAPERS, "Paper Beta: A Study": "A completely rewritten abstract about zebras."}
    write_daily(corpus, changed)
    result = ingest([corpus], settings, index=fake_index, progress=False)

    assert result.report.papers_changed == 1
    documents = [d for _, _, d in fake_index.iter_chunks(include=("documents",))]
    beta = [d for d in documents if d.startswith("Paper Beta")]
    assert beta == ["Paper Beta: A Study\nA completely rewritten abstract about zebras."]
    assert fake_index.stats().papers == 3


def test_same_paper_in_two_files_remembers_both(tmp_path, settings, fake_index):
    first = write_daily(tmp_path / "a.txt", PAPERS)
    second = write_daily(
        tmp_path / "b.txt", {"Paper Alpha: A Study": PAPERS["Paper Alpha: A Study"]}
    )
    ingest([first], settings, index=fake_index, progress=False)
    ingest([second], settings, index=fake_index, progress=False)

    stats = fake_index.stats()
    assert stats.papers == 3
    alpha_id = paper_id_for("Paper Alpha: A Study")
    sources = json.loads(fake_index.papers([alpha_id])[alpha_id]["sources"])
    assert {Path(source.rsplit(":", 1)[0]).name for source in sources} == {"a.txt", "b.txt"}


def test_a_title_repeated_in_a_later_batch_keeps_the_first_text(tmp_path, settings, fake_index):
    many = {f"Paper {i}": abstract(f"topic {i}") for i in range(6)}  # batches of 4
    first = write_daily(tmp_path / "a.txt", many)
    second = write_daily(tmp_path / "b.txt", {"Paper 1": abstract("something else")})
    result = ingest([first, second], settings, index=fake_index, progress=False)

    assert result.read.papers == 6 and result.read.entries == 7
    assert result.report.papers_added == 6
    paper_id = paper_id_for("Paper 1")
    stored = fake_index.papers([paper_id])[paper_id]
    assert "topic 1" in stored["abstract"]
    sources = json.loads(stored["sources"])
    assert {Path(source.rsplit(":", 1)[0]).name for source in sources} == {"a.txt", "b.txt"}
    again = ingest([first, second], settings, index=fake_index, progress=False)
    assert again.report.papers_unchanged == 6 and again.report.chunks_added == 0
    assert json.loads(fake_index.papers([paper_id])[paper_id]["sources"]) == sources


def test_ingest_streams_in_batches(tmp_path, settings, fake_index, monkeypatch):
    """Never more than one batch of papers read ahead of what is written."""
    import assistant.index.ingest as ingest_module

    corpus = tmp_path / "big.jsonl"
    with corpus.open("w") as out:
        for i in range(50):
            out.write(json.dumps({"title": f"Paper {i}", "abstract": abstract(str(i))}) + "\n")
    pulled = 0
    ahead = []
    papers = ingest_module._papers

    def counting(paths, fmt):
        nonlocal pulled
        for paper in papers(paths, fmt):
            pulled += 1
            yield paper

    add_papers = fake_index.add_papers

    def recording(batch, files_read, report, written):
        ahead.append(pulled - len(written))
        add_papers(batch, files_read, report, written)

    monkeypatch.setattr(ingest_module, "_papers", counting)
    monkeypatch.setattr(fake_index, "add_papers", recording)
    result = ingest([corpus], settings, index=fake_index, progress=False)
    assert result.report.papers_added == 50
    assert max(ahead) <= settings.ingest_batch_papers


def test_prune_removes_papers_gone_from_their_file(tmp_path, settings, fake_index):
    corpus = write_daily(tmp_path / "a.txt", PAPERS)
    other = write_daily(tmp_path / "b.txt", {"Paper Other": abstract("other")})
    ingest([corpus, other], settings, index=fake_index, progress=False)
    write_daily(corpus, {k: v for k, v in PAPERS.items() if "Gamma" not in k})

    kept = ingest([corpus], settings, index=fake_index, progress=False)
    assert kept.report.papers_pruned == 0 and fake_index.stats().papers == 4  # no --prune
    pruned = ingest([corpus], settings, index=fake_index, prune=True, progress=False)
    assert pruned.report.papers_pruned == 1
    titles = {m["title"] for _, m, _ in fake_index.iter_chunks()}
    assert titles == {"Paper Alpha: A Study", "Paper Beta: A Study", "Paper Other"}


def test_prune_skips_a_file_with_problems(tmp_path, settings, fake_index):
    corpus = tmp_path / "a.jsonl"
    lines = [json.dumps({"title": t, "abstract": a}) for t, a in PAPERS.items()]
    corpus.write_text("\n".join(lines) + "\n")
    ingest([corpus], settings, index=fake_index, progress=False)
    corpus.write_text("\n".join(lines[:2]) + '\n{"title": "Paper Gam')  # truncated last line
    result = ingest([corpus], settings, index=fake_index, prune=True, progress=False)
    assert result.read.problems
    assert result.report.papers_pruned == 0 and fake_index.stats().papers == 3


def test_fingerprint_mismatch_is_refused(tmp_path, settings, fake_index):
    ingest([write_daily(tmp_path / "a.txt", PAPERS)], settings, index=fake_index, progress=False)
    changed = settings.model_copy(update={"chunk_size_tokens": settings.chunk_size_tokens * 2})
    with pytest.raises(IndexMismatchError, match=r"chunk_size_tokens.*--rebuild"):
        PaperIndex(changed, FakeEmbeddings())
    rebuilt = PaperIndex(changed, FakeEmbeddings(), rebuild=True)
    assert rebuilt.stats().papers == 0


def test_strict_writes_nothing(tmp_path, settings, fake_index):
    corpus = write_daily(tmp_path / "a.txt", PAPERS)
    ingest([corpus], settings, index=fake_index, progress=False)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "New Paper", "abstract": "Fine."}\n{"title": "Broken"\n')
    from assistant.errors import CorpusError

    with pytest.raises(CorpusError, match=r"bad\.jsonl"):
        ingest([bad], settings, index=fake_index, strict=True, progress=False)
    assert fake_index.stats().papers == 3


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from assistant.config import Settings
    from assistant.index.store import PaperIndex
    from assistant.index.ingest import ingest
    from tests.fakes import FakeEmbeddings

    class DyingEmbeddings(FakeEmbeddings):
        def embed_documents(self, texts):
            if self.documents_embedded >= {limit}:
                os.kill(os.getpid(), signal.SIGKILL)  # as abrupt as a power cut
            return super().embed_documents(texts)

    settings = Settings(vectorstore_dir={store!r}, ingest_batch_papers=5)
    index = PaperIndex(settings, DyingEmbeddings())
    ingest([{corpus!r}], settings, index=index, progress=False)
    """
)


@pytest.mark.parametrize("fmt", ["daily", "jsonl"])
def test_killed_ingest_leaves_an_index_that_completes(tmp_path, fmt):
    papers = {f"Paper {i}": abstract(f"topic {i}") for i in range(40)}
    if fmt == "daily":
        corpus = write_daily(tmp_path / "many.txt", papers)
    else:  # with a repeated title, which must not become a second paper
        corpus = tmp_path / "many.jsonl"
        rows = [{"title": t, "abstract": a} for t, a in papers.items()]
        rows.insert(30, {"title": "Paper 3", "abstract": abstract("a repeat")})
        corpus.write_text("".join(json.dumps(row) + "\n" for row in rows))
    store = tmp_path / "vectorstore"
    script = KILLER.format(
        root=str(Path(__file__).resolve().parent.parent),
        limit=12,
        store=str(store),
        corpus=str(corpus),
    )
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()

    settings = Settings(vectorstore_dir=store, ingest_batch_papers=5)
    index = PaperIndex(settings, FakeEmbeddings())  # opens
    partial = index.stats().papers
    assert 0 < partial < 40
    result = ingest([corpus], settings, index=index, progress=False)
    assert result.report.papers_added == 40 - partial
    assert index.stats().papers == 40
    clean = PaperIndex(Settings(vectorstore_dir=tmp_path / "clean"), FakeEmbeddings())
    ingest([corpus], clean.settings, index=clean, progress=False)
    resumed_chunks = {cid: meta for cid, meta, _ in index.iter_chunks()}
    assert resumed_chunks == {cid: meta for cid, meta, _ in clean.iter_chunks()}
    assert os.path.isdir(store)
