"""The usual way, for comparison: RAG as LangChain's tutorial builds it. Benchmark code only.

RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over "title, blank line,
abstract" documents, a Chroma store with the same MiniLM embedder, the top 4 chunks stuffed
into the tutorial's prompt (rlm/rag-prompt) as one user message, and the same model through
the same ``LocalModel`` (same GGUF, threads, temperature 0, max tokens). Follow-up questions
get the earlier turns as chat messages before the prompt; retrieval uses the question
alone, as the tutorial's chain does (its conversational version adds a model call to
rewrite the question first, which would only be slower).

It has no citation mechanism. What it shows as its sources are the papers of the chunks it
put in the prompt, so those count as its citations; when it says it does not know, it is
taken to cite nothing (the reading that favours it).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.answer.prompts import load_prompt
from assistant.records import Paper
from paper_bench.evaluation import Question, QuestionResult

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_CHUNKS = 4
# How small models say they cannot answer (the assistant itself no longer reads replies
# this way: it checks every sentence against its sources).
REFUSAL = re.compile(
    r"does not answer|do not (contain|provide|mention|answer)|doesn't (contain|provide|mention)"
    r"|(no|not enough) information|cannot (be )?answer|can't answer|not (mentioned|provided|"
    r"specified|stated) in|unable to (answer|find)",
    re.IGNORECASE,
)
# The tutorial's prompt tells the model to say "I don't know"; any such reply is an abstention.
DONT_KNOW = re.compile(
    r"\b(don'?t|do not|does not|doesn'?t) (know|contain|provide|mention|say|specify)\b|"
    + REFUSAL.pattern,
    re.IGNORECASE,
)


def _fresh(model: Any) -> dict[str, int]:
    fresh = getattr(model, "fresh_prompt_tokens", None)
    return {} if fresh is None else {"fresh_prompt_tokens": fresh}


class NaiveRAG:
    """Split, embed, store; per question: top 4 chunks, one prompt, one streamed answer."""

    def __init__(self, embeddings: Embeddings, model: Any, directory: Path) -> None:
        self.store = Chroma(
            collection_name="naive",
            embedding_function=embeddings,
            persist_directory=str(directory),
            client_settings=ChromaSettings(anonymized_telemetry=False),
        )
        self.model = model
        self.prompt = load_prompt("naive_rag")

    def index(self, papers: list[Paper]) -> int:
        """Split and store the papers; the number of chunks stored."""
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        documents = [
            Document(
                page_content=f"{paper.title}\n\n{paper.abstract}", metadata={"title": paper.title}
            )
            for paper in papers
        ]
        splits = splitter.split_documents(documents)
        self.store.add_documents(splits)
        return len(splits)

    def answer(self, question: Question, max_tokens: int, temperature: float) -> QuestionResult:
        started = time.perf_counter()
        chunks = self.store.similarity_search(question.question, k=TOP_CHUNKS)
        retrieval_ms = (time.perf_counter() - started) * 1000
        context = "\n\n".join(chunk.page_content for chunk in chunks)
        messages = [
            *question.history,
            {
                "role": "user",
                "content": self.prompt.format(question=question.question, context=context),
            },
        ]
        pieces: list[str] = []
        first = None
        for piece in self.model.stream_chat(messages, max_tokens, temperature):
            first = first or time.perf_counter()
            pieces.append(piece)
        finished = time.perf_counter()
        text = "".join(pieces).strip()
        abstained = bool(DONT_KNOW.search(text))
        titles = list(dict.fromkeys(chunk.metadata["title"] for chunk in chunks))
        ttft_ms = ((first or finished) - started) * 1000
        return QuestionResult(
            id=question.id,
            type=question.type,
            question=question.question,
            answer=text,
            abstained=abstained,
            retrieved_titles=titles,
            cited_titles=[] if abstained else titles,
            gold_titles=list(question.gold_titles),
            keywords=list(question.keywords),
            timings={
                "retrieval_ms": round(retrieval_ms, 1),
                "first_text_ms": round(ttft_ms, 1),
                "ttft_ms": round(ttft_ms, 1),
                "total_ms": round((finished - started) * 1000, 1),
                "prompt_tokens": max(self.model.context_tokens - len(pieces), 0),
                **_fresh(self.model),
                "gen_tokens_per_s": round(len(pieces) / (finished - first), 2)
                if first and finished > first
                else 0.0,
            },
        )
