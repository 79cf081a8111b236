"""Prompt files in prompts/, loaded by name as LangChain templates with checked placeholders."""

from __future__ import annotations

from pathlib import Path

from langchain_core.prompts import PromptTemplate

from assistant.config import PROMPTS_DIR
from assistant.errors import AssistantError

# The one "not in the collection" answer: the prompt asks for it, the code detects and
# shows it, the tests look for it.
NOT_FOUND = "The paper collection does not answer this question."

# Each prompt's placeholders; a file with a missing or unknown one is refused at start.
PROMPT_VARIABLES = {
    "system": {"not_found"},
    "answer": {"sources", "question"},
    "lookup": {"sources", "question"},
}


def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> PromptTemplate:
    path = directory / f"{name}.txt"
    if not path.is_file():
        raise AssistantError(f"Prompt file {path} is missing.")
    template = PromptTemplate.from_file(path, encoding="utf-8")
    expected = PROMPT_VARIABLES[name]
    found = set(template.input_variables)
    if found != expected:
        raise AssistantError(
            f"Prompt {path} has placeholders {sorted(found)}, expected {sorted(expected)}."
        )
    return template


class Prompts:
    """All prompts, loaded and checked once."""

    def __init__(self, directory: Path = PROMPTS_DIR) -> None:
        self.system = load_prompt("system", directory).format(not_found=NOT_FOUND)
        self.answer = load_prompt("answer", directory)
        self.lookup = load_prompt("lookup", directory)
