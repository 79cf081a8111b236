"""Question files: the format of a question set, checked line by line with file:line errors."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.records import title_key

QUESTION_TYPES = (
    "lookup",
    "fact",
    "topic",
    "metadata",
    "comparison",
    "out_of_collection",
    "follow_up",
)
OUT_OF_COLLECTION = "out_of_collection"
COMPARISON = "comparison"
FOLLOW_UP = "follow_up"
ROLES = ("user", "assistant")


class QuestionFileError(AssistantError):
    """A question file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    question: str
    gold_titles: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    history: tuple[dict[str, str], ...] = ()

    @property
    def answerable(self) -> bool:
        return self.type != OUT_OF_COLLECTION


def _string_list(record: dict, key: str, where: str) -> tuple[str, ...]:
    value = record.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise QuestionFileError(f"{where}: {key!r} must be a list of non-empty strings")
    return tuple(value)


def _history(value: Any, where: str) -> tuple[dict[str, str], ...]:
    """Earlier turns, oldest first, each ``{"role": "user"|"assistant", "content": str}``."""
    shape = "a list of {'role': 'user'|'assistant', 'content': str}"
    if not isinstance(value, list):
        raise QuestionFileError(f"{where}: 'history' must be {shape}")
    turns = []
    for number, turn in enumerate(value, start=1):
        if not isinstance(turn, dict) or turn.get("role") not in ROLES:
            raise QuestionFileError(
                f"{where}: 'history' must be {shape}; turn {number} has no such role"
            )
        if not isinstance(turn.get("content"), str) or not turn["content"].strip():
            raise QuestionFileError(
                f"{where}: 'history' must be {shape}; turn {number} has no content"
            )
        turns.append({"role": turn["role"], "content": turn["content"]})
    return tuple(turns)


def parse_question(record: Any, where: str) -> Question:
    """One question from its JSON object; ``where`` ("file:line") prefixes every error."""
    if not isinstance(record, dict):
        raise QuestionFileError(f"{where}: expected a JSON object, got {type(record).__name__}")
    for key in ("id", "type", "question"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            raise QuestionFileError(f"{where}: {key!r} is missing or not a non-empty string")
    if record["type"] not in QUESTION_TYPES:
        raise QuestionFileError(
            f"{where}: type {record['type']!r} is not one of {', '.join(QUESTION_TYPES)}"
        )
    gold = _string_list(record, "gold_titles", where)
    keywords = _string_list(record, "keywords", where)
    if record["type"] == OUT_OF_COLLECTION and gold:
        raise QuestionFileError(f"{where}: an out_of_collection question has no gold_titles")
    if record["type"] != OUT_OF_COLLECTION and not gold:
        raise QuestionFileError(f"{where}: a {record['type']} question needs gold_titles")
    if record["type"] == COMPARISON and len(set(map(title_key, gold))) < 2:
        raise QuestionFileError(
            f"{where}: a comparison question needs at least two different gold_titles "
            "(every paper it must cite)"
        )
    history = _history(record.get("history", []), where)
    if record["type"] == FOLLOW_UP and not history:
        raise QuestionFileError(f"{where}: a follow_up question needs a 'history'")
    return Question(
        record["id"],
        record["type"],
        record["question"],
        gold,
        keywords,
        history,
    )


def load_questions(path: Path | str, types: Iterable[str] | None = None) -> list[Question]:
    """Every question in a JSON Lines file (optionally of some types), checked line by line."""
    path = Path(path)
    if not path.is_file():
        raise QuestionFileError(f"Question file {path} does not exist.")
    wanted = set(types or QUESTION_TYPES)
    questions: list[Question] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise QuestionFileError(f"{where}: not valid JSON ({error.msg})") from error
            question = parse_question(record, where)
            if question.id in seen:
                raise QuestionFileError(
                    f"{where}: id {question.id!r} already used on line {seen[question.id]}"
                )
            seen[question.id] = number
            if question.type in wanted:
                questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path} holds no question (of the types asked for).")
    return questions


def missing_gold_titles(questions: Iterable[Question], indexed_titles: Iterable[str]) -> list[str]:
    """Gold titles of ``questions`` that the index does not hold, in question order."""
    indexed = set(map(title_key, indexed_titles))
    missing = [t for q in questions for t in q.gold_titles if title_key(t) not in indexed]
    return list(dict.fromkeys(missing))
