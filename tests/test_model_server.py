"""The model-server client against a fake OpenAI-compatible server (httpx.MockTransport)."""

from __future__ import annotations

import json

import httpx
import pytest

from assistant.config import Settings
from assistant.errors import ModelError
from assistant.models.served import ServedModel

EVENTS = [
    {"choices": [{"delta": {"role": "assistant"}}]},
    {"choices": [{"delta": {"content": "SegPrompt uses "}}]},
    {"choices": [{"delta": {"content": "category prompts [S1]."}}]},
    {"choices": [], "usage": {"total_tokens": 321}},
]


def fake_server(
    tokenize_path: str | None = "/extras/tokenize", status: int = 200, usage: list | None = None
):
    """A server streaming EVENTS; ``usage``: per call, whether it reports token usage."""
    requests: list[httpx.Request] = []
    usage = list(usage or [])

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.path == "/v1/models":
            return httpx.Response(200, json={"data": [{"id": "/models/qwen.gguf"}]})
        if request.url.path == tokenize_path:
            text = json.loads(request.content).get("input", "")
            return httpx.Response(200, json={"tokens": list(range(len(text)))})
        if request.url.path == "/v1/chat/completions":
            if status != 200:
                return httpx.Response(status, text="model overloaded")
            events = EVENTS if (usage.pop(0) if usage else True) else EVENTS[:-1]
            body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
            return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})
        return httpx.Response(404)

    return httpx.MockTransport(handle), requests


def served(transport, **settings) -> ServedModel:
    options = {"model_server_url": "http://gpu-box:8000/v1", "seed": 7, **settings}
    return ServedModel(Settings(**options), transport=transport)


def test_streams_pieces_and_sends_the_request_the_engine_asked_for():
    transport, requests = fake_server()
    model = served(transport, model_server_key="secret")
    messages = [{"role": "user", "content": "What does SegPrompt do?"}]
    assert list(model.stream_chat(messages, 64, 0.0)) == [
        "SegPrompt uses ",
        "category prompts [S1].",
    ]
    sent = json.loads(requests[-1].content)
    assert sent["model"] == "/models/qwen.gguf" and sent["stream"] is True
    assert (sent["max_tokens"], sent["temperature"], sent["seed"]) == (64, 0.0, 7)
    assert requests[-1].headers["authorization"] == "Bearer secret"
    assert model.context_tokens == 321
    assert model.name == "qwen.gguf"


def test_counts_tokens_with_the_servers_tokenizer_or_estimates():
    with_tokenizer = served(fake_server()[0])
    assert with_tokenizer.count_tokens("abcdef") == 6  # the fake: one token per character
    without = served(fake_server(tokenize_path=None)[0])
    assert without.count_tokens("one two three four five") == 7  # about 1.4 tokens a word


def test_a_failing_server_is_a_clear_error():
    model = served(fake_server(status=503)[0])
    with pytest.raises(ModelError, match="answered 503: model overloaded"):
        list(model.stream_chat([{"role": "user", "content": "hi"}], 8, 0.0))

    def refuse(request):
        raise httpx.ConnectError("connection refused")

    with pytest.raises(ModelError, match="did not list a model"):
        served(httpx.MockTransport(refuse))


def test_each_answer_reports_its_own_context_size():
    model = served(fake_server(usage=[True, False])[0])
    short = [{"role": "user", "content": "hi"}]
    list(model.stream_chat(short, 8, 0.0))
    assert model.context_tokens == 321  # as the server reported it
    list(model.stream_chat(short, 8, 0.0))
    # No usage this time: counted by the tokenizer (2 characters, 2 pieces), not the 321 of
    # the answer before.
    assert model.context_tokens == 4
