"""Typos in the words a question asks with ("whcih paper introdcued spin"), set right.

People type fast; a misspelt "which" must neither count as a name the collection lacks
nor hide that the question is a lookup. Hand-written because no spelling library here
knows both English and the collection's own words (pyspellchecker and symspellpy ship
general English lists, which would "correct" model names). The rule is kept narrow so a
real name is never rewritten into a word it is not:

- only a word that no indexed text holds and that is no everyday English word is looked at;
- it becomes a word of the asking vocabulary (stop words and the words questions ask with)
  one edit away (a letter dropped, added, changed or two swapped);
- or an everyday English word the collection holds that differs by two letters swapped
  ("teh", "introdcued"), the typo of fast typing. A changed letter is not enough there:
  "qlora" is no "flora";
- or, for the shorthand of chat ("avg perf", "w/o", "approx"), the word it stands for
  (SHORTHAND), again only when no indexed text holds it as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Set

from assistant.text import STOPWORDS, WORD

LETTERS = "abcdefghijklmnopqrstuvwxyz"

# The words questions ask with, beside the stop words.
ASKING_WORDS = frozenset(
    """
    paper papers which what who whose when where compare compared comparison dataset
    datasets benchmark model models method methods introduced introduces introduce proposed
    proposes propose presented presents release released explain summarize summary
    difference between about collection listed published
    """.split()
)

# Chat shorthand, written out, so that "the avg perf drop" asks about an average drop in
# performance and not about an unknown name "avg". Hand-written: a short, closed list of
# everyday abbreviations (no library here covers chat shorthand); model names are never
# on it, and a word of the collection is kept as written.
SHORTHAND = {
    "avg": "average",
    "langs": "languages",
    "lang": "language",
    "perf": "performance",
    "approx": "approximately",
    "w/": "with",
    "w/o": "without",
    "b/c": "because",
    "params": "parameters",
    "info": "information",
    "incl": "including",
    "esp": "especially",
    "expts": "experiments",
    "impl": "implementation",
    "acc": "accuracy",
    "prev": "previous",
    "num": "number",
    "qs": "questions",
    "hf": "huggingface",
    "ppl": "people",
    "hrs": "hours",
    "hr": "hour",
    "vids": "videos",
    "vid": "video",
    "imgs": "images",
    "img": "image",
    "hparam": "hyperparameter",
    "hparams": "hyperparameters",
    "hyperparam": "hyperparameter",
    "hyperparams": "hyperparameters",
}
# A shorthand word as written, slashes included ("w/o").
SHORTHAND_WORD = re.compile(r"(?<![\w/])(w/o|w/|b/c)(?![\w/])|\b[a-z]+\b", re.IGNORECASE)


def _dropped_or_added(word: str) -> set[str]:
    """The words one letter dropped from ``word`` or added to it."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {a + b[1:] for a, b in splits if b} | {a + c + b for a, b in splits for c in LETTERS}


def _edits(word: str) -> set[str]:
    """The words one edit away: a letter dropped, added, changed or two swapped."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        _dropped_or_added(word)
        | _swaps(word)
        | {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    )


def _swaps(word: str) -> set[str]:
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}


# The shortest word set right to a word of the collection: "chesvision" is ChessVision,
# "proces" is process; a shorter one ("qlora" for "lora") is another name too often.
COLLECTION_TYPO_LETTERS = 6


def correction(
    word: str,
    in_collection: Callable[[str], bool],
    common_words: Set[str],
    in_text: Callable[[str], bool] | None = None,
) -> str | None:
    """The word meant, or None when ``word`` is no typo this module sets right.

    ``in_text``: whether an indexed text holds a word as written (``in_collection`` also
    finds a word one typo away). A word no text holds as written, no everyday word, of
    COLLECTION_TYPO_LETTERS or more, becomes the one word of the collection that a letter
    dropped or added makes it ("chesvision dataset # of images?"): the collection's
    spelling is what its passages are found by."""
    lower = word.lower()
    if len(lower) < 3 or not lower.isalpha() or lower in common_words:
        return None
    if in_text is not None and len(lower) >= COLLECTION_TYPO_LETTERS and not in_text(lower):
        near = sorted(w for w in _dropped_or_added(lower) if in_text(w))
        if len(near) == 1:
            return near[0]
    if in_collection(lower):
        return None
    asking = STOPWORDS | ASKING_WORDS
    candidates = sorted(_edits(lower) & asking)
    if len(lower) == 3:  # "kto" (an acronym) is no "to" missing a letter
        candidates = [c for c in candidates if len(c) >= 3]
    if len(candidates) == 1:
        return candidates[0]
    # Three letters swapped make another word too often ("kto" and "tko"): asking words only.
    # An everyday word must be one the collection holds: "byol" is no "boyl" (a stem of
    # "Boyle" in the everyday list), and a word no abstract holds would find nothing anyway.
    everyday = common_words if len(lower) > 3 else frozenset()
    swapped = sorted(
        w for w in _swaps(lower) if w in asking or (w in everyday and in_collection(w))
    )
    return swapped[0] if len(swapped) == 1 else None


# "w2s", "t2i": the chat shorthand for "weak-to-strong", "text-to-image".
TWO_FOR_TO = re.compile(r"(?<![\w-])([a-z]+)2([a-z]+)(?![\w-])", re.IGNORECASE)


def two_for_to(word: str, vocabulary: Iterable[str]) -> str | None:
    """The one hyphenated word of the collection that ``word``, written "x2y", shortens:
    "w2s" is "weak-to-strong" when that is the only word "w...-to-s..." the collection
    holds; None when no word or several do."""
    parts = TWO_FOR_TO.fullmatch(word)
    if not parts:
        return None
    start, end = parts.group(1).lower(), parts.group(2).lower()
    written = re.compile(rf"{start}[a-z]*-to-{end}[a-z]*")
    found = {w for w in vocabulary if written.fullmatch(w)}
    return found.pop() if len(found) == 1 else None


# A hyphenated word: "afro-lm", "mm-llama".
HYPHENATED = re.compile(r"(?<![\w-])[a-z0-9]+(?:-[a-z0-9]+)+(?![\w-])", re.IGNORECASE)


def joined(word: str, in_text: Callable[[str], bool]) -> str | None:
    """The collection's word that ``word`` hyphenates ("afro-lm" is "AfroLM"), when no
    indexed text holds it hyphenated, nor one of its parts ("afro"), and one holds it
    joined; else None. A word whose parts the texts hold is found by them ("pseudo-
    labeling" by the "pseudo labels" of one paper as by the "pseudolabeling" of another)."""
    lower = word.lower()
    together = lower.replace("-", "")
    if in_text(lower) or all(map(in_text, lower.split("-"))):
        return None
    return together if in_text(together) else None


def correct_typos(
    question: str,
    in_collection: Callable[[str], bool],
    common_words: Set[str],
    in_text: Callable[[str], bool] | None = None,
    vocabulary: Iterable[str] = (),
) -> str:
    """``question`` with its typos set right (``correction``), "x2y" shorthand written out
    as the collection writes it (``two_for_to``), a name hyphenated where the collection
    writes it joined (``joined``), the rest as written."""

    def fix(match: re.Match[str]) -> str:
        return correction(match.group(), in_collection, common_words, in_text) or match.group()

    def spell_out(match: re.Match[str]) -> str:
        word = match.group()
        if in_text is not None and in_text(word.lower()):
            return word
        return two_for_to(word, vocabulary) or word

    def write_out(match: re.Match[str]) -> str:
        word = match.group()
        meant = SHORTHAND.get(word.lower())
        return meant if meant and not in_collection(word.lower()) else word

    def join(match: re.Match[str]) -> str:
        word = match.group()
        return (joined(word, in_text) if in_text is not None else None) or word

    question = HYPHENATED.sub(join, TWO_FOR_TO.sub(spell_out, question))
    return WORD.sub(fix, SHORTHAND_WORD.sub(write_out, question))
