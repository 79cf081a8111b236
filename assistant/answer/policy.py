"""Every judgement about a question and a reply, each a small pure function.

- ``classify``: what kind of question this is (lookup, fact, comparison, topic,
  metadata, follow-up), from its structure.
- ``answerable_papers``: which retrieved papers may answer; none means abstain.
- ``review_reply``: accept the model's reply, repair it, or turn it into the not-found answer.
- ``is_planted_instruction``: a sentence in the data that addresses the assistant.

The engine asks; this module decides. Each rule has a table test with the cases where
it must say no (tests/test_policy.py).

Abstention: two signals, calibrated on eval/dev_questions.jsonl. A question that names
something specific (FlashAttention, DINOv2, SA-1B) that no indexed text mentions is
about a paper the collection does not hold, however similar its topic. Otherwise a paper
is close enough when its best passage is similar enough to the question (cosine
similarity), or when it mentions a name the question uses (short questions like "which
paper introduced SPIN?" embed poorly). Fused (reciprocal rank) scores are not used: they
come from ranks, so the best paper for an unrelated question scores as high as the best
one for a good question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, TypeVar

from assistant.text import HYPHENS, WORD, forms, tokenize, words

if TYPE_CHECKING:
    from assistant.retrieval.hybrid import PaperHit


class Evidence(Protocol):
    """What the reply checks need of a source given to the model (evidence.Source)."""

    def words(self) -> set[str]: ...


Source = TypeVar("Source", bound=Evidence)


class Intent(StrEnum):
    LOOKUP = "lookup"  # which paper did X: titles answer it
    FACT = "fact"  # what a paper found or did
    COMPARISON = "comparison"  # two or more papers or methods side by side
    TOPIC = "topic"  # every paper on a subject
    METADATA = "metadata"  # when, who, where published
    FOLLOW_UP = "follow_up"  # refers back into the conversation


# --- Intent -----------------------------------------------------------------------------

_PAPER = r"(papers?|works?|stud(?:y|ies)|articles?|publications?)"
COMPARISON = re.compile(
    r"\b(compare[ds]?|comparing|comparison|versus|vs\.?|differ(s|ence|ences)?|contrast)\b"
    r"|\bwhich\s+(one\s+)?(works|performs|is|does|scores)\s+(better|best|worse|more|less)\b"
    r"|\b(better|worse)\s+than\b",
    re.IGNORECASE,
)
TOPIC = re.compile(
    r"\b(list|show|give|find)\s+(me\s+)?(all|every|each)\b"
    r"|\b(all|every)\s+(the\s+)?" + _PAPER + r"\s+(on|about|that|in)\b"
    r"|\bwhat\s+" + _PAPER + r"\s+(are\s+there|do\s+you\s+have|does\s+the\s+collection)\b",
    re.IGNORECASE,
)
LOOKUP = re.compile(
    r"^\s*(which|what)\s+(papers?|stud(y|ies)|articles?|publications?)\b"
    r"|^\s*(which|what)\s+works?\s+(introduced|proposed|presented|showed|described)\b"
    r"|\b(find|show|list|give)\s+(me\s+)?(the|a|any)?\s*(papers?|works?|stud(y|ies))\b"
    r"|\b(is|are)\s+there\s+(a|an|any|some)?\s*(papers?|works?|research|stud(y|ies)|articles?)\b"
    r"|\bwho\s+(proposed|introduced)\b",
    re.IGNORECASE,
)
METADATA = re.compile(
    r"^\s*(when|in\s+what\s+year|what\s+year)\b.*\b(published|released|appear|come\s+out)"
    r"|\bwho\s+(wrote|are\s+the\s+authors|authored)\b|\bauthors?\s+of\b"
    r"|\b(arxiv\s+(id|number|link)|publication\s+date|doi\s+of)\b",
    re.IGNORECASE,
)
# Words that point back into the conversation ("what dataset did they use?").
FOLLOW_UP = re.compile(
    r"\b(they|them|their|it|its|this|that|these|those|the (paper|model|method|authors?|work|"
    r"approach|dataset|benchmark))\b",
    re.IGNORECASE,
)


def refers_back(question: str) -> bool:
    """Whether a question in a conversation leans on an earlier turn (pronoun, or very short)."""
    return bool(FOLLOW_UP.search(question)) or len(tokenize(question)) <= 3


def classify(question: str, has_history: bool = False) -> Intent:
    """The kind of question, from its structure; the first rule that holds wins."""
    if METADATA.search(question):
        return Intent.METADATA
    if COMPARISON.search(question):
        return Intent.COMPARISON
    if TOPIC.search(question):
        return Intent.TOPIC
    if LOOKUP.search(question):
        return Intent.LOOKUP
    if has_history and refers_back(question):
        return Intent.FOLLOW_UP
    return Intent.FACT


# --- Abstention ---------------------------------------------------------------------------

SENTENCE_END = ".?!:\"'“"
FUNCTION_WORDS = frozenset(
    "i a an the and or of in on for to with what which who whom how why when where is are "
    "was were does do did can could should would find show list give any has have there".split()
)


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
        head = HYPHENS.split(word)[0]
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
    if forms(term) & vocabulary:
        return True
    parts = HYPHENS.split(term)
    if len(parts) > 1 and all(len(part) < 2 or forms(part) & vocabulary for part in parts):
        return True
    word = term.lower()
    return len(word) >= 6 and any(_one_edit_apart(word, known) for known in vocabulary)


def unknown_names(question: str, vocabulary: set[str]) -> list[str]:
    """The names in the question that no indexed text contains."""
    return [term for term in named_terms(question) if not is_known(term, vocabulary)]


def mentions_a_name(question: str, passages: Iterable[str]) -> bool:
    """Whether any passage contains one of the question's names (whole word)."""
    names = {form for term in named_terms(question) for form in forms(term)}
    return bool(names) and any(names & words(passage) for passage in passages)


def answerable_papers(
    question: str,
    hits: Sequence[PaperHit],
    vocabulary: set[str],
    *,
    min_similarity: float,
    similarity_margin: float,
    limit: int,
) -> list[PaperHit]:
    """The retrieved papers close enough to answer from; an empty list means abstain."""
    if unknown_names(question, vocabulary):
        return []
    named = [h for h in hits if mentions_a_name(question, [h.title, *h.passages])]
    best = max((h.dense_similarity for h in hits), default=0.0)
    # Papers far below the best one rarely help and each costs prompt time.
    floor = max(min_similarity, best - similarity_margin)
    return [h for h in hits if h in named or h.dense_similarity >= floor][:limit]


# --- The model's reply --------------------------------------------------------------------

# How small models say they cannot answer, besides the exact not-found sentence.
REFUSAL = re.compile(
    r"does not answer|do not (contain|provide|mention|answer)|doesn't (contain|provide|mention)"
    r"|(no|not enough) information|cannot (be )?answer|can't answer|not (mentioned|provided|"
    r"specified|stated) in|unable to (answer|find)",
    re.IGNORECASE,
)


def is_refusal(reply: str, not_found: str) -> bool:
    return not_found.lower() in reply.lower() or bool(REFUSAL.search(reply))


def attribute(reply: str, sources: Sequence[Source], share: float = 0.6) -> Source | None:
    """The one source holding at least ``share`` of the reply's content words, if any."""
    reply_words = set(tokenize(reply))
    if len(reply_words) < 3:
        return None
    overlaps = sorted(
        ((len(reply_words & source.words()), source) for source in sources), key=lambda p: -p[0]
    )
    best_overlap, best = overlaps[0] if overlaps else (0, None)
    runner_up = overlaps[1][0] if len(overlaps) > 1 else 0
    if best_overlap >= share * len(reply_words) and best_overlap > runner_up:
        return best
    return None


def grounded(reply: str, question: str, sources: Sequence[Source]) -> bool:
    """Whether the reply shares a content word with the question or the evidence sent."""
    known = set(tokenize(question)).union(*(source.words() for source in sources))
    return bool(set(tokenize(reply)) & known)


class Verdict(StrEnum):
    ACCEPT = "accept"  # shown as written (citations already checked)
    ATTRIBUTE = "attribute"  # uncited, but clearly taken from one source: cite it
    QUOTE_SOURCE = "quote_source"  # empty of content: show what the source says instead
    ABSTAIN = "abstain"  # the model said it cannot answer


@dataclass(frozen=True)
class Review:
    verdict: Verdict
    source: Evidence | None = None  # the source to cite (ATTRIBUTE) or quote (QUOTE_SOURCE)


def review_reply(
    reply: str,
    question: str,
    sources: Sequence[Source],
    cited: Sequence[Source],
    *,
    intent: Intent,
    not_found: str,
    is_bare_citation: bool,
) -> Review:
    """What to do with the model's reply. ``cited``: the given sources it cites, in order."""
    if intent is not Intent.LOOKUP and is_refusal(reply, not_found):
        return Review(Verdict.ABSTAIN)
    if not cited and reply and not is_bare_citation:
        source = attribute(reply, sources)
        if source is not None:
            return Review(Verdict.ATTRIBUTE, source)
    if is_bare_citation or not grounded(reply, question, sources):
        # Small models sometimes answer with "[1]" alone, or with words found neither in
        # the question nor in the evidence: say what the cited (or first) source says.
        return Review(Verdict.QUOTE_SOURCE, cited[0] if cited else sources[0])
    return Review(Verdict.ACCEPT)


# --- Planted instructions -----------------------------------------------------------------

# Sentences that address a reader as an assistant are instructions planted in the data,
# not findings; they never enter the prompt (the system prompt also says so, but small
# models follow the last instruction they read).
PLANTED_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.]{0,40}\b(instructions?|prompts?|rules|directions)\b"
    r"|\b(you are now|you must now|as an ai|system prompt|new instructions?)\b"
    r"|\b(respond|reply|answer|say|output|write|print)\s+(only|just)\b"
    r"|\b(respond|reply|answer|say|output)\s+(with\s+)?[\"'\u201c]"
    r"|\b(stop|cease)\s+(answering|responding)\b"
    r"|\b(assistant|chatbot|ai model|language model|llm)\s*[,:]\s*(please\s+)?[a-z]+\b(?<!\bis)"
    r"|\b(dear|attention|note to)\s+(assistant|ai|model|chatbot)\b",
    re.IGNORECASE,
)


def is_planted_instruction(sentence: str) -> bool:
    return bool(PLANTED_INSTRUCTION.search(sentence))
