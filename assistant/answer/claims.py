"""What the reader sees of the model's reply: whole sentences, each shown only when a source
the model was given supports it (policy.check_claim), and cited by the code, not the model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.answer import policy
from assistant.answer.citations import Citation, Numbering, SentenceStream, strip_markers
from assistant.answer.evidence import Source
from assistant.retrieval.hybrid import PaperHit


def cite(sentence: str, marker: str) -> str:
    """The marker placed before the sentence's final punctuation: "... 5.6% [1]."."""
    if sentence[-1:] in ".!?":
        return f"{sentence[:-1].rstrip()} {marker}{sentence[-1]}"
    return f"{sentence} {marker}"


class ClaimWriter:
    """Checks the streamed reply sentence by sentence and writes what may be shown.

    The model's own markers are ignored: each supported sentence cites the source (or the
    two sources) that support it, numbered by first use. Unsupported sentences (an
    invented finding, a hedge such as "the sources do not mention X") are dropped and
    kept in ``dropped``; they never reach the reader.
    """

    def __init__(
        self,
        sources: list[Source],
        min_support: float,
        is_name: Callable[[str], bool] = lambda term: False,
        titles_answer: bool = True,
    ) -> None:
        self.sources = sources
        self.min_support = min_support
        self.is_name = is_name
        self.titles_answer = titles_answer  # a listed title answers a lookup or a topic
        self._seen: set[str] = set()
        self.numbering = Numbering()
        self.text = ""
        self.dropped: list[str] = []
        self._sentences = SentenceStream()
        self._shown: list[tuple[str, int]] = []  # (sentence, its first citation number)
        self.quotes: list[tuple[int, Source]] = []  # (citation number, source) quoted

    def feed(self, piece: str) -> str:
        return "".join(self._check(sentence) for sentence in self._sentences.feed(piece))

    def finish(self, must_cite: list[PaperHit]) -> str:
        """The rest of the reply; then, for each paper in ``must_cite`` that no shown
        sentence cites, its best evidence sentence, quoted (supported by construction)."""
        out = "".join(self._check(sentence) for sentence in self._sentences.finish())
        cited = {self._source(sid).hit.paper_id for sid in self.numbering.order}
        for hit in must_cite:
            source = next((s for s in self.sources if s.hit.paper_id == hit.paper_id), None)
            if source is not None and hit.paper_id not in cited and source.best:
                out += self._show(f'{hit.title}: "{source.best}"', [source])
        return out

    def _check(self, sentence: str) -> str:
        plain = strip_markers(sentence)
        if plain.lower() in self._seen:  # a small model repeats itself: shown once
            return ""
        self._seen.add(plain.lower())
        claim = policy.check_claim(
            plain,
            self.sources,
            min_support=self.min_support,
            is_name=self.is_name,
            titles_answer=self.titles_answer,
        )
        if not claim.supported:
            if claim.text:
                self.dropped.append(plain)
            return ""
        return self._show(plain, list(claim.sources))

    def quote(self, source: Source) -> str:
        """The source's best evidence sentence, quoted and cited, on a line of its own: the
        first useful text, shown before the model writes (supported by construction)."""
        piece = self._show(f'"{source.best}"', [source]) + "\n\n"
        self.text += "\n\n"
        self.quotes.append((self.numbering.order.index(source.source_id) + 1, source))
        return piece

    def listing(self, sources: list[Source]) -> str:
        """A topic listing by code: each paper's title and best sentence, quoted and cited,
        one numbered line each. Kept out of ``text`` (the prose a conversation's history
        keeps), as a lookup's title list is."""
        lines = []
        for source in sources:
            marker = self.numbering.mark([source.source_id])
            line = f'{source.hit.title}: "{source.best}"' if source.best else source.hit.title
            lines.append(f"{len(lines) + 1}. {cite(line, marker)}\n")
        return "".join(lines)

    def _show(self, sentence: str, sources: list[Any]) -> str:
        marker = self.numbering.mark([source.source_id for source in sources])
        first = self.numbering.order.index(sources[0].source_id) + 1
        self._shown.append((sentence, first))
        piece = (" " if self.text and not self.text.endswith("\n") else "") + cite(sentence, marker)
        self.text += piece
        return piece

    def _source(self, source_id: int) -> Source:
        return next(s for s in self.sources if s.source_id == source_id)

    def citations(self) -> list[Citation]:
        return [
            Citation(n, sid, self._source(sid).hit.paper_id, self._source(sid).hit.title)
            for n, sid in enumerate(self.numbering.order, start=1)
        ]

    def claims_shown(self) -> list[dict[str, Any]]:
        """Every sentence shown, for the evaluation: all supported, by construction."""
        return [{"text": t, "supported": True, "source_n": n} for t, n in self._shown]
