"""Deciding whether the collection can answer: the code's call, never the model's.

Two signals, calibrated on eval/dev_questions.jsonl. A question that names
something specific (FlashAttention, DINOv2, SA-1B) that no indexed text mentions is
about a paper the collection does not hold, however similar its topic. Otherwise
a paper is close enough when its best passage is similar enough to the question
(cosine similarity), or when it mentions a name the question uses (for short
questions like "which paper introduced SPIN?" that embed poorly).

Fused (reciprocal rank) scores are not used here: they come from ranks, so the best
paper for an unrelated question scores as high as the best one for a good question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

WORD = re.compile(r"[A-Za-z0-9]+(?:[-'\u2019][A-Za-z0-9]+)*")
SENTENCE_END = ".?!:\"'“"
FUNCTION_WORDS = frozenset(
    [
        "i",
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "in",
        "on",
        "for",
        "to",
        "with",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "why",
        "when",
        "where",
        "is",
        "are",
        "was",
        "were",
        "does",
        "do",
        "did",
        "can",
        "could",
        "should",
        "would",
        "find",
        "show",
        "list",
        "give",
        "any",
        "has",
        "have",
        "there",
    ]
)


def words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(text)}


def _fold(term: str) -> list[str]:
    term = re.sub(r"['\u2019]s$", "", term.lower())
    return [term, term[:-1]] if term.endswith("s") and len(term) > 3 else [term]


def named_terms(question: str) -> list[str]:
    """Words that name something: inner capitals (DINOv2), letters with digits (SA-1B),
    or a capital letter mid-sentence (Chinchilla). Number-like tokens (224x224) are not names."""
    found = []
    for match in WORD.finditer(question):
        word = match.group(0)
        letters = sum(c.isalpha() for c in word)
        digits = sum(c.isdigit() for c in word)
        if digits >= letters:
            continue
        previous = question[: match.start()].rstrip()
        mid_sentence = bool(previous) and previous[-1] not in SENTENCE_END
        # "X-rays", "T-cell": a one-letter prefix is spelling, not a name.
        head = re.split(r"[-'\u2019]", word)[0]
        inner_capital = len(head) > 1 and any(c.isupper() for c in word[1:])
        capitalised = (
            len(head) > 1
            and word[0].isupper()
            and mid_sentence
            and word.lower() not in FUNCTION_WORDS
        )
        if inner_capital or (digits and letters) or capitalised:
            found.append(word)
    return found


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    shorter, longer = sorted((a, b), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def is_known(term: str, vocabulary: set[str]) -> bool:
    """In the collection as a whole word, or (hyphenated) every part of it is, or (six
    letters or more) one typo away from a word that is: abstracts misspell names too."""
    forms = _fold(term)
    if any(form in vocabulary for form in forms):
        return True
    parts = re.split(r"[-'\u2019]", term)
    if len(parts) > 1 and all(
        len(part) < 2 or any(form in vocabulary for form in _fold(part)) for part in parts
    ):
        return True
    return len(forms[0]) >= 6 and any(_one_edit_apart(forms[0], word) for word in vocabulary)


def unknown_names(question: str, vocabulary: set[str]) -> list[str]:
    """The names in the question that no indexed text contains."""
    return [term for term in named_terms(question) if not is_known(term, vocabulary)]


def build_vocabulary(texts: Iterable[str]) -> set[str]:
    vocabulary: set[str] = set()
    for text in texts:
        text_words = words(text)
        vocabulary |= text_words
        vocabulary |= {part for word in text_words for part in re.split(r"[-'\u2019]", word)}
    return vocabulary


def mentions_a_name(question: str, passages: Iterable[str]) -> bool:
    """Whether any passage contains one of the question's names (whole word)."""
    names = {form for term in named_terms(question) for form in _fold(term)}
    return bool(names) and any(names & words(passage) for passage in passages)
