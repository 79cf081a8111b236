"""The served app through its HTTP API (gradio_client): real model, bundled corpus."""

from __future__ import annotations

import pytest

from assistant.answer.prompts import NOT_FOUND

pytestmark = pytest.mark.integration

SEGPROMPT = "By how much does SegPrompt improve unseen detection AR on its benchmark?"
SPIN = "How does SPIN fine-tune a weak language model?"


def reply_of(result) -> str:
    """The text of the last chat message in the API's output."""
    _, chat, _, _ = result
    return chat[-1]["content"][0]["text"]


def test_two_clients_at_once_get_their_own_streamed_answers(served_ui, loopback_only):
    from gradio_client import Client

    first, second = Client(served_ui, verbose=False), Client(served_ui, verbose=False)
    jobs = [
        first.submit(SEGPROMPT, "Answer", 5, 0.0, 200, api_name="/chat"),
        second.submit(SPIN, "Answer", 5, 0.0, 200, api_name="/chat"),
    ]
    results = [job.result(timeout=600) for job in jobs]
    for question, job, result in zip([SEGPROMPT, SPIN], jobs, results, strict=True):
        _, chat, _, status = result
        assert [m["role"] for m in chat] == ["user", "assistant"] and "tokens/s" in status
        updates = job.outputs()
        assert len(updates) > 2  # a placeholder, streamed pieces, then the final reply
        assert all(update[1][0]["content"][0]["text"] == question for update in updates)
    assert "[1] cited" in results[0][2] and "**References**" in reply_of(results[0])
    assert "SegPrompt: Boosting Open-world Segmentation" in results[0][2]
    assert "Self-Play Fine-Tuning Converts Weak Language Models" in results[1][2]

    # Each client's conversation lives on the server, in its own session.
    follow_up = first.predict("What does it use?", "Answer", 5, 0.0, 120, api_name="/chat")
    assert [m["content"][0]["text"] for m in follow_up[1][::2]] == [SEGPROMPT, "What does it use?"]
    found = second.predict("weak-to-strong generalization", "Find papers", 3, api_name="/chat")
    assert len(found[1]) == 4 and "Weak-to-Strong" in reply_of(found)


def test_unrelated_question_gets_the_not_found_reply(served_ui, loopback_only):
    from gradio_client import Client

    question = "What is the recommended ibuprofen dose for a child who weighs 20 kg?"
    result = Client(served_ui, verbose=False).predict(question, api_name="/chat")
    assert reply_of(result).startswith(f"No indexed paper mentions 'ibuprofen'. {NOT_FOUND}")
    assert "Closest matches" in result[2]


def test_uploads_over_the_limit_or_broken_are_refused(served_ui, tmp_path, loopback_only):
    import httpx
    from gradio_client import Client, handle_file

    client = Client(served_ui, verbose=False)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"title": "Half a record", "abstract": ', encoding="utf-8")
    message, status = client.predict(handle_file(str(broken)), api_name="/add_papers")
    assert message.startswith("**broken.jsonl was not added**") and "broken.jsonl:line 1" in message
    assert "**180** papers indexed" in status
    # The server itself refuses a file over the limit (0.5 MB here), whatever the client does.
    upload = httpx.post(
        served_ui + "gradio_api/upload", files={"files": ("large.jsonl", b"x" * 600_000)}
    )
    assert upload.status_code == 413
