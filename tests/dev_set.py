"""The hand-written dev questions shipped in eval/dev_questions.jsonl."""

from __future__ import annotations

from paper_bench.evaluation import Question
from paper_bench.evaluation import load_questions as load_question_file

from assistant.config import PROJECT_ROOT

DEV_QUESTIONS = PROJECT_ROOT / "eval" / "dev_questions.jsonl"


def load_questions(*types: str) -> list[Question]:
    """The dev questions, all of them or those of the given types."""
    return load_question_file(DEV_QUESTIONS, types or None)
