"""Settings: one typed object, read from ``ASSISTANT_*`` environment variables and flags."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "paper-assistant"
# The folder holding the package: a checkout of the project, or site-packages.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
IN_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file() and (
    PROJECT_ROOT / "vectorstore"
).is_dir()


def bundled(name: str) -> Path:
    """A folder of data shipped in the package: "prompts" or "corpus".

    In the repository they are the top-level prompts/ and data/ folders, which the build
    maps into the package (pyproject.toml), so an installed wheel and a checkout agree.
    """
    # Data-only (namespace) packages: their folder is the spec's search location.
    try:
        spec = importlib.util.find_spec(f"assistant.bundled.{name}")
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return PROJECT_ROOT / {"prompts": "prompts", "corpus": "data"}[name]  # not installed


PROMPTS_DIR = bundled("prompts")
BUNDLED_CORPUS_DIR = bundled("corpus")


def default_vectorstore_dir() -> Path:
    """``vectorstore/`` inside a checkout; otherwise the user's data folder (on Linux
    ``~/.local/share/paper-assistant/vectorstore``), never inside site-packages."""
    if IN_CHECKOUT:
        return PROJECT_ROOT / "vectorstore"
    return platformdirs.user_data_path(APP_NAME) / "vectorstore"


def _default_cache_dir() -> Path:
    return platformdirs.user_cache_path(APP_NAME)


class Settings(BaseSettings):
    """Everything configurable; every field has a default and a description."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    # Corpus and index
    corpus_paths: list[Path] = Field(
        default_factory=lambda: [BUNDLED_CORPUS_DIR],
        description="Files or folders ingested when no path is given (the bundled corpus).",
    )
    vectorstore_dir: Path = Field(
        default_factory=default_vectorstore_dir,
        description="Folder of the persistent Chroma index (default: vectorstore/ in a "
        "checkout, else the user's data folder).",
    )
    collection: str = Field(default="papers", description="Chroma collection name.")
    chroma_host: str | None = Field(
        default=None,
        description="Host of a Chroma server (`chroma run`) holding the index, shared by "
        "several assistants; unset: the embedded store in vectorstore_dir.",
    )
    chroma_port: int = Field(default=8000, ge=1, le=65535, description="Chroma server port.")
    chroma_ssl: bool = Field(default=False, description="Reach the Chroma server over HTTPS.")
    chroma_token: SecretStr | None = Field(
        default=None,
        description="Sent as 'Authorization: Bearer <token>' to the Chroma server (for a "
        "server behind an authenticating proxy).",
    )
    chunk_size_tokens: int = Field(
        default=160, ge=16, description="Chunk size in tiktoken tokens (the title is added on top)."
    )
    chunk_overlap_tokens: int = Field(
        default=32, ge=0, description="Tokens shared by consecutive chunks of one abstract."
    )
    embedding_model: str = Field(
        default="minilm",
        description="'minilm' (all-MiniLM-L6-v2 on ONNX Runtime) or the path of a GGUF "
        "embedding model run through llama.cpp.",
    )
    embed_batch_size: int = Field(default=32, ge=1, description="Chunks embedded per batch.")
    threads: int = Field(
        default=0, ge=0, description="CPU threads for embedding and generation (0: all cores)."
    )
    ingest_batch_papers: int = Field(
        default=64, ge=1, description="Papers written to the index per batch during ingest."
    )
    max_upload_mb: float = Field(
        default=20.0, gt=0, description="Largest corpus file the UI accepts, in megabytes."
    )
    chats_path: Path | None = Field(
        default=None,
        description="SQLite file of saved conversations (default: chats.sqlite3 in "
        "vectorstore_dir, beside the index whose papers they cite).",
    )
    ui_users: SecretStr | None = Field(
        default=None,
        description="Logins for the web UI as 'user:password' pairs separated by commas "
        "(ASSISTANT_UI_USERS); unset: no login, fine on 127.0.0.1 only.",
    )

    # Retrieval
    top_k: int = Field(default=5, ge=1, description="Papers returned by a search.")
    candidate_chunks: int = Field(
        default=40, ge=1, description="Chunks taken from each ranking (dense, BM25) before fusion."
    )
    rrf_k: int = Field(
        default=60,
        ge=1,
        description="Reciprocal rank fusion constant: the order of a paper's passages, and a "
        "follow-up's two searches fused.",
    )
    similarity_margin: float = Field(
        default=0.12,
        ge=0.0,
        description="Papers less similar to the question than the best one by more than this "
        "do not enter the prompt.",
    )
    min_coverage: float = Field(
        default=0.3,
        ge=0.0,
        le=1.0,
        description="The share of a question's key-concept weight (rarity in the collection) "
        "that one retrieved paper must hold for the assistant to answer; below it, it abstains "
        "(calibrated on the dev set).",
    )
    min_support: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="The share of a reply sentence's content words that the source it cites "
        "must hold (its numbers too) for the sentence to be shown (calibrated on the dev set).",
    )
    min_similarity: float = Field(
        default=0.30,
        description="A paper whose best passage has a lower cosine similarity to the question "
        "is not used to answer; with none left the assistant abstains (calibrated on the dev set).",
    )

    # The answering model
    model: Path | None = Field(
        default=None,
        description="A GGUF file to answer with (ASSISTANT_MODEL); default: "
        "Qwen2.5-Coder-0.5B-Instruct Q4_K_M, assembled from its PyPI parts.",
    )
    model_server_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible server to generate with instead of a "
        "local model, e.g. http://127.0.0.1:8000/v1 (python -m llama_cpp.server, llama-server, "
        "vLLM).",
    )
    model_server_model: str | None = Field(
        default=None, description="Model name sent to the server (default: the first it lists)."
    )
    model_server_key: SecretStr | None = Field(
        default=None, description="API key sent to the model server as a bearer token."
    )
    n_gpu_layers: int = Field(
        default=-1,
        description="Layers offloaded to the GPU when llama.cpp was built with GPU support "
        "(-1: all). Ignored on CPU-only builds.",
    )
    draft_tokens: int = Field(
        default=0,
        ge=0,
        description="Prompt-lookup speculative decoding: tokens drafted per step from "
        "n-grams of the prompt (answers copy the evidence), 0: off. Same output at "
        "temperature 0; see BENCHMARKS.md for whether it is faster on your machine.",
    )
    n_ctx: int = Field(
        default=0, ge=0, description="Context window in tokens (0: sized to the prompt budget)."
    )
    context_budget_tokens: int = Field(
        default=420,
        ge=50,
        description="Model tokens of evidence (titles and passages) put in the prompt. On a "
        "2-core CPU each 100 prompt tokens cost about a second with the default model.",
    )
    history_budget_tokens: int = Field(
        # 0: a follow-up's conversation chooses its papers (retrieval and relevance read
        # it) and the model reads their evidence only. On the dev set's follow-ups that
        # raised keyword accuracy from 0.57 to 0.64 and cut the fresh prompt from 183 to
        # 111 tokens, against the previous answers' prose within 200 tokens.
        default=0,
        ge=0,
        description="Model tokens of conversation history the model reads, newest first "
        "(0: none; the conversation still chooses a follow-up's papers).",
    )
    max_answer_tokens: int = Field(
        default=200,
        ge=16,
        description="Longest answer, in tokens, unless a request asks for another.",
    )
    longest_answer_tokens: int = Field(
        default=512,
        ge=16,
        description="The longest answer any request may ask for (the UI's slider ends here); "
        "the context window is sized to hold it.",
    )
    temperature: float = Field(default=0.0, ge=0.0, le=2.0, description="Sampling temperature.")
    seed: int = Field(default=42, description="Sampling seed, for repeatable answers.")
    quote_first: bool = Field(
        default=True,
        description="Open fact, follow-up, lookup and comparison answers with the best evidence "
        "sentence, quoted and cited, before the model writes.",
    )
    fact_min_coverage: float = Field(
        default=0.45,
        ge=0.0,
        le=1.0,
        description="A question of fact is answered only when one retrieved paper covers this "
        "share of its key concepts, as much as a quote needs (below it, the model's prose was "
        "the whole answer, and on the dev and held-out sets 1-5 it answered 8 out-of-collection "
        "questions for 2 answerable ones).",
    )
    quote_min_coverage: float = Field(
        default=0.45,
        ge=0.0,
        le=1.0,
        description="A fact or lookup answer opens with the top paper's best evidence "
        "sentence, quoted, when that paper covers this share of the question's key concepts "
        "(calibrated on the dev and first held-out sets). A follow-up's paper is the "
        "conversation's: it is always quoted.",
    )
    answer_papers: int = Field(
        default=3, ge=1, description="At most this many papers supply evidence for an answer."
    )
    listing_papers: int = Field(
        default=20,
        ge=1,
        description="A topic listing ('every paper on X') names at most this many papers: "
        "all that clear the relevance bar, each with a quoted sentence.",
    )

    # Models
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Where the default model is assembled from its PyPI parts, once.",
    )

    @property
    def ui_logins(self) -> list[tuple[str, str]]:
        """``ui_users`` as (user, password) pairs; a malformed entry is a configuration error."""
        if self.ui_users is None:
            return []
        logins = []
        for entry in self.ui_users.get_secret_value().split(","):
            user, _, password = entry.strip().partition(":")
            if not user or not password:
                raise ValueError(
                    "ASSISTANT_UI_USERS must be 'user:password' pairs separated by commas."
                )
            logins.append((user, password))
        return logins

    @property
    def uploads_dir(self) -> Path:
        """Where corpus files uploaded through the UI are kept: their papers' sources point here."""
        return self.vectorstore_dir / "uploads"

    @property
    def chats_file(self) -> Path:
        """Where conversations are saved: ``chats_path``, else beside the index. There they
        follow ``--index`` (each collection keeps the chats that cite its papers), live in the
        user's data folder when installed, and are left alone by a rebuild (it moves only
        Chroma's files aside)."""
        return self.chats_path or self.vectorstore_dir / "chats.sqlite3"

    @property
    def sentence_vectors_file(self) -> Path:
        """Where the abstracts' sentence vectors are kept (index/sentences.py): beside the
        index, also for a Chroma server's (each machine keeps its own; keyed by text, so
        one file serves every collection and survives a rebuild)."""
        return self.vectorstore_dir / "sentence_vectors.sqlite3"

    @property
    def context_window(self) -> int:
        """n_ctx: the setting, or room for instructions, evidence, history, question and answer."""
        if self.n_ctx:
            return self.n_ctx
        longest = max(self.max_answer_tokens, self.longest_answer_tokens)
        needed = 400 + self.context_budget_tokens + self.history_budget_tokens + longest
        return -(-needed // 256) * 256

    @property
    def index_location(self) -> str:
        """Where the index lives, as messages name it: a server URL or a folder."""
        if self.chroma_host:
            scheme = "https" if self.chroma_ssl else "http"
            return f"{scheme}://{self.chroma_host}:{self.chroma_port} ({self.collection})"
        return str(self.vectorstore_dir)

    @property
    def cpu_threads(self) -> int:
        """The embedder's thread count: the setting, or every core the process may use."""
        if self.threads:
            return self.threads
        return (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )

    @property
    def generation_threads(self) -> int:
        """llama.cpp's thread count: the setting, or every core but one. Its threads wait
        for each other at every step, so one that shares a core with another busy process
        (the browser drawing the answer, an editor) stalls them all. On two cores
        (BENCHMARKS.md, "Thread count"): two threads are 1.5x faster than one on an idle
        machine, but 1.6x slower with one other busy process, and collapsed (10-20x) under
        heavier load; one thread barely notices either."""
        if self.threads:
            return self.threads
        return max(1, self.cpu_threads - 1)
