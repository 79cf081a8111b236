"""Model-path overhead: the assistant's way of calling the model against raw llama.cpp.

Both sides use one ``Llama`` object (same GGUF, threads, n_ctx, n_batch) and evaluate the
same prompt tokens from an empty KV cache:

- assistant: ``LocalModel.stream_chat`` (what the engine calls): the GGUF chat template,
  tokenisation, ``create_chat_completion`` streaming at temperature 0;
- raw: the token ids that template gives, through ``Llama.eval`` in batches, then a
  loop of llama.cpp's own greedy sampler and one-token ``eval`` calls; no LangChain,
  no assistant code, no chat layer.

The raw loop samples as many tokens as the assistant path did, so both rates cover the
same work. Runs alternate in order and the medians are compared.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from assistant.answer.prompts import Prompts
from assistant.config import Settings
from assistant.corpus.reading import read_corpus
from assistant.text import split_sentences

log = logging.getLogger(__name__)
Progress = Callable[[str], None]
QUESTION = "What does each of these papers propose, and which results does it report?"


@dataclass
class PathRun:
    """One pass: prompt evaluation up to the first sampled token, then the rest."""

    prompt_tokens: int
    prompt_s: float
    sampled_tokens: int
    generation_s: float

    @property
    def prompt_tokens_per_s(self) -> float:
        return self.prompt_tokens / self.prompt_s

    @property
    def generated_tokens_per_s(self) -> float:
        # The first sampled token closes the prompt phase; each later one costs one step.
        return (self.sampled_tokens - 1) / self.generation_s


def benchmark_messages(settings: Settings, papers: int = 3, sentences: int = 3) -> list[dict]:
    """A typical answering prompt: the system prompt, then a few bundled abstracts' openings."""
    corpus = read_corpus(settings.corpus_paths).papers[:papers]
    sources = "\n\n".join(
        f"[{n}] {paper.title}\n" + " ".join(split_sentences(paper.abstract)[:sentences])
        for n, paper in enumerate(corpus, start=1)
    )
    prompts = Prompts()
    return [
        {"role": "system", "content": prompts.system},
        {"role": "user", "content": prompts.answer.format(sources=sources, question=QUESTION)},
    ]


def chat_prompt_tokens(llm: Any, messages: list[dict]) -> list[int]:
    """The token ids the GGUF's chat template gives ``messages``, tokenised once."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    formatter = Jinja2ChatFormatter(
        template=llm.metadata["tokenizer.chat_template"],
        eos_token=llm.detokenize([llm.token_eos()], special=True).decode(),
        bos_token=llm.detokenize([llm.token_bos()], special=True).decode(),
    )
    formatted = formatter(messages=messages)
    return llm.tokenize(
        formatted.prompt.encode(), add_bos=not formatted.added_special, special=True
    )


def run_assistant_path(
    model: Any, messages: list[dict], max_tokens: int, prompt_tokens: int
) -> PathRun:
    """The prompt through ``LocalModel.stream_chat`` from an empty cache."""
    llm = model.llm
    llm.reset()
    started = time.perf_counter()
    first = None
    for _ in model.stream_chat(messages, max_tokens, 0.0):
        if first is None:
            first = time.perf_counter()
    finished = time.perf_counter()
    first = first or finished
    # Every sampled token but the last (end of text, or the max_tokens-th) was evaluated.
    sampled = int(llm.n_tokens) - prompt_tokens + 1
    return PathRun(prompt_tokens, first - started, sampled, finished - first)


def run_raw_path(llm: Any, tokens: Sequence[int], sampled_tokens: int) -> PathRun:
    """The same tokens through ``Llama.eval`` and llama.cpp's greedy sampler."""
    import llama_cpp

    sampler = llama_cpp.llama_sampler_init_greedy()
    try:
        llm.reset()
        started = time.perf_counter()
        llm.eval(list(tokens))
        token = llama_cpp.llama_sampler_sample(sampler, llm.ctx, -1)
        first = time.perf_counter()
        for _ in range(sampled_tokens - 1):
            llm.eval([token])
            token = llama_cpp.llama_sampler_sample(sampler, llm.ctx, -1)
        finished = time.perf_counter()
    finally:
        llama_cpp.llama_sampler_free(sampler)
    return PathRun(len(tokens), first - started, sampled_tokens, finished - first)


def _medians(runs: list[PathRun]) -> dict[str, Any]:
    return {
        "prompt_tokens_per_s": round(statistics.median(r.prompt_tokens_per_s for r in runs), 2),
        "generated_tokens_per_s": round(
            statistics.median(r.generated_tokens_per_s for r in runs), 2
        ),
        "runs": [asdict(r) for r in runs],
    }


def bench_model_path(
    settings: Settings, repeats: int = 9, max_tokens: int = 64, progress: Progress = log.info
) -> dict[str, Any]:
    """Medians of prompt and generation rates on both paths, and assistant / raw ratios."""
    from assistant.models.local import LocalModel

    model = LocalModel(settings)
    llm = model.llm
    messages = benchmark_messages(settings)
    tokens = chat_prompt_tokens(llm, messages)
    # A warm-up on the assistant path (pages the weights in); it also proves that the
    # tokens given to the raw path are exactly those the assistant path evaluated.
    sampled = run_assistant_path(model, messages, max_tokens, len(tokens)).sampled_tokens
    same_tokens = list(llm.input_ids[: len(tokens)]) == list(tokens)
    progress(
        f"model path: {len(tokens)} prompt tokens, {sampled} sampled; same tokens: {same_tokens}"
    )
    assistant_runs: list[PathRun] = []
    raw_runs: list[PathRun] = []
    for repeat in range(repeats):
        order = ("assistant", "raw") if repeat % 2 == 0 else ("raw", "assistant")
        for side in order:
            if side == "assistant":
                assistant_runs.append(run_assistant_path(model, messages, max_tokens, len(tokens)))
            else:
                raw_runs.append(run_raw_path(llm, tokens, sampled))
        progress(
            f"model path {repeat + 1}/{repeats}: assistant "
            f"{assistant_runs[-1].prompt_tokens_per_s:.1f} / "
            f"{assistant_runs[-1].generated_tokens_per_s:.1f} tok/s, raw "
            f"{raw_runs[-1].prompt_tokens_per_s:.1f} / {raw_runs[-1].generated_tokens_per_s:.1f}"
        )
    assistant, raw = _medians(assistant_runs), _medians(raw_runs)
    # Each repeat's two runs are back to back: their ratio cancels slow drifts in load.
    paired = {
        key: round(
            statistics.median(
                getattr(a, key) / getattr(r, key)
                for a, r in zip(assistant_runs, raw_runs, strict=True)
            ),
            4,
        )
        for key in ("prompt_tokens_per_s", "generated_tokens_per_s")
    }
    return {
        "model": model.describe(),
        "n_batch": llm.n_batch,
        "prompt_tokens": len(tokens),
        "sampled_tokens": sampled,
        "same_tokens": same_tokens,
        "repeats": repeats,
        "assistant": assistant,
        "raw": raw,
        "ratio": {
            key: round(assistant[key] / raw[key], 4)
            for key in ("prompt_tokens_per_s", "generated_tokens_per_s")
        },
        "paired_ratio": paired,
    }
