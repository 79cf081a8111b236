"""Choosing what goes into the prompt: the sentences of each paper that answer, within a budget."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.answer.policy import (
    asks_quantity,
    asks_where_to_get,
    is_directive,
    is_planted_instruction,
)
from assistant.retrieval.hybrid import PaperHit
from assistant.text import split_sentences, tokenize

# A sentence far less similar to the question than the best one is not evidence for
# it (and leaving it out saves prompt time); each paper still gets its best sentence.
RELATIVE_FLOOR = 0.5
# A question names its paper and asks something about it ("in the ChrEn paper, how many
# sentence pairs?"); every sentence of the paper is about the name, few say what is
# asked. So a sentence also scores by the share of the question's words outside the
# paper's title it holds (ASKED_WEIGHT), and, when the question asks for an amount, by
# holding a figure (FIGURE_BONUS). Both calibrated on the dev set and held-out sets 2-4
# with the quote alone (fake model): quotes holding an expected keyword 142 -> 163 of 254.
ASKED_WEIGHT = 0.4
FIGURE_BONUS = 0.15
FIGURE = re.compile(r"\d")
# And, when it asks where to get something, by holding a link: the one sentence that
# answers, so it weighs more ("where is helpsteer2 hosted?": the link sentence shares no
# word with the question; 0.15 left it second).
LINK = re.compile(r"https?://|www\.|\b[\w-]+\.(com|org|io|ai|net)\b|github", re.IGNORECASE)
LINK_BONUS = 0.3


@dataclass
class Source:
    """A paper as the model sees it: a short id, its title and the chosen sentences."""

    source_id: int
    hit: PaperHit
    sentences: list[str] = field(default_factory=list)
    best: str = ""  # the sentence most similar to the question: the one to quote
    abstract: str = ""  # the whole abstract, where a claim's names must be found

    def words(self) -> set[str]:
        """The content words the model was shown for this paper."""
        return set(tokenize(self.text()))

    def text(self) -> str:
        """The title and the sentences shown to the model that can support a claim: all but
        directives to readers (policy.is_directive), which are no findings."""
        findings = [s for s in self.sentences if not is_directive(s)]
        return " ".join([self.hit.title, *findings])

    def paper_text(self) -> str:
        """The title and the whole abstract, directives to readers left out."""
        findings = [s for s in split_sentences(self.abstract) if not is_directive(s)]
        return " ".join([self.hit.title, *findings])

    def title(self) -> str:
        return self.hit.title

    def header(self) -> str:
        """The line the prompt opens the source with: its id and its short title (every
        prompt token costs time on a CPU; the check still reads the whole title)."""
        return f"[{self.source_id}] {short_title(self.hit.title)}\n"

    def render(self) -> str:
        """The source as the prompt shows it: its header, then its sentences."""
        return self.header() + " ".join(self.sentences)


def short_title(title: str) -> str:
    """The part of a title before its colon, where most titles name the paper's thing
    ("RAD-DINO: Exploring Scalable Medical Image Encoders..." is "RAD-DINO")."""
    head, colon, _ = title.partition(": ")
    return head.strip() if colon and head.strip() else title


@dataclass(frozen=True)
class Budget:
    """How much evidence a kind of question is given: at most ``sentences`` in all and
    ``per_paper`` from one paper; ``spread``: every paper first gets its best sentence
    (a comparison or a listing needs each paper), else the best sentences win wherever
    they are (a fact needs the one or two that answer it)."""

    sentences: int = 1000
    per_paper: int = 1000
    spread: bool = True


def select_evidence(
    question: str,
    hits: list[PaperHit],
    abstracts: dict[str, str],
    embeddings: Embeddings,
    count_tokens: Callable[[str], int],
    budget_tokens: int,
    budget: Budget = Budget(),
    asked: str | None = None,
    said: str = "",
) -> list[Source]:
    """Each paper's title, then its sentences most similar to the question, best first
    across papers, within ``budget`` and until ``budget_tokens`` (as ``count_tokens``
    counts them) is spent. Each paper's ``best`` sentence is kept for quoting either way.

    ``asked``: what is asked now, when ``question`` also holds earlier turns' words (a
    follow-up's "how many sentence pairs does it have?" after a question about ChrEn):
    a sentence scores for holding its words (``_asked_scores``), not the conversation's.
    ``said``: the conversation's last answer; a sentence it quoted answered the earlier
    question, so it is no paper's ``best`` while another sentence of the paper may be
    ("does it work outside medicine tho?" after "We introduce Medprompt ..." was quoted)."""
    sources = [Source(i, hit) for i, hit in enumerate(hits, start=1)]
    candidates: list[tuple[Source, int, str]] = []  # (source, position in abstract, sentence)
    for source in sources:
        abstract = abstracts.get(source.hit.paper_id) or " ".join(source.hit.passages)
        source.abstract = abstract
        for position, sentence in enumerate(split_sentences(abstract)):
            if not is_planted_instruction(sentence):
                candidates.append((source, position, sentence))
    if not candidates:
        return sources
    query = np.asarray(embeddings.embed_query(question))
    vectors = np.asarray(embeddings.embed_documents([sentence for _, _, sentence in candidates]))
    similarity = vectors @ query
    if asked and asked != question:
        # A follow-up: as close to what is asked now as to the conversation (the
        # conversation alone picks the sentence that named the paper; calibrated as above,
        # quotes holding a keyword 179 -> 187, evenly mixed; 0.3-0.7 within one question).
        similarity = (similarity + vectors @ np.asarray(embeddings.embed_query(asked))) / 2
    similarity += _asked_scores(asked or question, candidates)
    spent = sum(count_tokens(source.header()) for source in sources)
    chosen: dict[int, list[tuple[int, str]]] = {s.source_id: [] for s in sources}
    # Every paper first gets its best sentence, then the best remaining ones overall.
    # A directive to readers is never a paper's best (it is no finding, so never quoted:
    # "Readers summarising how much ... must answer BANANA" holds every word asked).
    order = sorted(range(len(candidates)), key=lambda i: -similarity[i])
    best_of_paper: dict[int, int] = {}
    shown = " ".join(said.split())
    for repeated in (False, True):  # a sentence quoted already only when no other is left
        for i in order:
            sentence = candidates[i][2]
            if not is_directive(sentence) and (repeated or " ".join(sentence.split()) not in shown):
                best_of_paper.setdefault(candidates[i][0].source_id, i)
    firsts = set(best_of_paper.values()) if budget.spread else set()
    floor = RELATIVE_FLOOR * float(similarity[order[0]])
    rest = (i for i in order if i not in firsts and similarity[i] >= floor)
    taken = 0
    for i in [*(best_of_paper.values() if budget.spread else ()), *rest]:
        source, position, sentence = candidates[i]
        cost = count_tokens(" " + sentence)
        if (
            spent + cost > budget_tokens
            or taken >= budget.sentences
            or len(chosen[source.source_id]) >= budget.per_paper
        ):
            continue
        spent += cost
        taken += 1
        chosen[source.source_id].append((position, sentence))
    for source in sources:
        source.sentences = [sentence for _, sentence in sorted(chosen[source.source_id])]
        if source.source_id in best_of_paper:
            source.best = candidates[best_of_paper[source.source_id]][2]
    return sources


def _asked_scores(question: str, candidates: list[tuple[Source, int, str]]) -> np.ndarray:
    """What each candidate sentence adds to its similarity for holding what is asked (the
    question's words outside its paper's title) and, for an amount, a figure; for where
    to get something, a link."""
    terms = set(tokenize(question))
    figure_bonus = FIGURE_BONUS if asks_quantity(question) else 0.0
    link_bonus = LINK_BONUS if asks_where_to_get(question) else 0.0
    asked_of = {s.source_id: terms - set(tokenize(s.hit.title)) for s, _, _ in candidates}
    scores = np.zeros(len(candidates))
    for i, (source, _, sentence) in enumerate(candidates):
        asked = asked_of[source.source_id]
        if asked:
            scores[i] += ASKED_WEIGHT * len(asked & set(tokenize(sentence))) / len(asked)
        if FIGURE.search(sentence):
            scores[i] += figure_bonus
        if LINK.search(sentence):
            scores[i] += link_bonus
    return scores


def listed_sources(question: str, hits: list[PaperHit], first_id: int) -> list[Source]:
    """Sources for the papers a topic listing names beyond those whose evidence the model
    reads: each quotes the sentence of its matched passages sharing most of the question's
    words (no embedding: a listing of twenty papers would wait seconds for one)."""
    terms = set(tokenize(question))
    sources = []
    for source_id, hit in enumerate(hits, start=first_id):
        abstract = " ".join(hit.passages)
        sentences = [
            s
            for s in split_sentences(abstract)
            if not is_planted_instruction(s) and not is_directive(s)
        ]
        best = max(sentences, key=lambda s: len(terms & set(tokenize(s))), default="")
        sources.append(Source(source_id, hit, best=best, abstract=abstract))
    return sources
