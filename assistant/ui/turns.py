"""What a browser tab keeps of its conversation: its turns, as the chat shows them and as
the engine's history reads them."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answer.history import Message
from assistant.answer.result import Answer


@dataclass
class Turn:
    """One question and its reply, kept per browser tab."""

    question: str
    reply: str  # what the engine answered: later questions see this as history
    shown: str  # the reply as the chat shows it, references included
    timings: dict[str, float] = field(default_factory=dict)
    cited: tuple[str, ...] = ()  # the papers its references list (found, in find mode)
    # The engine's answer, until the conversation is saved (none for a find-papers search
    # or a reopened turn).
    answer: Answer | None = field(default=None, compare=False, repr=False)


def _messages(turns: list[Turn], reply: str) -> list[dict[str, str]]:
    """The turns as user/assistant messages, the reply taken from the ``reply`` field."""
    return [
        message
        for turn in turns
        for message in (
            {"role": "user", "content": turn.question},
            {"role": "assistant", "content": getattr(turn, reply)},
        )
    ]


def chat_messages(turns: list[Turn]) -> list[dict[str, str]]:
    return _messages(turns, "shown")


def engine_history(turns: list[Turn]) -> list[Message]:
    return _messages(turns, "reply")
