"""Realistic synthetic papers for the large benchmarks, made from the bundled abstracts.

Sentences come from an order-2 word Markov chain trained on the bundled abstracts (titles
from an order-1 chain on the bundled titles), so the text has the corpus's vocabulary,
sentence lengths and style. Generated sentences that copy eight words in a row from a
bundled abstract are thrown away, and so are those using a name only one bundled paper
uses (SegPrompt, CoFiTune, a repository URL): distractors must not contain the very
sentences or names that identify a bundled paper, or "finding the planted paper" would have
no right answer. Shared vocabulary (CLIP, BERT, LLM) stays, as in any real collection.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.records import Paper, SourceRef, title_key
from assistant.text import split_sentences

START, END = "\x02", "\x03"
COPY_WORDS = 8  # a generated sentence sharing this many consecutive words is a copy
MAX_WORDS = 60
MIN_WORDS = 6
MAX_TRIES = 10_000  # a corpus too small to recombine fails loudly instead of looping
# A capital after the first letter (SegPrompt, ChrEn, LC-PLM) or a link.
NAME = re.compile(r"^\S+[A-Z]|^https?:|^\S*[a-z]\S*\d|^\S*\d\S*[A-Za-z]")


def _word(token: str) -> str:
    return token.strip(".,;:()[]{}\"'")


def distinctive_names(papers: Sequence[Paper]) -> set[str]:
    """Name-like words that only one paper uses: they identify it."""
    papers_using = Counter(
        word
        for paper in papers
        for word in {_word(t) for t in f"{paper.title} {paper.abstract}".split()}
        if NAME.search(word)
    )
    return {word for word, count in papers_using.items() if count == 1}


def _chain(texts: Sequence[str], order: int) -> dict[tuple[str, ...], list[str]]:
    chain: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for text in texts:
        words = [START] * order + text.split() + [END]
        for i in range(order, len(words)):
            chain[tuple(words[i - order : i])].append(words[i])
    return dict(chain)


def _walk(chain: dict[tuple[str, ...], list[str]], order: int, rng: random.Random) -> list[str]:
    state = (START,) * order
    words: list[str] = []
    while len(words) < MAX_WORDS:
        word = rng.choice(chain[state])
        if word == END:
            break
        words.append(word)
        state = (*state[1:], word)
    return words


def _ngrams(words: Sequence[str], n: int) -> Iterator[tuple[str, ...]]:
    return (tuple(words[i : i + n]) for i in range(len(words) - n + 1))


@dataclass
class SyntheticText:
    """Generates sentences, titles and abstracts in the style of a set of real papers."""

    sentence_chain: dict[tuple[str, ...], list[str]]
    title_chain: dict[tuple[str, ...], list[str]]
    copied: set[tuple[str, ...]]
    real_sentences: set[tuple[str, ...]]
    names: set[str]
    real_titles: set[str]
    abstract_lengths: list[int]

    @classmethod
    def from_papers(cls, papers: Sequence[Paper]) -> SyntheticText:
        sentences = [s for paper in papers for s in split_sentences(paper.abstract)]
        return cls(
            sentence_chain=_chain(sentences, 2),
            title_chain=_chain([paper.title for paper in papers], 1),
            copied={gram for s in sentences for gram in _ngrams(s.split(), COPY_WORDS)},
            real_sentences={tuple(s.split()) for s in sentences},
            names=distinctive_names(papers),
            real_titles={title_key(paper.title) for paper in papers},
            abstract_lengths=[len(paper.abstract) for paper in papers],
        )

    def sentence(self, rng: random.Random) -> str:
        """A new sentence: not too short, not a real one, copying no run of COPY_WORDS words."""
        for _ in range(MAX_TRIES):
            words = _walk(self.sentence_chain, 2, rng)
            if (
                len(words) >= MIN_WORDS
                and tuple(words) not in self.real_sentences
                and not self._names_a_paper(words)
                and not any(gram in self.copied for gram in _ngrams(words, COPY_WORDS))
            ):
                return " ".join(words)
        raise ValueError("the corpus is too small to write new sentences from")

    def title(self, rng: random.Random) -> str:
        """A title unlike any real one (a real title is regenerated rather than reused)."""
        for _ in range(MAX_TRIES):
            words = _walk(self.title_chain, 1, rng)
            if (
                len(words) >= 3
                and title_key(" ".join(words)) not in self.real_titles
                and not self._names_a_paper(words)
            ):
                return " ".join(words)
        raise ValueError("the corpus is too small to write new titles from")

    def _names_a_paper(self, words: Sequence[str]) -> bool:
        return any(_word(word) in self.names for word in words)

    def abstract_length(self, rng: random.Random) -> int:
        """How long an abstract is, in characters, drawn from the real abstracts."""
        return rng.choice(self.abstract_lengths)

    def abstract(self, rng: random.Random) -> list[str]:
        """The sentences of one abstract about as long as a real one."""
        target = self.abstract_length(rng)
        sentences = [self.sentence(rng)]
        while sum(len(s) + 1 for s in sentences) < target:
            sentences.append(self.sentence(rng))
        return sentences

    def iter_papers(self, seed: int) -> Iterator[Paper]:
        """Papers with distinct titles, without end; the same sequence for the same seed."""
        rng = random.Random(seed)
        seen: set[str] = set()
        number = 0
        while True:
            title = self.title(rng)
            if title_key(title) in seen:
                title = f"{title} ({number})"
            seen.add(title_key(title))
            abstract = " ".join(self.abstract(rng))
            yield Paper(title, abstract, [SourceRef("synthetic", f"entry {number}")])
            number += 1

    def papers(self, count: int, seed: int) -> list[Paper]:
        """The first ``count`` papers of ``iter_papers(seed)``."""
        return list(islice(self.iter_papers(seed), count))


DIMENSIONS = 384


class HashingEmbeddings(Embeddings):
    """A stand-in embedder: hashed word counts in 384 dimensions, as cheap as it gets."""

    model_id = "bench-hashing-384"

    def _embed(self, text: str) -> list[float]:
        vector = np.zeros(DIMENSIONS, dtype=np.float32)
        for word in text.lower().split():
            vector[hash(word) % DIMENSIONS] += 1.0
        return (vector / max(float(np.linalg.norm(vector)), 1e-12)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)
