"""Whether a sentence of the model's reply is supported by the sources it was given."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from assistant.answer.policy.concepts import is_known
from assistant.text import HYPHENS, build_vocabulary, split_sentences, stem, tokenize

if TYPE_CHECKING:
    pass


class Evidence(Protocol):
    """What the reply checks need of a source given to the model (evidence.Source)."""

    def words(self) -> set[str]: ...

    def text(self) -> str: ...

    def title(self) -> str: ...

    def paper_text(self) -> str: ...


# --- The model's reply --------------------------------------------------------------------

# Numbers as written in a claim or a source ("5.6%", "12,000", "0.25"), compared without
# thousands separators or a trailing full stop.
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in NUMBER.findall(text)}


# A figure with its unit, as a number's identity in a tie (``numbers_tied``): "1%" is not
# the "1" of "top-1", "13B" is the "13B" of "MathOctopus-13B".
FIGURE = re.compile(r"\d+(?:[.,]\d+)*(?:%|[kmb]\b)?", re.IGNORECASE)
# A measure a claim states: a figure standing alone ("77.5%", "973K", "12,000"), not a part
# of a name ("ResNet-50", "GPT-3.5", "T5", "10^6"'s 6) nor a version after a name ("Med-PaLM
# 2", "Llama 2").
MEASURE = re.compile(
    r"(?<![\w.^/-])[+~$]?(\d+(?:[.,]\d+)*(?:%|[kmb]\b|x\b)?)(?![\w-])", re.IGNORECASE
)
VERSION = re.compile(r"(\S*[A-Z]\S*) (\d+)(?![\w.,%-])")
# Where a claim's parts that each state their own figures divide ("73.9% with 1% of the
# labels, and 77.5% with 10%").
FIGURE_CLAUSES = re.compile(r";\s*|,?\s+(?:and|while|whereas|but)\s+", re.IGNORECASE)


def _figures(text: str, pattern: re.Pattern[str] = FIGURE) -> set[str]:
    return {f.replace(",", "").rstrip(".").lower().removesuffix("x") for f in pattern.findall(text)}


def numbers_tied(sentence: str, sources: Sequence[Evidence]) -> bool:
    """Whether each part of ``sentence`` that states two figures or more finds them all in
    one sentence of a source. Each figure in the sources is not enough: "ImageNet top-1
    with 1% of labels is 77.5%" joins the 1% of one sentence to the 77.5% (with 10% of
    labels) of the next, and "8K clips make up 6.39% of the clips" one paper's 8K to
    another's 6.39%. Versions and names' digits are no figures ("Med-PaLM 2")."""
    written = VERSION.sub(lambda found: f"{found.group(1)}-{found.group(2)}", sentence)
    parts = [_figures(part, MEASURE) for part in FIGURE_CLAUSES.split(written)]
    held = [_figures(s) for source in sources for s in split_sentences(source.text())]
    return all(any(part <= figures for figures in held) for part in parts if len(part) > 1)


# A word the model writes as a name: capitalised inside a sentence, after a word, not at
# its start nor after a colon, bracket or quote ("...allows Whisper to...", "made by
# OpenAI"). The reply's own spelling is read here, never the question's.
WRITTEN_NAME = re.compile(r"(?<=[\w,;%] )[A-Z][\w.+'-]*\w")


def written_names(sentence: str) -> list[str]:
    """The words ``sentence`` writes as names, each by its parts that hold a capital
    ("CLAP-style" → "CLAP"); number-like parts ("Kinetics-400") are no name."""
    return [
        part
        for word in WRITTEN_NAME.findall(sentence)
        for part in HYPHENS.split(word)
        if any(c.isupper() for c in part) and not part.isdigit()
    ]


def _names_held(names: list[str], text: str) -> bool:
    """Whether a paper's text holds every name, as a word, a form of one, or (six letters
    or more) one typo away: abstracts misspell names ("Kinectics-400")."""
    if not names:
        return True
    vocabulary = build_vocabulary([text])
    return all(is_known(name, vocabulary) for name in names)


# A sentence about what the sources do not hold ("The sources do not mention
# semi-supervised learning", "the backbone is not stated"): no finding, and word overlap
# cannot check it (the words of what is said to be missing are in the source, as in the
# reply that denied what its own quote, shown above it, stated).
HEDGE = re.compile(
    r"\b(sources?|papers?|abstracts?|texts?|context|documents?|collection|evidence|"
    r"information|study|authors?)\s+(provided\s+|given\s+)?(do|does|did)\s*(n[o']t|not)\s+"
    r"(explicitly\s+|specifically\s+|directly\s+)?(mention|say|state|provide|specify|include|"
    r"contain|discuss|report|give|describe|address|cover)\w*"
    r"|\b(is|are|was|were)\s+not\s+(explicitly\s+)?(mentioned|stated|specified|provided|"
    r"reported|described|discussed|given)\b"
    r"|\bno\s+(information|mention|details?|data)\s+(is|are|was|were|about|on|regarding)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Claim:
    """One sentence of a reply, and the sources that support it (none: unsupported)."""

    text: str
    sources: tuple[Evidence, ...] = ()
    overlap: float = 0.0

    @property
    def supported(self) -> bool:
        return bool(self.sources)


def support(sentence: str, source: Evidence) -> float:
    """The share of the sentence's content words that ``source`` holds; 0.0 when the
    sentence has a number the source does not."""
    claim_stems = {stem(word) for word in tokenize(sentence)}
    if not claim_stems or not numbers(sentence) <= numbers(source.text()):
        return 0.0
    return len(claim_stems & _stems(source)) / len(claim_stems)


def _best_first(scored: tuple[float, int]) -> tuple[float, int]:
    """Highest support first; between equals, the source given first."""
    return (-scored[0], scored[1])


def _stems(source: Evidence) -> set[str]:
    return {stem(word) for word in source.words()}


def check_claim(
    sentence: str,
    sources: Sequence[Evidence],
    *,
    min_support: float,
    is_name: Callable[[str], bool] = lambda term: False,
    titles_answer: bool = True,
) -> Claim:
    """Whether one given source, or two together (a sentence comparing two papers),
    support the sentence: its numbers and its names all in them, and ``min_support`` of
    its content words. ``is_name`` tells a name: a term the collection holds rarely or
    never ("flash" in "flash attention speeds up..."), which no paraphrase may supply:
    it must be in the supporting paper's own text (its whole abstract, which may hold a
    name the chosen sentences lack), so one paper's findings are never said of another
    ("SPIN is a preference dataset" from HelpSteer2's abstract). So must every word the
    reply writes as a name (``written_names``: "This allows Whisper to ...", "made by
    OpenAI"), whatever the question said. Where titles do not
    answer (a question of fact, ``titles_answer`` False), a sentence that only restates a
    title is no claim.

    A sentence with no content word ("Yes.", "[1]") is not a claim; a hedge (``HEDGE``: "the
    sources do not mention the backbone") is unsupported by construction.
    """
    terms = tokenize(sentence)
    claim_words = {stem(word) for word in terms}
    if not claim_words or HEDGE.search(sentence):
        return Claim(sentence)
    if not titles_answer and any(
        claim_words <= {stem(w) for w in tokenize(s.title())} for s in sources
    ):
        return Claim(sentence)  # a title restated answers no question of fact
    names = {stem(word) for word in terms if is_name(word)}
    chosen = _supporting(sentence, claim_words, sources, min_support)
    held = set().union(*(_stems(source) for source in chosen)) if chosen else set()
    papers = " ".join(source.paper_text() for source in chosen)
    named = {stem(w) for w in tokenize(papers)}
    mixed = len(chosen) > 1 and not _clauses_hold(sentence, sources, min_support, is_name)
    written = _names_held(written_names(sentence), papers)
    # A negation the sources do not make turns their words into the opposite claim ("The
    # CLIP paper's zero-shot result does not match ResNet-50" from "we match the accuracy
    # of the original ResNet-50 ... zero-shot").
    denied = NEGATION.search(sentence) and not any(NEGATION.search(s.text()) for s in chosen)
    untied = not numbers_tied(sentence, chosen)
    if not chosen or not names <= named or not written or mixed or denied or untied:
        best = max((support(sentence, s) for s in sources), default=0.0)
        return Claim(sentence, (), best)
    return Claim(sentence, chosen, len(claim_words & held) / len(claim_words))


# Words that deny what follows.
NEGATION = re.compile(r"\b(not|no|never|none|neither|nor|cannot)\b|n't\b", re.IGNORECASE)


# Where a sentence that sets two things side by side turns from one to the other.
CLAUSE_BREAK = re.compile(r";\s*|,?\s+(?:while|whereas|but|and\s+then)\s+", re.IGNORECASE)


def _clauses_hold(
    sentence: str, sources: Sequence[Evidence], min_support: float, is_name: Callable[[str], bool]
) -> bool:
    """Whether each clause of a sentence two sources support together is supported by one
    source alone ("Selfie is an autoencoder, while SiT is a vision transformer" must not
    pass on SiT's "autoencoder" and Selfie's name)."""
    clauses = [c for c in CLAUSE_BREAK.split(sentence) if tokenize(c)]
    if len(clauses) < 2:
        return True
    return all(
        len(check_claim(c, sources, min_support=min_support, is_name=is_name).sources) == 1
        for c in clauses
    )


def _supporting(
    sentence: str, claim_words: set[str], sources: Sequence[Evidence], min_support: float
) -> tuple[Evidence, ...]:
    """The source, or the pair of sources, that supports the sentence; () when none does."""
    ranked = sorted(((support(sentence, s), i) for i, s in enumerate(sources)), key=_best_first)
    if ranked and ranked[0][0] >= min_support:
        best = sources[ranked[0][1]]
        # A second source that holds most of what the best one lacks is cited too.
        rest = claim_words - _stems(best)
        for _, i in ranked[1:2]:
            if len(rest) >= 2 and len(rest & _stems(sources[i])) >= max(2, len(rest) / 2):
                return (best, sources[i])
        return (best,)
    if len(ranked) > 1:
        first, second = sources[ranked[0][1]], sources[ranked[1][1]]
        first_stems, second_stems = _stems(first), _stems(second)
        shared = len(claim_words & (first_stems | second_stems)) / len(claim_words)
        both_needed = claim_words & first_stems - second_stems and (
            claim_words & second_stems - first_stems
        )
        numbers_found = numbers(sentence) <= numbers(first.text()) | numbers(second.text())
        if shared >= min_support and both_needed and numbers_found:
            return (first, second)
    return ()
