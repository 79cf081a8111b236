"""The hand-written dev questions shipped in eval/dev_questions.jsonl."""

from __future__ import annotations

from assistant.config import PROJECT_ROOT
from assistant.evaluation import Question
from assistant.evaluation import load_questions as load_question_file

DEV_QUESTIONS = PROJECT_ROOT / "eval" / "dev_questions.jsonl"


def load_questions(*types: str) -> list[Question]:
    """The dev questions, all of them or those of the given types."""
    return load_question_file(DEV_QUESTIONS, types or None)
