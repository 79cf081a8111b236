"""The persistent Chroma index of paper chunks, with its compatibility fingerprint."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from chromadb.errors import ChromaError
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from tqdm import tqdm

from assistant.config import Settings
from assistant.corpus.reading import merge_paper
from assistant.errors import AssistantError, IndexMismatchError, SharedIndexError
from assistant.index.chunking import TOKEN_ENCODING, build_splitter, chunk_paper
from assistant.index.client import open_client, store_errors
from assistant.index.sentences import SentenceVectors
from assistant.records import PARSER_VERSION, Paper, source_path

log = logging.getLogger(__name__)

FINGERPRINT_PREFIX = "fp:"
READ_PAGE = 5000


def fingerprint(settings: Settings, embeddings: Embeddings) -> dict[str, str | int]:
    """What makes two indexes incompatible: mixing their vectors or chunks would be wrong."""
    return {
        "embedding_model": getattr(embeddings, "model_id", type(embeddings).__name__),
        "chunk_size_tokens": settings.chunk_size_tokens,
        "chunk_overlap_tokens": settings.chunk_overlap_tokens,
        "token_encoding": TOKEN_ENCODING,
        "parser_version": PARSER_VERSION,
    }


@dataclass
class IngestReport:
    papers_added: int = 0
    papers_changed: int = 0
    papers_unchanged: int = 0
    papers_pruned: int = 0
    papers_skipped: int = 0  # on the removal list (removals.py): read, not indexed
    chunks_added: int = 0
    chunks_removed: int = 0
    sentences_embedded: int = 0  # sentence vectors kept for evidence (index/sentences.py)
    seconds: float = 0.0

    @property
    def papers_seen(self) -> int:
        return self.papers_added + self.papers_changed + self.papers_unchanged


@dataclass
class IndexStats:
    papers: int
    chunks: int
    sources: dict[str, int]
    fingerprint: dict[str, Any]
    path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class PaperIndex:
    """Chunks of papers in a Chroma collection, through LangChain's Chroma vector store."""

    def __init__(
        self,
        settings: Settings,
        embeddings: Embeddings,
        *,
        rebuild: bool = False,
        drop_shared: bool = False,
    ):
        """``rebuild`` deletes the collection first; on a Chroma server, where other
        assistants may share it, only together with ``drop_shared``."""
        self.settings = settings
        self.embeddings = embeddings
        # What evidence selection embeds sentences with: read back when ingest kept them.
        self.sentences = SentenceVectors(embeddings, settings.sentence_vectors_file)
        self.fingerprint = fingerprint(settings, embeddings)
        self.client = open_client(settings)
        with store_errors(settings, "opening its collection"):
            if rebuild:
                if settings.chroma_host and not drop_shared:
                    raise SharedIndexError(self._refusal())
                self._drop_collection()
            self._check_fingerprint()
            self.store = self._open_store()
            # The collection the LangChain store just created or opened, through Chroma's
            # public API (for paged reads, metadata updates and queries by vector).
            self.collection = self.client.get_collection(self.settings.collection)
        self.splitter = build_splitter(settings)

    def _open_store(self) -> Chroma:
        return Chroma(
            collection_name=self.settings.collection,
            embedding_function=self.embeddings,
            client=self.client,
            collection_metadata={
                FINGERPRINT_PREFIX + key: value for key, value in self.fingerprint.items()
            },
            collection_configuration={"hnsw": {"space": "cosine"}},
        )

    def _refusal(self) -> str:
        """What a rebuild on a server would delete, and how to ask for it."""
        try:
            collection = self.client.get_collection(self.settings.collection)
        except (ValueError, ChromaError):  # not there: nothing would be deleted
            return (
                f"The collection {self.settings.collection!r} does not exist on "
                f"{self.settings.index_location}; run `assistant ingest` without --rebuild."
            )
        chunks = collection.count()
        papers = len(collection.get(where={"chunk": 0}, include=[])["ids"])
        return (
            f"This would delete the collection {self.settings.collection!r} on the Chroma "
            f"server {self.settings.index_location}: {papers} papers in {chunks} chunks, "
            "shared by every assistant pointed at that server, and refill it from this "
            "machine's files only. If that is what you want, repeat the command with "
            "--drop-shared-collection."
        )

    def _drop_collection(self) -> None:
        if self.settings.collection in {c.name for c in self.client.list_collections()}:
            log.info("Deleting collection %s for a rebuild", self.settings.collection)
            self.client.delete_collection(self.settings.collection)

    def _check_fingerprint(self) -> None:
        existing = {c.name: c for c in self.client.list_collections()}
        if self.settings.collection not in existing:
            return
        metadata = existing[self.settings.collection].metadata or {}
        stored = {
            key[len(FINGERPRINT_PREFIX) :]: value
            for key, value in metadata.items()
            if key.startswith(FINGERPRINT_PREFIX)
        }
        differences = [
            f"{key}: index has {stored.get(key)!r}, settings say {value!r}"
            for key, value in self.fingerprint.items()
            if stored.get(key) != value
        ]
        if differences:
            raise IndexMismatchError(
                f"The index in {self.settings.index_location} was built with other settings "
                f"({'; '.join(differences)}). Rebuild it with `assistant ingest --rebuild` "
                "(re-embeds everything), or go back to the settings it was built with."
            )

    # Reading

    def iter_chunks(
        self, include: Iterable[str] = ("metadatas",), where: dict | None = None
    ) -> Iterator[tuple[str, dict[str, Any], str | None]]:
        """Every (chunk id, metadata, document) in pages, so a large index is not read at once."""
        include = list(include)
        offset = 0
        while True:
            with store_errors(self.settings, "reading"):
                page = self.collection.get(
                    include=include, where=where, limit=READ_PAGE, offset=offset
                )
            ids = page["ids"]
            if not ids:
                return
            documents = page.get("documents") or [None] * len(ids)
            yield from zip(ids, page["metadatas"] or [{}] * len(ids), documents, strict=True)
            offset += len(ids)

    def chunks_of(self, paper_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
        """paper id -> {chunk id: metadata} for the papers given that are indexed."""
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for start in range(0, len(paper_ids), 500):
            where = {"paper_id": {"$in": paper_ids[start : start + 500]}}
            for chunk_id, metadata, _ in self.iter_chunks(where=where):
                found.setdefault(metadata["paper_id"], {})[chunk_id] = metadata
        return found

    def papers(self, paper_ids: list[str]) -> dict[str, dict[str, Any]]:
        """paper id -> the metadata of its first chunk (title, abstract, sources...)."""
        if not paper_ids:
            return {}
        where = {"$and": [{"paper_id": {"$in": paper_ids}}, {"chunk": 0}]}
        return {metadata["paper_id"]: metadata for _, metadata, _ in self.iter_chunks(where=where)}

    def records_of(self, paper_ids: Iterable[str]) -> list[dict[str, Any]]:
        """The stored records of the papers given that are indexed, in the order given."""
        paper_ids = list(paper_ids)
        found = self.papers(paper_ids)
        return [found[paper_id] for paper_id in paper_ids if paper_id in found]

    def known_papers(self, paper_ids: list[str], consequence: str = "") -> dict[str, dict]:
        """``papers(paper_ids)`` when every id is indexed, else an error naming those that
        are not (``consequence`` says what was therefore not done)."""
        found = self.papers(paper_ids)
        if unknown := [paper_id for paper_id in paper_ids if paper_id not in found]:
            raise AssistantError(
                f"No indexed paper has the id(s) {', '.join(unknown)}{consequence}. "
                "`assistant papers list` and `assistant search --json` show the ids."
            )
        return found

    def catalogue(self) -> list[dict[str, Any]]:
        """Every indexed paper's record without its abstract, by title: what `assistant
        papers list` shows (read a page at a time, from each paper's first chunk)."""
        papers = [
            {
                "paper_id": metadata["paper_id"],
                "title": metadata["title"],
                "date": metadata.get("date", ""),
                "sources": [source_path(s) for s in json.loads(metadata["sources"])],
                "url": metadata.get("url", ""),
                "arxiv_id": metadata.get("arxiv_id", ""),
                "chunks": metadata.get("n_chunks", 1),
            }
            for _, metadata, _ in self.iter_chunks(where={"chunk": 0})
        ]
        return sorted(papers, key=lambda paper: (paper["title"].lower(), paper["paper_id"]))

    def stats(self) -> IndexStats:
        paper_ids: set[str] = set()
        sources: Counter[str] = Counter()
        chunks = 0
        for _, metadata, _ in self.iter_chunks():
            chunks += 1
            if metadata.get("chunk") == 0:
                paper_ids.add(metadata["paper_id"])
                sources.update({source_path(s) for s in json.loads(metadata["sources"])})
        return IndexStats(
            papers=len(paper_ids),
            chunks=chunks,
            sources=dict(sorted(sources.items())),
            fingerprint=self.fingerprint,
            path=self.settings.index_location,
        )

    # Writing

    def add_papers(
        self,
        papers: list[Paper],
        files_read: set[str],
        report: IngestReport,
        written: set[str] | None = None,
    ) -> None:
        """Write one batch: new chunks first, then metadata, then stale chunks out.

        In that order an interrupted batch leaves extra chunks at worst, never a paper
        without any; re-running the ingest finishes the job (ids are content-derived).
        ``written``: ids this run already wrote; a paper seen again (the same title in
        another entry or file) only adds its sources, as the first one keeps its text.
        """
        written = set() if written is None else written
        existing = self.chunks_of([paper.paper_id for paper in papers])
        new_documents: list[Document] = []
        metadata_updates: dict[str, dict[str, Any]] = {}
        stale_ids: list[str] = []
        abstracts: list[str] = []  # of the papers whose text this batch writes
        for paper in papers:
            old_chunks = existing.get(paper.paper_id, {})
            if paper.paper_id in written:
                sources = _merged_sources(old_chunks, paper, set())
                for chunk_id, metadata in old_chunks.items():
                    if metadata["sources"] != sources:
                        metadata_updates[chunk_id] = {**metadata, "sources": sources}
                continue
            written.add(paper.paper_id)
            abstracts.append(paper.abstract)
            documents = chunk_paper(paper, self.splitter)
            sources = _merged_sources(old_chunks, paper, files_read)
            for document in documents:
                document.metadata["sources"] = sources
                old = old_chunks.get(document.id)
                if old is None:
                    new_documents.append(document)
                elif old != document.metadata:
                    metadata_updates[document.id] = document.metadata
            new_ids = {document.id for document in documents}
            stale_ids.extend(chunk_id for chunk_id in old_chunks if chunk_id not in new_ids)
            if not old_chunks:
                report.papers_added += 1
            elif set(old_chunks) != new_ids:
                report.papers_changed += 1
            else:
                report.papers_unchanged += 1
        with store_errors(self.settings, "writing (papers written before are kept)"):
            if new_documents:
                self.store.add_documents(new_documents, ids=[d.id for d in new_documents])
            if metadata_updates:
                self.collection.update(
                    ids=list(metadata_updates), metadatas=list(metadata_updates.values())
                )
            if stale_ids:
                self.collection.delete(ids=stale_ids)
        report.chunks_added += len(new_documents)
        report.chunks_removed += len(stale_ids)
        # Every paper's sentences, also of papers already indexed (an index built before
        # sentence vectors were kept gets them on its next ingest); those kept are skipped.
        report.sentences_embedded += self.sentences.fill(abstracts)

    def prune(self, kept_paper_ids: set[str], files_read: set[str], report: IngestReport) -> None:
        """Forget sources in ``files_read`` that no longer hold a paper; drop orphaned papers."""
        orphan_ids: list[str] = []
        updates: dict[str, dict[str, Any]] = {}
        for chunk_id, metadata, _ in self.iter_chunks():
            if metadata["paper_id"] in kept_paper_ids:
                continue
            sources = json.loads(metadata["sources"])
            remaining = [s for s in sources if source_path(s) not in files_read]
            if len(remaining) == len(sources):
                continue
            if remaining:
                updates[chunk_id] = {**metadata, "sources": json.dumps(remaining)}
            else:
                orphan_ids.append(chunk_id)
                report.papers_pruned += metadata.get("chunk") == 0
        with store_errors(self.settings, "pruning"):
            if updates:
                self.collection.update(ids=list(updates), metadatas=list(updates.values()))
            if orphan_ids:
                self.collection.delete(ids=orphan_ids)
        report.chunks_removed += len(orphan_ids)

    def delete_papers(self, paper_ids: list[str]) -> None:
        """Every chunk of the papers given out of the collection (ids it lacks are ignored)."""
        with store_errors(self.settings, "removing papers"):
            for start in range(0, len(paper_ids), 500):
                where = {"paper_id": {"$in": paper_ids[start : start + 500]}}
                self.collection.delete(where=where)

    def write(
        self,
        papers: Iterable[Paper],
        files_read: set[str],
        *,
        total: int | None = None,
        prune: bool = False,
        prune_files: set[str] | None = None,
        progress: bool = True,
    ) -> IngestReport:
        """Index ``papers`` (read from ``files_read``; streamed) in batches, with progress.

        ``total``: the number of distinct papers, for the progress bar. With ``prune``,
        papers that ``prune_files`` (default: all files read) no longer hold lose that
        source, and are removed when no source is left.
        """
        report = IngestReport()
        started = time.perf_counter()
        written: set[str] = set()
        with tqdm(total=total, unit="paper", desc="Indexing", disable=not progress) as bar:
            for batch in batched(papers, self.settings.ingest_batch_papers):
                before = len(written)
                self.add_papers(_merged_batch(batch), files_read, report, written)
                bar.update(len(written) - before)
        report.seconds = time.perf_counter() - started
        if prune:
            self.prune(written, files_read if prune_files is None else prune_files, report)
        return report


def batched(items: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    """Lists of ``size`` items (the last may be shorter), pulled lazily."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _merged_batch(papers: Iterable[Paper]) -> list[Paper]:
    """One paper per id within a batch: a repeat only adds its sources to the first."""
    by_id: dict[str, Paper] = {}
    for paper in papers:
        merge_paper(by_id, paper)
    return list(by_id.values())


def _merged_sources(
    old_chunks: dict[str, dict[str, Any]], paper: Paper, files_read: set[str]
) -> str:
    """The paper's sources: what this run read, plus what earlier runs read from other files."""
    earlier: set[str] = set()
    for metadata in old_chunks.values():
        earlier.update(json.loads(metadata["sources"]))
    kept = {source for source in earlier if source_path(source) not in files_read}
    return json.dumps(sorted(kept | {str(source) for source in paper.sources}))


def open_index(
    settings: Settings, *, rebuild: bool = False, drop_shared: bool = False
) -> PaperIndex:
    """The index the settings describe, with the embedder they name."""
    from assistant.index.embeddings import build_embeddings

    return PaperIndex(
        settings, build_embeddings(settings), rebuild=rebuild, drop_shared=drop_shared
    )
