"""Fakes with answers you can compute by hand."""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
import threading

from langchain_core.embeddings import Embeddings

DIMENSIONS = 64


def bag_of_words(text: str) -> list[float]:
    """Counts of lower-cased words hashed into 64 buckets, L2-normalised.

    Two texts' cosine similarity is the normalised overlap of their words (up to the
    rare bucket collision), so expected rankings can be worked out by hand.
    """
    vector = [0.0] * DIMENSIONS
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIMENSIONS] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


class FakeEmbeddings(Embeddings):
    model_id = "fake-bag-of-words-64"

    def __init__(self) -> None:
        self.documents_embedded = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents_embedded += len(texts)
        return [bag_of_words(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return bag_of_words(text)


class FakeChatModel:
    """Replies from a queue, piece by piece, and records every prompt it was given.

    ``most_at_once`` is the largest number of replies it was ever writing together. With
    ``rendezvous(n)``, each reply first waits for n replies to be under way at once: two
    callers that are not kept apart meet there and both write, so ``most_at_once`` shows
    it every time; callers kept apart never meet, and each goes on when the wait times out.
    """

    name = "fake-chat"

    def __init__(self, replies: list[str] | None = None) -> None:
        self.replies = list(replies or [])
        self._meeting: threading.Barrier | None = None
        self.calls: list[list[dict[str, str]]] = []
        self.sampling: list[tuple[int, float]] = []  # (max_tokens, temperature) of each call
        self.most_at_once = 0
        self._writing = 0
        self._counting = threading.Lock()
        self._context = 0

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream_chat(self, messages, max_tokens, temperature):
        self.calls.append(messages)
        self.sampling.append((max_tokens, temperature))
        reply = self.replies.pop(0) if self.replies else "No reply queued."
        pieces = re.findall(r"\S+\s*|\s+", reply)
        self._context = sum(self.count_tokens(m["content"]) for m in messages) + len(pieces)
        with self._counting:
            self._writing += 1
            self.most_at_once = max(self.most_at_once, self._writing)
        try:
            if self._meeting is not None:
                with contextlib.suppress(threading.BrokenBarrierError):
                    self._meeting.wait()
            yield from pieces
        finally:
            with self._counting:
                self._writing -= 1

    def rendezvous(self, parties: int, timeout: float = 3.0) -> None:
        self._meeting = threading.Barrier(parties, timeout=timeout)

    @property
    def context_tokens(self) -> int:
        return self._context

    def describe(self) -> dict:
        return {"model": self.name, "backend": "fake"}
