"""Several chat sessions at once through the HTTP API: each gets its own answer, none lost."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

# (question, a title its answer must cite): one session each, all submitted at once.
SESSIONS = [
    ("By how much does SegPrompt improve unseen detection AR?", "SegPrompt"),
    ("How does SPIN fine-tune a weak language model?", "Self-Play Fine-Tuning"),
    ("What does RemoteCLIP pretrain for remote sensing?", "RemoteCLIP"),
    ("What is weak-to-strong generalization?", "Weak-to-Strong"),
    ("How are bi-temporal images used for change detection?", "Change"),
]


def test_concurrent_sessions_each_get_their_own_answer(served_ui, loopback_only):
    from gradio_client import Client

    clients = [Client(served_ui, verbose=False) for _ in SESSIONS]
    jobs = [
        client.submit(question, "Answer", 5, 0.0, 120, api_name="/chat")
        for client, (question, _) in zip(clients, SESSIONS, strict=True)
    ]
    # Search does not queue behind the model: papers are found while answers are pending.
    searcher = Client(served_ui, verbose=False)
    found = searcher.predict("open-world instance segmentation", "Find papers", 3, api_name="/chat")
    answers_pending_after_search = sum(not job.done() for job in jobs)
    assert "SegPrompt" in found[1][-1]["content"][0]["text"]
    assert answers_pending_after_search > 0

    results = [job.result(timeout=900) for job in jobs]
    assert len(results) == len(SESSIONS)  # none lost
    for (question, title), job, (_, chat, sources, _) in zip(SESSIONS, jobs, results, strict=True):
        assert chat[0]["content"][0]["text"] == question  # its own conversation
        assert len(chat) == 2 and chat[1]["role"] == "assistant"
        assert all(update[1][0]["content"][0]["text"] == question for update in job.outputs())
        assert title in sources, f"{question!r}: {title!r} not among its sources"
