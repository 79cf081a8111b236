"""Words, the one way: splitting, stop words, plural folding, sentences.

Search (BM25), the policy's term checks, evidence attribution and the UI's highlighting
all read text through these functions, so a word that matches in one place matches in
every other.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable

import snowballstemmer

# Runs of letters and digits; the tokenizer and the highlighter split on the same pieces.
TOKEN = re.compile(r"[0-9a-z]+", re.IGNORECASE)
# A word as written, keeping inner hyphens and apostrophes ("SA-1B", "model's").
WORD = re.compile(r"[A-Za-z0-9]+(?:[-'\u2019][A-Za-z0-9]+)*")
HYPHENS = re.compile(r"[-'\u2019]")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours yourself yourselves paper papers work study propose proposed introduce introduced
    present approach method use used using also show shows new find there any
    anything something everything nothing anyone someone
    whats hows whos thats im ive dont doesnt didnt isnt arent wasnt cant youre theyre
    doesn isn didn wasn aren don couldn wouldn shouldn hasn haven weren
    s t d ll re ve m u ur
    """.split()
)


def whole_words(*alternatives: str, then: str = "") -> re.Pattern[str]:
    """Any of ``alternatives`` (regular-expression pieces) as a whole word, ignoring case,
    never inside a hyphenated name ("to" is not found in "weak-to-strong"); ``then``:
    what must follow it (".*": the rest of the text, for cutting it off)."""
    return re.compile(r"(?<![\w-])(" + "|".join(alternatives) + r")(?![\w-])" + then, re.IGNORECASE)


def singular(word: str) -> str:
    """A plural 's' folded ("models" → "model"); "loss", "dangerous", "analysis" and short
    words stay."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_STEMMER = snowballstemmer.stemmer("english")
_STEMMING = threading.Lock()  # a stemmer object keeps state between calls


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem: "segmented", "segmenting" and "segments" → "segment"."""
    with _STEMMING:
        return _STEMMER.stemWord(word.lower())


def tokenize(text: str) -> list[str]:
    """Lower-cased content words in order: stop words dropped, plurals folded."""
    return [singular(token) for token in TOKEN.findall(text.lower()) if token not in STOPWORDS]


def words(text: str) -> set[str]:
    """Every word as written, lower-cased (hyphenated words kept whole)."""
    return {word.lower() for word in WORD.findall(text)}


# The endings that inflect a word: "segment" is inflected in "segmented" and "segments",
# "medical" in "medically". The Snowball stem cuts derivational endings too, and so joins
# different words: "federal" and "federated" share the stem "feder", "experience" and
# "experiment" the stem "experi".
INFLECTIONS = frozenset({"", "s", "es", "ed", "d", "ing", "e", "er", "ers", "ly"})
# Marks in a vocabulary: "~" + a start of a word (at least its stem), "=" + a base that the
# word inflects.
STARTS, BASE = "~", "="
MARKS = STARTS + BASE


def _bases(word: str, word_stem: str) -> set[str]:
    """The starts of ``word``, from its stem on, that it inflects: "segmented" → {"segment",
    "segmente", "segmented"}; a word whose stem rewrites it ("tuning" → "tune") inflects the
    stem."""
    if not word.startswith(word_stem):
        return {word_stem}
    return {word[:end] for end in range(len(word_stem), len(word) + 1) if word[end:] in INFLECTIONS}


def _starts(word: str, word_stem: str) -> set[str]:
    if not word.startswith(word_stem):
        return {word_stem}
    return {word[:end] for end in range(len(word_stem), len(word) + 1)}


def forms(term: str) -> set[str]:
    """The forms under which ``term`` may appear among a text's words (``build_vocabulary``):
    itself, its singular, a possessive dropped ("GPT-4's" → "gpt-4"), and the words that
    inflect it or that it inflects ("segmented" is found in "segmentation" and
    "segmentation" in "segmented"; "federated" is not in "federal")."""
    term = re.sub(r"['\u2019]s$", "", term.lower())
    term_stem = stem(term)
    return (
        {term, singular(term)}
        | {STARTS + base for base in _bases(term, term_stem)}
        | {BASE + start for start in _starts(term, term_stem)}
    )


def vocabulary_forms(word: str) -> set[str]:
    """What a text's (lower-cased) word puts in a vocabulary for ``forms`` to find: itself,
    its singular, its starts from its stem on and the bases it inflects, marked."""
    word_stem = stem(word)
    return (
        {word, singular(word)}
        | {STARTS + start for start in _starts(word, word_stem)}
        | {BASE + base for base in _bases(word, word_stem)}
    )


def _runs(parts: list[str]) -> set[str]:
    """The hyphenated runs of two or more parts, inside a longer one: "GPT-2-level" holds
    "gpt-2" and "2-level"."""
    return {"-".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 2, len(parts) + 1)}


def build_vocabulary(texts: Iterable[str]) -> set[str]:
    """Every word of ``texts``, every part and run of parts of a hyphenated one, each
    hyphenated word and run also written solid (people type "xclip", "top1", "kinetics400"
    for "X-CLIP", "top-1", "Kinetics-400"), and their stems (``vocabulary_forms``),
    lower-cased."""
    found: set[str] = set()
    for text in texts:
        text_words = words(text)
        found |= text_words
        found |= {part for word in text_words for part in HYPHENS.split(word)}
        runs = {run for word in text_words if "-" in word for run in _runs(word.split("-"))}
        found |= runs
        found |= {run.replace("-", "") for run in runs}
    return {form for word in found for form in vocabulary_forms(word)}


def split_sentences(text: str) -> list[str]:
    """Sentences at ". ", "! " or "? " followed by a capital, digit, bracket or quote."""
    return [s for s in SENTENCE_BREAK.split(text.strip()) if s]
