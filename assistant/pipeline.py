"""The answering engine: retrieve, decide, choose evidence, generate, verify citations."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.bm25 import tokenize
from assistant.citations import Citation, CitationRewriter, is_bare_citation
from assistant.config import Settings
from assistant.evidence import Source, select_evidence
from assistant.index import PaperIndex
from assistant.prompts import NOT_FOUND, Prompts
from assistant.records import source_path
from assistant.relevance import mentions_a_name, unknown_names
from assistant.retrieval import HybridSearch, PaperHit

Message = dict[str, str]

LOOKUP = re.compile(
    r"^\s*(which|what)\s+(papers?|works?|stud(y|ies)|articles?|publications?)\b"
    r"|\b(find|show|list|give)\s+(me\s+)?(the|a|any|all)?\s*(papers?|works?|stud(y|ies))\b"
    r"|\b(is|are)\s+there\s+(a|an|any|some)?\s*(papers?|works?|research|stud(y|ies)|articles?)\b"
    r"|\bwho\s+(proposed|introduced)\b",
    re.IGNORECASE,
)
# Words that point back into the conversation ("what dataset did they use?").
FOLLOW_UP = re.compile(
    r"\b(they|them|their|it|its|this|that|these|those|the (paper|model|method|authors?|work|"
    r"approach|dataset|benchmark))\b",
    re.IGNORECASE,
)
# How small models say they cannot answer, besides the exact NOT_FOUND sentence.
REFUSAL = re.compile(
    r"does not answer|do not (contain|provide|mention|answer)|doesn't (contain|provide|mention)"
    r"|(no|not enough) information|cannot (be )?answer|can't answer|not (mentioned|provided|"
    r"specified|stated) in|unable to (answer|find)",
    re.IGNORECASE,
)


class ChatModel(Protocol):
    name: str

    def count_tokens(self, text: str) -> int: ...

    def stream_chat(
        self, messages: list[Message], max_tokens: int, temperature: float
    ) -> Iterator[str]: ...

    @property
    def context_tokens(self) -> int: ...

    def describe(self) -> dict[str, Any]: ...


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
            "citations": [
                {"n": c.n, "title": c.title, "paper_id": c.paper_id} for c in self.citations
            ],
            "papers": [
                {"title": h.title, "paper_id": h.paper_id, "score": round(h.score, 6)}
                for h in self.papers
            ],
            "timings": self.timings,
        }


def describe_paper(hit: PaperHit) -> str:
    """Title, then date and where it came from (url, or the source file)."""
    details = [hit.metadata.get("date", "")]
    details.append(hit.metadata.get("url") or ", ".join(map(source_path, hit.sources)))
    extra = "; ".join(d for d in details if d)
    return f"{hit.title} ({extra})" if extra else hit.title


def attribute(answer: str, sources: list[Source], share: float = 0.6) -> Source | None:
    """The one source holding at least ``share`` of the answer's content words, if any."""
    answer_words = set(tokenize(answer))
    if len(answer_words) < 3:
        return None
    overlaps = [(len(answer_words & source.words()), source) for source in sources]
    overlaps.sort(key=lambda pair: -pair[0])
    best_overlap, best = overlaps[0] if overlaps else (0, None)
    runner_up = overlaps[1][0] if len(overlaps) > 1 else 0
    if best_overlap >= share * len(answer_words) and best_overlap > runner_up:
        return best
    return None


def grounded(answer: str, question: str, sources: list[Source]) -> bool:
    """Whether the answer shares a content word with the question or the evidence sent."""
    known = set(tokenize(question)).union(*(source.words() for source in sources))
    return bool(set(tokenize(answer)) & known)


def is_lookup(question: str) -> bool:
    return bool(LOOKUP.search(question))


def trim_history(
    history: list[Message], budget_tokens: int, count_tokens: Callable[[str], int]
) -> list[Message]:
    """The newest turns that fit in ``budget_tokens``, in their original order."""
    kept: list[Message] = []
    spent = 0
    for message in reversed(history):
        cost = count_tokens(message["content"]) + 4
        if spent + cost > budget_tokens:
            break
        kept.append(message)
        spent += cost
    return kept[::-1]


def retrieval_query(question: str, history: list[Message]) -> str:
    """A standalone query: a follow-up borrows the words of the turn it refers to.

    Done in code rather than by asking the model to rewrite the question, which would
    cost a full model call (seconds on a CPU) before retrieval could even start.
    """
    if not history:
        return question
    refers_back = FOLLOW_UP.search(question) or len(tokenize(question)) <= 3
    if not refers_back:
        return question
    last_user = next((m["content"] for m in reversed(history) if m["role"] == "user"), "")
    last_reply = next((m["content"] for m in reversed(history) if m["role"] == "assistant"), "")
    return " ".join(part for part in (question, last_user, last_reply[:400]) if part)


class Engine:
    """Answers questions over one index with one model (loaded on first use, then reused).

    Safe to share between threads (the UI serves several browser tabs): searches run side
    by side, while the model writes one answer at a time, the others waiting their turn.
    """

    def __init__(
        self,
        settings: Settings,
        index: PaperIndex,
        search: HybridSearch,
        model_factory: Callable[[], ChatModel],
        prompts: Prompts | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self.search = search
        self.prompts = prompts or Prompts()
        self._model_factory = model_factory
        self._model: ChatModel | None = None
        self._loading = threading.Lock()
        # llama.cpp contexts are not thread-safe, and one CPU gains nothing from two
        # answers at once: generation takes this lock, held until the answer is written.
        self._generating = threading.Lock()

    @property
    def model(self) -> ChatModel:
        with self._loading:
            if self._model is None:
                self._model = self._model_factory()
            return self._model

    @property
    def model_busy(self) -> bool:
        """Whether the model is writing an answer now (a new one would wait for it)."""
        return self._generating.locked()

    def answerable_papers(self, question: str, hits: list[PaperHit]) -> list[PaperHit]:
        """The retrieved papers close enough to answer from (none: abstain). See relevance.py."""
        if unknown_names(question, self.search.vocabulary):
            return []
        named = [h for h in hits if mentions_a_name(question, [h.title, *h.passages])]
        best = max((h.dense_similarity for h in hits), default=0.0)
        # Papers far below the best one rarely help and each costs prompt time.
        floor = max(self.settings.min_similarity, best - self.settings.similarity_margin)
        return [h for h in hits if h in named or h.dense_similarity >= floor][
            : self.settings.answer_papers
        ]

    def find(self, question: str, k: int | None = None) -> list[PaperHit]:
        """Citation lookup: ranked papers at once, no model involved."""
        return self.search.search(question, k)

    def ask(self, question: str, history: list[Message] | None = None, **options: Any) -> Answer:
        """The final answer to ``question``; ``options`` as for ``stream``."""
        answer = None
        for item in self.stream(question, history, **options):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(
        self,
        question: str,
        history: list[Message] | None = None,
        *,
        top_k: int | None = None,
        temperature: float | None = None,
        max_answer_tokens: int | None = None,
    ) -> Iterator[str | Answer]:
        """Text pieces as they come, then the final ``Answer`` (whose text they add up to).

        ``top_k``, ``temperature`` and ``max_answer_tokens`` override the settings for
        this question only, so callers sharing the engine never change each other's.
        """
        started = time.perf_counter()
        history = history or []
        hits = self.search.search(retrieval_query(question, history), top_k or self.settings.top_k)
        timings = {"retrieval_ms": round((time.perf_counter() - started) * 1000, 1)}
        relevant = self.answerable_papers(question, hits)
        if not relevant:
            yield NOT_FOUND
            timings["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
            yield Answer(
                question,
                NOT_FOUND,
                True,
                "abstain",
                papers=hits,
                timings=timings,
                papers_label="Closest matches",
            )
            return

        lookup = is_lookup(question)
        prefix = ""
        if lookup:  # titles first: they never wait for the model
            prefix = "".join(f"{n}. {hit.title}\n" for n, hit in enumerate(relevant, 1)) + "\n"
            yield prefix

        waiting = time.perf_counter()
        with self._generating:
            timings["model_wait_ms"] = round((time.perf_counter() - waiting) * 1000, 1)
            model = self.model
            abstracts = {
                pid: m.get("abstract", "")
                for pid, m in self.index.papers([hit.paper_id for hit in relevant]).items()
            }
            sources = select_evidence(
                question,
                relevant,
                abstracts,
                self.index.embeddings,
                model.count_tokens,
                self.settings.context_budget_tokens,
            )
            template = self.prompts.lookup if lookup else self.prompts.answer
            user = template.format(
                sources="\n\n".join(source.render() for source in sources), question=question
            )
            messages = [
                {"role": "system", "content": self.prompts.system},
                *trim_history(history, self.settings.history_budget_tokens, model.count_tokens),
                {"role": "user", "content": user},
            ]
            rewriter = CitationRewriter({source.source_id for source in sources})
            pieces = 0
            first_token_at = None
            for piece in model.stream_chat(
                messages,
                max_answer_tokens or self.settings.max_answer_tokens,
                self.settings.temperature if temperature is None else temperature,
            ):
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                pieces += 1
                if out := rewriter.feed(piece):
                    yield out
            context_tokens = model.context_tokens
        if tail := rewriter.finish():
            yield tail
        finished = time.perf_counter()
        generating = finished - (first_token_at or finished)
        timings.update(
            prompt_tokens=max(context_tokens - pieces, 0),
            ttft_ms=round(((first_token_at or finished) - started) * 1000, 1),
            total_ms=round((finished - started) * 1000, 1),
            gen_tokens_per_s=round(pieces / generating, 2) if generating > 0 else 0.0,
        )
        yield self._finish(question, prefix, rewriter, sources, hits, timings, lookup)

    def _finish(
        self,
        question: str,
        prefix: str,
        rewriter: CitationRewriter,
        sources: list[Source],
        hits: list[PaperHit],
        timings: dict[str, float],
        lookup: bool,
    ) -> Answer:
        """Post-process what the model wrote: refusals, bare markers, missing citations."""
        by_source = {source.source_id: source for source in sources}
        citations = [
            Citation(
                n, source_id, by_source[source_id].hit.paper_id, by_source[source_id].hit.title
            )
            for n, source_id in enumerate(rewriter.order, start=1)
        ]
        body = rewriter.text.strip()
        if not lookup and (NOT_FOUND.lower() in body.lower() or REFUSAL.search(body)):
            return Answer(
                question,
                NOT_FOUND,
                True,
                "abstain",
                papers=hits,
                sources=sources,
                timings=timings,
                papers_label="Closest matches",
            )
        inferred = False
        if not citations and body and not is_bare_citation(body):
            # The model cited nothing: cite the source its answer was taken from, when
            # one clearly was (most of the answer's words come from its sentences).
            source = attribute(body, sources)
            if source is not None:
                body = f"{body} [1]"
                citations = [Citation(1, source.source_id, source.hit.paper_id, source.hit.title)]
                inferred = True
        if is_bare_citation(body) or not grounded(body, question, sources):
            # Small models sometimes answer with "[1]" alone, or with words found neither in
            # the question nor in the evidence: say what the cited (or first) source says.
            source = by_source[rewriter.order[0]] if rewriter.order else sources[0]
            body = f"{source.hit.title}: {' '.join(source.sentences[:2])} [1]"
            citations = [Citation(1, source.source_id, source.hit.paper_id, source.hit.title)]
        label = "Retrieved papers"
        if not citations:
            label = "Papers given to the model (it cited none)"
        elif inferred:
            label = "Retrieved papers (the citation was matched to the answer by the assistant)"
        mode = "lookup" if lookup else "answer"
        return Answer(
            question,
            prefix + body,
            False,
            mode,
            citations,
            hits,
            sources,
            timings,
            papers_label=label,
        )

    def as_runnable(self) -> Runnable:
        """The engine as a LangChain Runnable: {"question", "history"?} -> Answer."""
        return RunnableLambda(
            lambda request: self.ask(request["question"], request.get("history") or []),
            name="PaperAssistant",
        )


def build_engine(settings: Settings) -> Engine:
    """The index, hybrid search and (lazily) the model the settings describe."""
    from assistant.index import open_index
    from assistant.llm import LocalModel

    index = open_index(settings)
    if settings.model_server_url:
        from assistant.model_server import ServedModel

        return Engine(settings, index, HybridSearch(index, settings), lambda: ServedModel(settings))
    return Engine(settings, index, HybridSearch(index, settings), lambda: LocalModel(settings))


def answer_json_line(answer: Answer) -> str:
    return json.dumps(answer.as_json(), ensure_ascii=False)
