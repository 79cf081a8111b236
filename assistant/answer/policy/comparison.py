"""The things a comparison names."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.text import tokenize

if TYPE_CHECKING:
    pass
from assistant.answer.policy.intent import core_question

# --- Comparisons --------------------------------------------------------------------------

# What joins the things compared: "A vs B", "A and B", "A or B", "A with B", "A from B"
# (never inside a hyphenated name such as "weak-to-strong").
SIDE_BREAK = re.compile(
    r"\s*(?:[,;]|(?<![\w-])(?:vs\.?|versus|and|or|with|from|to|against|than)(?![\w-]))\s*",
    re.IGNORECASE,
)
COMPARISON_WORDS = re.compile(
    r"(?<![\w-])(compare[ds]?|comparing|comparison|differ(s|ence|ences)?|contrast|"
    r"which(\s+one)?|works|performs|better|best|worse|more|less|between|how|does|do|is|are|"
    r"what|the|of)(?![\w-])",
    re.IGNORECASE,
)


def comparison_sides(question: str) -> list[str]:
    """The things a comparison names, each as a short query ("SPIN", "DPO"); at most three."""
    sides = []
    for part in SIDE_BREAK.split(core_question(question)):
        side = " ".join(COMPARISON_WORDS.sub(" ", part).split()).strip(" ?.!:")
        if tokenize(side):
            sides.append(side)
    return sides[:3]
