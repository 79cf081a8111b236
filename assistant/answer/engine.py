"""The answering engine: retrieve, decide (policy.py), choose evidence, generate, verify."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.answer import policy
from assistant.answer.citations import Citation, CitationRewriter, is_bare_citation
from assistant.answer.evidence import Source, select_evidence
from assistant.answer.history import Message, retrieval_query, trim_history
from assistant.answer.policy import Intent, Verdict
from assistant.answer.prompts import NOT_FOUND, Prompts
from assistant.answer.result import Answer
from assistant.config import Settings
from assistant.index.store import PaperIndex
from assistant.retrieval.hybrid import HybridSearch, PaperHit


class ChatModel(Protocol):
    name: str

    def count_tokens(self, text: str) -> int: ...

    def stream_chat(
        self, messages: list[Message], max_tokens: int, temperature: float
    ) -> Iterator[str]: ...

    @property
    def context_tokens(self) -> int: ...

    def describe(self) -> dict[str, Any]: ...


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
        """The retrieved papers close enough to answer from (none: abstain); see policy.py."""
        return policy.answerable_papers(
            question,
            hits,
            self.search.vocabulary,
            min_similarity=self.settings.min_similarity,
            similarity_margin=self.settings.similarity_margin,
            limit=self.settings.answer_papers,
        )

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
        # The context window holds answers up to longest_answer_tokens, no longer.
        answer_tokens = min(
            max_answer_tokens or self.settings.max_answer_tokens,
            max(self.settings.longest_answer_tokens, self.settings.max_answer_tokens),
        )
        hits = self.search.search(retrieval_query(question, history), top_k or self.settings.top_k)
        timings = {"retrieval_ms": round((time.perf_counter() - started) * 1000, 1)}
        intent = policy.classify(question, has_history=bool(history))
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
                intent=intent,
            )
            return

        lookup = intent is Intent.LOOKUP
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
                answer_tokens,
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
        yield self._finish(question, prefix, rewriter, sources, hits, timings, intent)

    def _finish(
        self,
        question: str,
        prefix: str,
        rewriter: CitationRewriter,
        sources: list[Source],
        hits: list[PaperHit],
        timings: dict[str, float],
        intent: Intent,
    ) -> Answer:
        """The reply as the policy judges it: accepted, attributed, replaced or refused."""
        by_source = {source.source_id: source for source in sources}
        cited = [by_source[source_id] for source_id in rewriter.order]
        body = rewriter.text.strip()
        review = policy.review_reply(
            body,
            question,
            sources,
            cited,
            intent=intent,
            not_found=NOT_FOUND,
            is_bare_citation=is_bare_citation(body),
        )
        if review.verdict is Verdict.ABSTAIN:
            return Answer(
                question,
                NOT_FOUND,
                True,
                "abstain",
                papers=hits,
                sources=sources,
                timings=timings,
                papers_label="Closest matches",
                intent=intent,
            )
        label = "Retrieved papers"
        if review.verdict is Verdict.ATTRIBUTE:
            body = f"{body} [1]"
            cited = [review.source]
            label = "Retrieved papers (the citation was matched to the answer by the assistant)"
        elif review.verdict is Verdict.QUOTE_SOURCE:
            source = review.source
            body = f"{source.hit.title}: {' '.join(source.sentences[:2])} [1]"
            cited = [source]
        elif not cited:
            label = "Papers given to the model (it cited none)"
        citations = [
            Citation(n, source.source_id, source.hit.paper_id, source.hit.title)
            for n, source in enumerate(cited, start=1)
        ]
        return Answer(
            question,
            prefix + body,
            False,
            "lookup" if intent is Intent.LOOKUP else "answer",
            citations,
            hits,
            sources,
            timings,
            papers_label=label,
            intent=intent,
        )

    def as_runnable(self) -> Runnable:
        """The engine as a LangChain Runnable: {"question", "history"?} -> Answer."""
        return RunnableLambda(
            lambda request: self.ask(request["question"], request.get("history") or []),
            name="PaperAssistant",
        )


def build_engine(settings: Settings) -> Engine:
    """The index, hybrid search and (lazily) the model the settings describe."""
    from assistant.index.store import open_index

    def load_model() -> ChatModel:
        if settings.model_server_url:
            from assistant.models.served import ServedModel

            return ServedModel(settings)
        from assistant.models.local import LocalModel

        return LocalModel(settings)

    index = open_index(settings)
    return Engine(settings, index, HybridSearch(index, settings), load_model)
