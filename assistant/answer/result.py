"""What the engine returns for a question, and how its references read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.citations import Citation
from assistant.answer.evidence import Source
from assistant.records import source_path
from assistant.retrieval.hybrid import PaperHit


@dataclass
class Answer:
    """What the engine returns for one question."""

    question: str
    text: str
    abstained: bool
    mode: str  # "answer", "lookup" or "abstain"
    citations: list[Citation] = field(default_factory=list)
    papers: list[PaperHit] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    papers_label: str = "Retrieved papers"
    intent: str = "fact"
    prose: str = ""  # the written answer without the lookup's title list: what history keeps
    claims: list[dict[str, Any]] = field(default_factory=list)  # the sentences shown
    dropped: list[str] = field(default_factory=list)  # sentences no source supported
    relevant_ids: set[str] | None = None  # papers judged able to answer (None: not judged)
    unsupported_shown: int = 0  # sentences shown that no source supports: none (claims.py)
    quotes: list[dict[str, Any]] = field(default_factory=list)  # shown first: n, title, text

    @property
    def cited_paper_ids(self) -> list[str]:
        return [citation.paper_id for citation in self.citations]

    def references(self) -> list[str]:
        """The reference list the code renders: only papers that were retrieved and cited."""
        by_id = {hit.paper_id: hit for hit in self.papers}
        return [f"[{c.n}] {describe_paper(by_id[c.paper_id])}" for c in self.citations]

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "intent": self.intent,
            "citations": [
                {"n": c.n, "title": c.title, "paper_id": c.paper_id} for c in self.citations
            ],
            "papers": [
                {"title": h.title, "paper_id": h.paper_id, "score": round(h.score, 6)}
                for h in self.papers
            ],
            "quotes": self.quotes,
            "claims": self.claims,
            "dropped_sentences": self.dropped,
            "timings": self.timings,
        }


def describe_paper(hit: PaperHit) -> str:
    """Title, then date and where it came from (url, or the source file)."""
    details = [hit.metadata.get("date", "")]
    details.append(hit.metadata.get("url") or ", ".join(map(source_path, hit.sources)))
    extra = "; ".join(d for d in details if d)
    return f"{hit.title} ({extra})" if extra else hit.title


def answer_json_line(answer: Answer) -> str:
    return json.dumps(answer.as_json(), ensure_ascii=False)
