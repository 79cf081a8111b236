"""The conversation as the engine uses it: what history the model sees, and the search query."""

from __future__ import annotations

import re
from collections.abc import Callable

from langchain_core.messages import BaseMessage, convert_to_openai_messages, trim_messages

from assistant.answer.citations import strip_markers
from assistant.answer.policy import refers_back

Message = dict[str, str]
MESSAGE_OVERHEAD_TOKENS = 4  # role and separators a chat template adds around each message


# Lines of a reply that are not prose: a title list ("1. Title"), a reference block.
NOT_PROSE = re.compile(r"^\s*(\d+[.)]|[-*\u2022])\s+.*$", re.MULTILINE)


def prose_history(history: list[Message]) -> list[Message]:
    """The conversation with each answer reduced to its prose: no title lists, no reference
    blocks, no citation markers (a small model copies a list's format, and old numbers
    would point at the wrong sources)."""
    kept = []
    for message in history:
        content = message["content"]
        if message["role"] == "assistant":
            content = content.split("\nReferences", 1)[0].split("\n**References", 1)[0]
            content = strip_markers(NOT_PROSE.sub("", content))
            content = " ".join(content.split())
        if content:
            kept.append({"role": message["role"], "content": content})
    return kept


def trim_history(
    history: list[Message], budget_tokens: int, count_tokens: Callable[[str], int]
) -> list[Message]:
    """The newest messages that fit in ``budget_tokens``, in their original order."""
    if not history or budget_tokens <= 0:
        return []

    def cost(messages: list[BaseMessage]) -> int:
        return sum(count_tokens(m.text) + MESSAGE_OVERHEAD_TOKENS for m in messages)

    kept = trim_messages(history, max_tokens=budget_tokens, token_counter=cost, strategy="last")
    return [{"role": m["role"], "content": m["content"]} for m in convert_to_openai_messages(kept)]


def retrieval_query(question: str, history: list[Message], follows: bool | None = None) -> str:
    """A standalone query: a follow-up borrows the words of the last question, of the one
    that set the conversation's subject, and of the last reply (``follows``: whether the
    question continues the conversation; by default, whether it points back with a word
    such as "it").

    Done in code rather than by asking the model to rewrite the question, which would
    cost a full model call (seconds on a CPU) before retrieval could even start.
    """
    if not history or not (refers_back(question) if follows is None else follows):
        return question
    # The last question and the one that set the subject, not the follow-ups between
    # (asides such as "what model size did they pretrain"), and the last reply.
    leaned_on = _leaned_on(history)
    asked = list(dict.fromkeys([leaned_on[0], leaned_on[-1]])) if leaned_on else []
    last_reply = next((m["content"] for m in reversed(history) if m["role"] == "assistant"), "")
    return " ".join(part for part in (question, *asked, last_reply[:400]) if part)


def asked_about(question: str, history: list[Message], follows: bool | None = None) -> str:
    """What a follow-up asks about: the question and the user's earlier questions it leans
    on, back to the one that stood on its own ("which datasets did it get sota on?"
    after "explain VLANet in 2 sentences"). The replies are left out: their words are
    the answer's, and judging the new question by them would judge the old answer.
    In the order asked, so the new question stays the message's last (core_question).
    ``follows`` as for retrieval_query.
    """
    if not history or not (refers_back(question) if follows is None else follows):
        return question
    return "\n".join([*reversed(_leaned_on(history)), question])


def _leaned_on(history: list[Message]) -> list[str]:
    """The user's questions a follow-up leans on, newest first: back to the one that
    stood on its own ("which ssl method do they use?" leans on "what's the recipe in
    'big self-supervised models ...'?")."""
    asked = []
    for message in reversed(history):
        if message["role"] != "user":
            continue
        asked.append(message["content"])
        if not refers_back(message["content"]):
            break
    return asked
