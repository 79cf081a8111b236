"""Okapi BM25 over an in-memory inverted index.

Written by hand: LangChain's BM25Retriever (rank_bm25) returns no scores, which fusion
and abstention need, and scores every document for every query term; postings arrays
touch only the documents that hold a term.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import numpy as np

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours yourself yourselves paper papers work study propose proposed introduce introduced
    present approach method use used using also show shows new find there any
    """.split()
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word pieces without stopwords; a plural 's' folded so 'models' meets 'model'."""
    tokens = []
    for token in re.findall(r"[0-9a-z]+", text.lower()):
        if token in STOPWORDS:
            continue
        if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        tokens.append(token)
    return tokens


class BM25:
    """Scores for every document of a fixed list; rebuilt whenever that list changes."""

    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(texts)
        postings: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        lengths = np.zeros(self.size, dtype=np.float32)
        for position, text in enumerate(texts):
            counts = Counter(tokenize(text))
            lengths[position] = sum(counts.values())
            for term, count in counts.items():
                documents, frequencies = postings[term]
                documents.append(position)
                frequencies.append(count)
        average = float(lengths.mean()) if self.size else 1.0
        self.norm = k1 * (1 - b + b * lengths / max(average, 1e-9))
        self.k1 = k1
        self.postings = {
            term: (np.array(documents, dtype=np.int64), np.array(freqs, dtype=np.float32))
            for term, (documents, freqs) in postings.items()
        }

    def idf(self, term: str) -> float:
        frequency = len(self.postings[term][0]) if term in self.postings else 0
        return float(np.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5)))

    def scores(self, query: str) -> np.ndarray:
        scores = np.zeros(self.size, dtype=np.float32)
        for term in set(tokenize(query)):
            if term not in self.postings:
                continue
            documents, frequencies = self.postings[term]
            scores[documents] += (
                self.idf(term) * frequencies * (self.k1 + 1) / (frequencies + self.norm[documents])
            )
        return scores
