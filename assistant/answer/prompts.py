"""Prompt files in prompts/, loaded by name as LangChain templates with checked placeholders."""

from __future__ import annotations

from pathlib import Path

from langchain_core.prompts import PromptTemplate

from assistant.config import PROMPTS_DIR
from assistant.errors import AssistantError
from assistant.retrieval.scope import Scope, Selection

# The one "not in the collection" answer: the code decides when to give it and shows
# it, the tests look for it, and a reply containing it counts as a refusal. The prompt
# does not offer it to the model: measured on the dev set, the 0.5B default model took
# that exit on 26 of 82 answerable questions whose evidence held the answer, while
# the code's own check (relevance.py) already abstains on 13 of 15 unanswerable ones.
NOT_FOUND = "The paper collection does not answer this question."
# Said after naming the side of a comparison that no indexed paper mentions.
CANNOT_COMPARE = "So the collection cannot make this comparison; what it holds on the rest:"


def not_found_text(
    missing: list[str], not_introduced: str = "", unmatched: str = "", uncounted: str = ""
) -> str:
    """The not-found answer, naming what no indexed paper mentions (or introduces, or
    mentions beside the rest of the question, or counts) when that is the reason."""
    if uncounted and not missing:
        return (
            f"No indexed paper found for the question gives a number of '{uncounted}'. {NOT_FOUND}"
        )
    if unmatched and not missing:
        matching = "No indexed paper that matches the rest of the question mentions"
        return f"{matching} '{unmatched}'. {NOT_FOUND}"
    if not_introduced and not missing:
        return f"No indexed paper introduces '{not_introduced}'. {NOT_FOUND}"
    if not missing:
        return NOT_FOUND
    quoted = " or ".join(f"'{phrase}'" for phrase in missing[:3])
    return f"No indexed paper mentions {quoted}. {NOT_FOUND}"


def not_about_text(name: str) -> str:
    """What is said of a name the collection only mentions in passing."""
    return f"No indexed paper is about '{name}'; it is only mentioned in passing."


def scope_note(scope: Scope, selection: Selection) -> str:
    """What a scoped question searched, said after its not-found answer."""
    count = len(selection.paper_ids)
    note = f" (Searched only {scope.describe()}: {count} paper{'s' * (count != 1)}.)"
    return note + "".join(f" {text}" for text in selection.notes)


# Each prompt's placeholders; a file with a missing or unknown one is refused at start.
PROMPT_VARIABLES = {
    "system": set(),
    "answer": {"sources", "question"},
    # LangChain's RAG tutorial prompt (rlm/rag-prompt), for the benchmark's naive baseline.
    "naive_rag": {"question", "context"},
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
        self.system = load_prompt("system", directory).format()
        self.answer = load_prompt("answer", directory)
