"""Hybrid search: dense (Chroma) and BM25 rankings fused by relative score, grouped by paper."""

from __future__ import annotations

import json
import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.config import Settings
from assistant.index.client import store_errors
from assistant.index.store import READ_PAGE, PaperIndex
from assistant.retrieval.bm25 import BM25
from assistant.retrieval.scope import Scope, Selection
from assistant.text import (
    HYPHENS,
    WORD,
    build_vocabulary,
    singular,
    split_sentences,
    tokenize,
    vocabulary_forms,
)

log = logging.getLogger(__name__)

SNIPPET_CHARS = 320
# A scope of at most this many chunks is searched exactly over its own vectors (about
# 15 MB of them at this size), not through Chroma's slower where filter.
SCOPE_EXACT_CHUNKS = 10_000


@dataclass
class PaperHit:
    """One paper found by a search: its fused score and the passages that matched."""

    paper_id: str
    title: str
    score: float
    dense_similarity: float = 0.0
    bm25_score: float = 0.0
    introduction_score: float = 0.0
    passages: list[str] = field(default_factory=list)
    snippet: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def sources(self) -> list[str]:
        return json.loads(self.metadata.get("sources", "[]"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "paper_id": self.paper_id,
            "score": round(self.score, 6),
            "snippet": self.snippet,
        }


def best_snippet(query: str, passages: list[str], limit: int = SNIPPET_CHARS) -> str:
    """The sentence (and its neighbour, room allowing) sharing most query terms."""
    terms = set(tokenize(query))
    sentences = [s for passage in passages for s in split_sentences(passage)]
    if not sentences:
        return ""
    overlaps = [len(terms & set(tokenize(sentence))) for sentence in sentences]
    best = int(np.argmax(overlaps))
    snippet = sentences[best]
    if best + 1 < len(sentences) and len(snippet) + len(sentences[best + 1]) < limit:
        snippet += " " + sentences[best + 1]
    return snippet if len(snippet) <= limit else snippet[: limit - 1].rsplit(" ", 1)[0] + "…"


def _body(chunk_text: str) -> str:
    """A chunk's text without the title line every chunk starts with."""
    return chunk_text.split("\n", 1)[1] if "\n" in chunk_text else chunk_text


@dataclass(frozen=True)
class ChunkTable:
    """What Chroma held at the last refresh, with its BM25 index: replaced whole, never edited."""

    ids: list[str]
    texts: list[str]
    metadata: list[dict[str, Any]]
    position: dict[str, int]
    bm25: BM25
    vocabulary: set[str]
    chunks_of_paper: dict[str, list[int]]  # paper id -> its chunks' positions
    papers: list[str]  # paper ids, in the order of ``introductions``
    introductions: BM25  # per paper: its title and the sentences that state its contribution
    dates: frozenset[str]  # the dates the records carry: the days of the listings
    # What the collection abbreviates, as it writes it out: "sft" -> {"supervised fine tuning"}
    acronyms: dict[str, frozenset[str]] = field(default_factory=dict)
    # Scopes resolved and their BM25 masks: a scope is usually kept for several questions,
    # and this table (so this cache) is replaced whole when the index changes.
    scoped: dict[Any, Any] = field(default_factory=dict, compare=False)


class HybridSearch:
    """Dense and lexical retrieval over one index; the BM25 side is built from Chroma itself.

    A refresh builds a new ``ChunkTable`` and swaps it in with one assignment, and each
    search reads the table once, so searches running while papers are added stay consistent.
    """

    def __init__(self, index: PaperIndex, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the BM25 side from what Chroma holds now (after every write)."""
        started = time.perf_counter()
        ids: list[str] = []
        texts: list[str] = []
        metadata: list[dict[str, Any]] = []
        for chunk_id, chunk_metadata, document in self.index.iter_chunks(
            include=("metadatas", "documents")
        ):
            ids.append(chunk_id)
            texts.append(document or "")
            metadata.append(chunk_metadata)
        chunks_of_paper: dict[str, list[int]] = defaultdict(list)
        for position, chunk_metadata in enumerate(metadata):
            chunks_of_paper[chunk_metadata["paper_id"]].append(position)
        papers = list(chunks_of_paper)
        self.chunks = ChunkTable(
            ids,
            texts,
            metadata,
            {chunk_id: i for i, chunk_id in enumerate(ids)},
            BM25(texts),
            build_vocabulary(texts),
            dict(chunks_of_paper),
            papers,
            BM25([introduction(metadata, chunks_of_paper[paper]) for paper in papers]),
            frozenset(str(record["date"]) for record in metadata if record.get("date")),
            collection_acronyms(texts),
        )
        log.info("BM25 over %d chunks built in %.2f s", len(ids), time.perf_counter() - started)

    @property
    def vocabulary(self) -> set[str]:
        return self.chunks.vocabulary

    def term_weight(self, term: str) -> float | None:
        """BM25's idf of a (tokenized) term over the chunks; None when no chunk has it."""
        bm25 = self.chunks.bm25
        return bm25.idf(term) if term in bm25.postings else None

    def introduced_words(self, paper_ids: list[str]) -> dict[str, set[str]]:
        """The words of what each paper introduces (``introduced_names``), folded."""
        chunks = self.chunks
        return {
            paper_id: {
                form
                for word in introduced_names(chunks.metadata[positions[0]])
                for form in vocabulary_forms(word)
            }
            for paper_id in paper_ids
            if (positions := chunks.chunks_of_paper.get(paper_id))
        }

    def naming_words(self, paper_ids: list[str]) -> dict[str, set[str]]:
        """Each paper's full title and the names it introduces (abbreviations of its
        title's name included), folded as build_vocabulary folds (hyphenated words also by
        their parts): the words that name the paper."""
        chunks = self.chunks
        return {
            paper_id: build_vocabulary([record["title"], *introduction_spans(record)])
            for paper_id in paper_ids
            if (positions := chunks.chunks_of_paper.get(paper_id))
            and (record := chunks.metadata[positions[0]])
        }

    def titled(self, words: set[str], within: frozenset[str] | None = None) -> list[str]:
        """The papers whose title holds every one of ``words`` (tokenized)."""
        chunks = self.chunks
        return [
            paper_id
            for paper_id, positions in chunks.chunks_of_paper.items()
            if (within is None or paper_id in within)
            and words <= set(tokenize(chunks.metadata[positions[0]].get("title", "")))
        ]

    @property
    def listing_dates(self) -> frozenset[str]:
        """The dates the records carry ("Mar 14", "Oct 9"): the days of the listings."""
        return self.chunks.dates

    def is_rare(self, term: str, at_most: int = 2) -> bool:
        """Whether no chunk, or at most ``at_most``, hold a (tokenized) term."""
        postings = self.chunks.bm25.postings.get(singular(term))
        return postings is None or len(postings[0]) <= at_most

    @property
    def rarest_weight(self) -> float:
        """The idf of a term that no chunk has: the highest there is."""
        return self.chunks.bm25.idf("")

    def paper_text(self, paper_id: str) -> str:
        """A paper's indexed text (title and abstract), its chunks joined."""
        chunks = self.chunks
        return " ".join(chunks.texts[p] for p in chunks.chunks_of_paper.get(paper_id, []))

    def paper_words(self, paper_ids: list[str]) -> dict[str, set[str]]:
        """Every word of each paper's indexed text (title and abstract), folded for matching,
        and the abbreviations the collection gives to what the text writes out ("SFT" of a
        paper saying "supervised fine-tuning" only)."""
        acronyms = self.chunks.acronyms
        found = {}
        for paper_id in paper_ids:
            text = self.paper_text(paper_id)
            written = f" {' '.join(spelled_out(text))} "
            held = [
                short
                for short, long_forms in acronyms.items()
                if any(f" {long} " in written for long in long_forms)
            ]
            found[paper_id] = build_vocabulary([text, *held]) | set(tokenize(text))
        return found

    def select(self, scope: Scope | None) -> Selection | None:
        """The papers ``scope`` admits, from the records held in memory (None: all)."""
        if not scope:
            return None
        chunks = self.chunks
        if scope not in chunks.scoped:
            chunks.scoped[scope] = scope.select(
                chunks.metadata[positions[0]] for positions in chunks.chunks_of_paper.values()
            )
        return chunks.scoped[scope]

    def _dense(
        self, chunks: ChunkTable, query: str, n: int, within: frozenset[str] | None = None
    ) -> list[tuple[int, float]]:
        """(chunk position, cosine similarity), best first; only chunks of the papers
        ``within`` when given. A collection of up to SCOPE_EXACT_CHUNKS chunks is searched
        exactly (repeatable answers); a larger one by Chroma's approximate index.

        Chroma's ``where`` filter made a scoped query 15-60 times slower than an unfiltered
        one at 10k chunks (BENCHMARKS.md, scope part), so a scope of up to
        SCOPE_EXACT_CHUNKS chunks is searched exactly over its vectors (read from Chroma
        once per scope and kept with the chunk table); a larger one takes Chroma's nearest
        chunks overall, enough of them to hold ``n`` of its own, and falls back to the
        ``where`` filter when they do not.
        """
        if not chunks.ids or (within is not None and not within):
            return []
        vector = self.index.embeddings.embed_query(query)
        if within is None:
            if len(chunks.ids) > SCOPE_EXACT_CHUNKS:
                return self._nearest(chunks, vector, n)
            # A collection this small is searched exactly, like a scope: Chroma's HNSW
            # search is approximate, and over the same bundled index its top 40 differed
            # between processes (three different lists in four runs), so one question could
            # be answered in one run and refused in the next.
            within = frozenset(chunks.chunks_of_paper)
        admitted = self._admitted(chunks, within)
        if len(admitted) <= SCOPE_EXACT_CHUNKS:
            positions, matrix = self._scope_vectors(chunks, within, admitted)
            if not len(positions):
                return []
            similarity = matrix @ _unit(np.asarray(vector, dtype=np.float32))
            top = np.argsort(-similarity, kind="stable")[:n]
            return [(int(positions[i]), float(similarity[i])) for i in top]
        share = len(admitted) / len(chunks.ids)
        wider = self._nearest(chunks, vector, min(len(chunks.ids), int(2 * n / share) + 1))
        ranked = [(p, s) for p, s in wider if chunks.metadata[p]["paper_id"] in within][:n]
        if len(ranked) >= min(n, len(admitted)):
            return ranked
        return self._nearest(chunks, vector, n, _where(within, set(chunks.chunks_of_paper)))

    def _nearest(
        self, chunks: ChunkTable, vector: list[float], n: int, where: dict | None = None
    ) -> list[tuple[int, float]]:
        """Chroma's nearest chunks to ``vector``: (chunk position, cosine similarity)."""
        with store_errors(self.settings, "searching"):
            results = self.index.collection.query(
                query_embeddings=[vector],
                n_results=min(n, len(chunks.ids)),
                include=["distances"],
                where=where,
            )
        ranked = []
        for chunk_id, distance in zip(results["ids"][0], results["distances"][0], strict=True):
            if chunk_id in chunks.position:  # written after the last refresh: skip until then
                ranked.append((chunks.position[chunk_id], 1.0 - float(distance)))
        return ranked

    def _admitted(self, chunks: ChunkTable, within: frozenset[str]) -> np.ndarray:
        """The positions of the chunks of the papers ``within`` (kept per scope)."""
        key = ("positions", within)
        if key not in chunks.scoped:
            positions = [p for paper in within for p in chunks.chunks_of_paper.get(paper, [])]
            chunks.scoped[key] = np.array(sorted(positions), dtype=np.int64)
        return chunks.scoped[key]

    def _scope_vectors(
        self, chunks: ChunkTable, within: frozenset[str], admitted: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(positions, unit vectors) of a scope's chunks, read from Chroma once per scope."""
        key = ("vectors", within)
        if key not in chunks.scoped:
            found: dict[str, np.ndarray] = {}
            ids = [chunks.ids[p] for p in admitted]
            for start in range(0, len(ids), READ_PAGE):
                with store_errors(self.settings, "reading"):
                    page = self.index.collection.get(
                        ids=ids[start : start + READ_PAGE], include=["embeddings"]
                    )
                found.update(zip(page["ids"], page["embeddings"], strict=True))
            kept = [p for p in admitted if chunks.ids[p] in found]
            matrix = np.array([found[chunks.ids[p]] for p in kept], dtype=np.float32)
            chunks.scoped[key] = (
                np.array(kept, dtype=np.int64),
                _unit(matrix) if len(kept) else matrix,
            )
        return chunks.scoped[key]

    def _lexical(
        self, chunks: ChunkTable, query: str, n: int, within: frozenset[str] | None = None
    ) -> list[tuple[int, float]]:
        scores = chunks.bm25.scores(query)
        if not len(scores):
            return []
        if within is not None:
            key = ("chunk mask", within)
            if key not in chunks.scoped:
                chunks.scoped[key] = _mask(len(scores), chunks.chunks_of_paper, within)
            scores = scores * chunks.scoped[key]
        top = np.argsort(-scores, kind="stable")[:n]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def _introducing(
        self, chunks: ChunkTable, query: str, n: int, within: frozenset[str] | None = None
    ) -> list[tuple[int, float]]:
        """Chunks of the papers whose title or contribution sentences match ``query`` best
        (each paper's first chunk stands for it)."""
        scores = chunks.introductions.scores(query)
        if not len(scores):
            return []
        if within is not None:
            key = ("paper mask", within)
            if key not in chunks.scoped:
                chunks.scoped[key] = np.fromiter((p in within for p in chunks.papers), bool)
            scores = scores * chunks.scoped[key]
        top = np.argsort(-scores, kind="stable")[:n]
        return [
            (chunks.chunks_of_paper[chunks.papers[i]][0], float(scores[i]))
            for i in top
            if scores[i] > 0
        ]

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        introduced: bool = False,
        within: frozenset[str] | None = None,
    ) -> list[PaperHit]:
        """The ``k`` best papers for ``query``, best first; only papers ``within`` when given
        (a scope's ``Selection.paper_ids``).

        ``introduced``: for "which paper introduced X?", a third ranking by where a paper
        states its contribution (title, "we propose/introduce/present ..."), so a paper that
        introduces X ranks above the many that merely use it.
        """
        chunks = self.chunks
        k = k or self.settings.top_k
        n = max(self.settings.candidate_chunks, k * 4)
        rankings: tuple[tuple[list[tuple[int, float]], str], ...] = (
            (self._dense(chunks, query, n, within), "dense_similarity"),
            (self._lexical(chunks, query, n, within), "bm25_score"),
        )
        if introduced:
            ranking = self._introducing(chunks, query, n, within)
            rankings += ((ranking, "introduction_score"),)
        hits: dict[str, PaperHit] = {}
        chunk_scores: dict[int, float] = defaultdict(float)
        for ranking, attribute in rankings:
            ranked_papers: set[str] = set()
            relative = _relative([value for _, value in ranking])
            for chunk_rank, (position, value) in enumerate(ranking, start=1):
                chunk_scores[position] += 1.0 / (self.settings.rrf_k + chunk_rank)
                metadata = chunks.metadata[position]
                paper_id = metadata["paper_id"]
                hit = hits.setdefault(paper_id, PaperHit(paper_id, metadata["title"], 0.0))
                if paper_id in ranked_papers:
                    continue
                # Fusion at paper level: a paper's score in a list is its best chunk's.
                ranked_papers.add(paper_id)
                setattr(hit, attribute, value)
                hit.score += relative(value)
        ranked = sorted(hits.values(), key=lambda h: (-h.score, -h.dense_similarity))[:k]
        positions_by_paper: dict[str, list[int]] = defaultdict(list)
        for position in sorted(chunk_scores, key=chunk_scores.__getitem__, reverse=True):
            positions_by_paper[chunks.metadata[position]["paper_id"]].append(position)
        for hit in ranked:
            positions = positions_by_paper[hit.paper_id]
            hit.passages = [_body(chunks.texts[p]) for p in positions]
            hit.metadata = {
                key: value
                for key, value in chunks.metadata[positions[0]].items()
                if key not in ("abstract", "chunk", "n_chunks")
            }
            hit.snippet = best_snippet(query, hit.passages)
        return ranked


# A sentence in which a paper states what it contributes.
CONTRIBUTION = re.compile(
    r"\b(we|this\s+(paper|work|study|article)|here\s+we|our\s+(work|paper))\s+"
    r"(\w+\s+){0,2}?(propose|introduce|present|release|develop|design|build|create|"
    r"construct|contribute|describe|unveil|announce|curate|collect)s?\b"
    # The contribution after a first step: "We then consider the risk of noisy labels, and
    # propose a Noisy-label Robust BPO (NBPO)."
    r"|\bwe\b[^.;]{0,80}?,?\s+and\s+(then\s+)?(propose|introduce|present|develop|design)\b",
    re.IGNORECASE,
)


# What a paper calls its own by name: "our JDExplore d-team's submission" (the written
# names right after "our"; "our detector beats MegaDet" owns no MegaDet).
OWNED = re.compile(r"\bour\s+((?:[\w'\u2019-]*[A-Z][\w'\u2019-]*\s+)+)")


def owned_names(abstract: str) -> list[str]:
    """The names a paper calls its own, which it need not say it introduces."""
    return [m.group(1) for m in OWNED.finditer(abstract)]


# A link to where a paper releases its code, model or data.
RELEASE_LINK = re.compile(
    r"https?://(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co)/[^\s()\[\]{}<>,;]+",
    re.IGNORECASE,
)


def release_links(abstract: str) -> list[str]:
    """The links an abstract releases its code, model or data at, as written, without the
    full stop of the sentence they end."""
    return [link.rstrip(".") for link in RELEASE_LINK.findall(abstract)]


def released_names(abstract: str) -> list[str]:
    """The names of the repositories a paper releases at ("https://github.com/OpenAI/CLIP"
    → "CLIP", ".../datasets/nvidia/HelpSteer2" → "HelpSteer2"): its own name for what it
    releases, which its abstract may write nowhere else (CLIP's never says "CLIP")."""
    names = []
    for link in release_links(abstract):
        parts = [part for part in urlparse(link).path.split("/") if part]
        if len(parts) >= 2:  # owner and repository, not a user's page
            names.append(parts[-1].removesuffix(".git").replace("_", "-"))
    return names


# Where the name of what a paper introduces ends, and the things it uses, builds on or
# compares with begin: "introduces LogicLLaMA, a LLaMA-7B model fine-tuned for ... using
# LoRA", "termed Mirror-BERT, which converts MLMs (e.g., BERT ...)".
USES = re.compile(
    r"(?<![\w-])(using|uses?|with|via|e\.g|i\.e|such\s+as|including|like|to|from|at|over|than|versus|"
    r"vs|based\s+on|built\s+on|upon|leveraging|through|for|against|compared|of\s+(existing|"
    r"prior|previous|popular|pre-?trained|off-the-shelf))(?![\w-])",
    re.IGNORECASE,
)


# A name given in passing: "by introducing a novel operation called DARE (Drop And REscale)".
NAMING = re.compile(
    r"\b(called|named|termed|dubbed|coined|introducing|proposing|presenting)\s+", re.IGNORECASE
)


def _relative(values: list[float]) -> Callable[[float], float]:
    """A ranking's scores rescaled to [0, 1] over its candidates (min-max), so that rankings
    fused by summing them count how far ahead a paper is, not only its place.

    Written here because the fusion is a few lines over our own arrays. It replaced
    reciprocal rank fusion, which keeps only places: "LG-ANNA-Embedding - what backbone
    llm ...?" ranked that paper first by BM25 at 20.8 against 7.1 for the next, yet out of
    the top five, behind papers placed fairly in both rankings. Relative scores (the
    convex combination of normalised scores, Bruch et al. 2023) measured on dev and
    held-out sets 1-5 with a model that writes nothing: wrong first paper 60 -> 44, gold
    not cited 64 -> 49, false abstentions 18 -> 14, out-of-collection answered 22 -> 26.
    """
    top, low = (max(values), min(values)) if values else (1.0, 0.0)
    if top <= low:
        return lambda value: 1.0
    return lambda value: (value - low) / (top - low)


def _where(within: frozenset[str], papers: set[str]) -> dict[str, Any] | None:
    """Chroma's filter for the papers ``within``: the shorter list of in or not in."""
    outside = papers - within
    if not outside:
        return None
    if len(within) <= len(outside):
        return {"paper_id": {"$in": sorted(within)}}
    return {"paper_id": {"$nin": sorted(outside)}}


def _unit(vectors: np.ndarray) -> np.ndarray:
    """Vectors scaled to length 1 (the zero vector left as it is): dot products of unit
    vectors are Chroma's cosine similarities."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def _mask(size: int, chunks_of_paper: dict[str, list[int]], within: frozenset[str]) -> np.ndarray:
    """1.0 at the positions of the chunks of the papers ``within``, else 0.0."""
    mask = np.zeros(size)
    for paper_id in within:
        mask[chunks_of_paper.get(paper_id, [])] = 1.0
    return mask


def introduction_spans(record: dict[str, Any]) -> list[str]:
    """The pieces of a paper's record that name what it introduces: its title up to the
    first word of use ("... Objectives for Transformers" introduces no transformer; the
    part before a colon always counts); in each contribution sentence the words after "we
    propose / introduce / ..." up to the first word of use; the words after "called",
    "termed" or "introducing" anywhere; the abbreviations the abstract gives its
    title's name (``title_abbreviations``: "DSL" of "Design-based Supervised Learning");
    and the names of the repositories it releases at (``released_names``: "CLIP")."""
    title = record.get("title", "")
    head, colon, rest = title.partition(":")
    spans = [head, USES.split(rest)[0]] if colon else [USES.split(title)[0]]
    # A title that opens with what is done to a thing ("Enhancing CLIP with CLIP",
    # "Evaluating Self-Supervised Learning in ...") does not name it as the paper's own.
    if ACTING_ON.match(spans[0]):
        spans = spans[1:]
    for sentence in split_sentences(record.get("abstract", "")):
        starts = [m.end() for m in NAMING.finditer(sentence)]
        if stated := CONTRIBUTION.search(sentence):
            starts.append(stated.end())
        spans += [USES.split(sentence[start:])[0] for start in starts]
    return spans + title_abbreviations(record) + released_names(record.get("abstract", ""))


# A title's first word saying what the paper does to what follows: "Enhancing ...".
ACTING_ON = re.compile(r"\s*[A-Z][a-z]+ing\s", re.ASCII)


# A name and the abbreviation it is given: "Label Supervised LLaMA (LS-LLaMA)".
ABBREVIATED = re.compile(r"((?:[\w-]+\s+){0,5}[\w-]+)\s*\(([A-Za-z][\w-]{1,20})\)")


def spelled_out(text: str) -> list[str]:
    """A text's words, lower-cased, hyphenated ones in parts: how an abbreviation's long
    form is matched ("Supervised Fine-Tuning" and "supervised fine tuning" alike)."""
    return [part for word in WORD.findall(text.lower()) for part in HYPHENS.split(word) if part]


def collection_acronyms(texts: list[str]) -> dict[str, frozenset[str]]:
    """The abbreviations the texts define and the long forms each is given: "supervised
    fine-tuning (SFT)" -> {"sft": {"supervised fine tuning"}}; "ICL" is "in context
    learning" in one abstract and "image contrastive learning" in another. A long form is
    the run of words before the parenthesis whose initials spell the abbreviation
    ("Contrastive Learning (ICL)" defines nothing). People ask with the short form ("how
    much on gsm8k over plain SFT?") of a paper that writes only the long one. Hand-written:
    no library here reads abbreviations from text."""
    seen: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        for match in ABBREVIATED.finditer(text):
            short = match.group(2)
            letters = [c.lower() for c in short if c.isalpha()]
            if not short.isalpha() or not 2 <= len(letters) <= 6:
                continue
            words = spelled_out(match.group(1))[-len(letters) :]
            if len(words) == len(letters) and all(
                w[0] == c for w, c in zip(words, letters, strict=True)
            ):
                seen[short.lower()].add(" ".join(words))
    return {short: frozenset(long_forms) for short, long_forms in seen.items()}


def title_abbreviations(record: dict[str, Any]) -> list[str]:
    """The abbreviations a paper's abstract gives to a name its title holds ("LS-LLaMA" of
    "Label Supervised LLaMA Finetuning"), not those of the things it only uses ("BPR" of
    "Bayesian Personalized Ranking" in a paper on samplers)."""
    title = " ".join(record.get("title", "").lower().split())
    found = []
    for match in ABBREVIATED.finditer(record.get("abstract", "")):
        words, abbreviation = match.group(1).split(), match.group(2)
        # The longest run of two or more words ending at the parenthesis that the title
        # holds, opening with the abbreviation's first letter: the whole name abbreviated
        # ("Preference Optimization" in a title is no "Direct Preference Optimization
        # (DPO)").
        runs = (words[i:] for i in range(len(words) - 1))
        held = next((run for run in runs if " ".join(run).lower() in title), None)
        if held and held[0][0].lower() == abbreviation[0].lower():
            found.append(abbreviation)
    return found


def introduced_names(record: dict[str, Any]) -> set[str]:
    """The words, whole as written ("w2v-bert", never its part "bert"), that name what a
    paper introduces (``introduction_spans``). A lookup of a name that only these words
    hold ("which paper introduced LoRA?") is answered by the paper that introduced it, not
    by one that used it."""
    return {word.lower() for span in introduction_spans(record) for word in WORD.findall(span)}


def introduction(metadata: list[dict[str, Any]], positions: list[int]) -> str:
    """A paper's title and the sentences of its abstract that state its contribution."""
    first = metadata[positions[0]]
    abstract = first.get("abstract", "")
    stated = [s for s in split_sentences(abstract) if CONTRIBUTION.search(s)]
    titles = [] if ACTING_ON.match(first["title"]) else [first["title"]] * 2
    return " ".join([*titles, *stated, *released_names(abstract)])


def fuse(
    rankings: list[list[PaperHit]],
    k: int,
    rrf_k: int,
    weights: tuple[float, ...] | None = None,
) -> list[PaperHit]:
    """Several rankings of papers as one, by weighted reciprocal rank (the first ranking's
    hits kept)."""
    scores: dict[str, float] = defaultdict(float)
    hits: dict[str, PaperHit] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.paper_id] += weight / (rrf_k + rank)
            hits.setdefault(hit.paper_id, hit)
    ordered = sorted(hits.values(), key=lambda h: -scores[h.paper_id])
    for hit in ordered:
        hit.score = scores[hit.paper_id]
    return ordered[:k]


class PaperRetriever(BaseRetriever):
    """LangChain retriever over the hybrid search: one ``Document`` per paper, best first."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    search: HybridSearch
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content="\n".join(hit.passages),
                metadata={**hit.metadata, "score": hit.score, "snippet": hit.snippet},
                id=hit.paper_id,
            )
            for hit in self.search.search(query, self.k)
        ]
