"""The hand-written dev questions in eval/dev_questions.jsonl."""

from __future__ import annotations

import json

from assistant.config import PROJECT_ROOT

DEV_QUESTIONS = PROJECT_ROOT / "eval" / "dev_questions.jsonl"


def load_questions(*types: str) -> list[dict]:
    with DEV_QUESTIONS.open(encoding="utf-8") as handle:
        questions = [json.loads(line) for line in handle if line.strip()]
    return [q for q in questions if not types or q["type"] in types]
