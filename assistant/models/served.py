"""Generation on an OpenAI-compatible server (llama_cpp.server, llama.cpp's llama-server, vLLM),
through the openai client.

A GPU box can serve the model to a lab while each assistant keeps its own index,
retrieval, citation checks and abstention: only the text generation moves.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import openai

from assistant.config import Settings
from assistant.errors import ModelError

log = logging.getLogger(__name__)

ESTIMATE = ("", None)  # no tokenize endpoint: about 1.4 tokens a word

# (path relative to the server root, request body, how to read the count), per server kind.
TOKENIZERS = (
    ("/extras/tokenize", lambda text, model: {"input": text}),  # llama_cpp.server
    ("/tokenize", lambda text, model: {"content": text}),  # llama.cpp's llama-server
    ("/tokenize", lambda text, model: {"model": model, "prompt": text}),  # vLLM
)


class ServedModel:
    """The ``ChatModel`` of the engine, answered by a server at ``model_server_url``."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        assert settings.model_server_url
        self.base_url = settings.model_server_url.rstrip("/")
        self.root_url = self.base_url.removesuffix("/v1")
        key = settings.model_server_key.get_secret_value() if settings.model_server_key else None
        timeout = httpx.Timeout(10.0, read=300.0)
        # The tokenize endpoints are not part of the OpenAI API: plain HTTP for those.
        self.http = httpx.Client(
            headers={"Authorization": f"Bearer {key}"} if key else {},
            timeout=timeout,
            transport=transport,
        )
        self.client = openai.OpenAI(
            base_url=self.base_url,
            api_key=key or "none",  # local servers ask for none; the client insists on one
            max_retries=0,
            timeout=timeout,
            http_client=httpx.Client(timeout=timeout, transport=transport),
        )
        self.seed = settings.seed
        self.model_name = settings.model_server_model or self._served_model()
        self._tokenizer: tuple[str, Any] | None = None
        self._context = 0

    def _served_model(self) -> str:
        """The first model the server lists (llama.cpp servers serve one)."""
        try:
            return self.client.models.list().data[0].id
        except (openai.APIError, IndexError) as error:
            raise ModelError(
                f"The model server at {self.base_url} did not list a model ({error}). Check "
                "ASSISTANT_MODEL_SERVER_URL (for example http://127.0.0.1:8000/v1), or set "
                "ASSISTANT_MODEL_SERVER_MODEL."
            ) from error

    @property
    def name(self) -> str:
        return self.model_name.rsplit("/", 1)[-1]

    def count_tokens(self, text: str) -> int:
        """Tokens by the server's own tokenizer when it offers one, else an estimate."""
        if self._tokenizer is None:  # first call: find which endpoint this server has
            self._tokenizer = ESTIMATE
            for path, body in TOKENIZERS:
                if self._tokenize(path, body, text) is not None:
                    self._tokenizer = (path, body)
                    break
            else:
                log.warning(
                    "%s has no tokenize endpoint; token counts are estimated", self.root_url
                )
        if self._tokenizer is not ESTIMATE:
            count = self._tokenize(*self._tokenizer, text)
            if count is not None:
                return count
        return max(1, round(len(text.split()) * 1.4))

    def _tokenize(self, path: str, body: Any, text: str) -> int | None:
        try:
            response = self.http.post(self.root_url + path, json=body(text, self.model_name))
            tokens = response.json().get("tokens") if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError):
            return None
        return len(tokens) if isinstance(tokens, list) else None

    def stream_chat(
        self, messages: list[dict[str, str]], max_tokens: int, temperature: float
    ) -> Iterator[str]:
        """Text pieces of the reply as the server streams them."""
        self._context = 0  # this answer's count, not the previous one's
        pieces = 0
        try:
            stream = self.client.chat.completions.create(
                model=self.model_name,
                messages=messages,
                max_tokens=max_tokens,
                temperature=temperature,
                seed=self.seed,
                stream=True,
            )
            for chunk in stream:
                if chunk.usage is not None:
                    self._context = int(chunk.usage.total_tokens or 0)
                for choice in chunk.choices:
                    if piece := choice.delta.content:
                        pieces += 1
                        yield piece
        except openai.APIStatusError as error:
            raise ModelError(
                f"The model server at {self.base_url} answered {error.status_code}: "
                f"{error.response.text[:300]}"
            ) from error
        except openai.APIError as error:
            raise ModelError(f"The model server at {self.base_url} failed: {error}") from error
        if not self._context:
            self._context = sum(self.count_tokens(m["content"]) for m in messages) + pieces

    @property
    def context_tokens(self) -> int:
        return self._context

    def describe(self) -> dict[str, Any]:
        return {"model": self.name, "backend": f"server {self.base_url}"}
