"""The things a comparison names."""

from __future__ import annotations

import re

from assistant.answer.policy.concepts import NOT_NAMES, named_thing, opening_subject
from assistant.answer.policy.intent import FOLLOW_UP, SEGMENT_BREAK, without_peripheral
from assistant.text import tokenize, whole_words

# --- Comparisons --------------------------------------------------------------------------

# A title written out in quotes, or a parenthesis of three words or more: each names one
# side whole, whatever "and", "of" or "with" it holds.
QUOTED = re.compile(r"(?<!\w)['\"\u2018\u201c](.+?)['\"\u2019\u201d](?!\w)")
# (and one holding a comma: "the low-resource code generation (R, Racket) paper")
PARENTHESIS = re.compile(r"\(([^()]*\s[^()]*\s[^()]*|[^()]*,[^()]*)\)")
# "A vs B vs C" splits only at "vs": the sides may hold "with" ("Enhancing CLIP with CLIP").
VERSUS = re.compile(r"\s*(?<![\w-])(?:vs\.?|versus)(?![\w-])\s*", re.IGNORECASE)
# Otherwise what joins the things compared: "A and B", "A or B", "A with B", "A to B"
# (never inside a hyphenated name such as "weak-to-strong").
SIDE_BREAK = re.compile(
    r"\s*(?:[,;]|(?<![\w-])(?:vs\.?|versus|and|or|with|from|to|against|than)(?![\w-]))\s*",
    re.IGNORECASE,
)
# What joins the things of a list: "A, B and C".
LIST_BREAK = re.compile(r"\s*(?:[,;]|(?<![\w-])(?:and|or)(?![\w-]))\s*", re.IGNORECASE)
# Where a side ends and what it is compared on begins: "SiT for image pretraining",
# "PoFT as alternatives to plain SFT", "Data Filtering Networks in terms of training data".
TAIL = whole_words(
    "as", "in", "on", "for", "at", "regarding", "about", "when", "while", "under", "across",
    "within", "before", "after", "until", then=".*",
)  # fmt: skip
COMPARISON_WORDS = re.compile(
    r"(?<![\w-])(compare[ds]?|comparing|comparison|differ(s|ence|ences)?|contrast(ing)?|"
    r"which(\s+one)?|works|performs|better|best|worse|more|less|between|how|does|do|is|are|"
    r"what|the|of|both|each|one|ones|can|could|would|you|u|pls|please)(?![\w-])",
    re.IGNORECASE,
)
# Words saying that a segment compares.
COMPARING = re.compile(
    r"(?<![\w-])(compare[ds]?|comparing|comparison|differ(s|ence|ences)?|contrast(ing)?|"
    r"between)(?![\w-])",
    re.IGNORECASE,
)
# "compare what problem each targets": what is compared, maybe of things named elsewhere.
COMPARES_WHAT = re.compile(COMPARING.pattern + r"\s+(what|how|which|whether)\b", re.I)
# A list's item that asks: no more things of the list follow.
ASKING = re.compile(r"\s*(how|what|which|why|does|do|did|is|are)\b", re.IGNORECASE)
# A side that only counts or points at the things compared ("compare these three: A, B
# and C", "the two recsys papers"): they are named elsewhere in the message. So are the
# things whose properties are compared ("how do their approaches differ?").
POINTING = whole_words("these", "those", "them", "both", "two", "three", "2", "3")
# A part that asks of the things compared ("their approaches", ", do they agree ...?")
# names none of them.
ASKED_OF_THEM = whole_words("their", "they", "them")
SIDES_END = re.compile(r",(?!\s*and\b)")
MOST_SIDES = 3
VERSUS_DOT = re.compile(r"(?<![\w-])vs\.", re.IGNORECASE)
LISTS = whole_words("and", "or", r"vs\.?", "versus")
PLACEHOLDER = "heldtitle"
HELD = re.compile(PLACEHOLDER + r"(\d+)")


# "the X paper", "the X study": a paper named as one thing, in up to five words.
PAPER_NAMED = re.compile(
    r"(?<![\w-])the\s+((?:[\w.+'()^-]+\s+){0,4}?[\w.+'()^-]+)\s+(?:paper|study|setup)(?![\w-])",
    re.IGNORECASE,
)


# "A and B both try to ...": what follows "both" says what they do, and names no side.
BOTH_DO = re.compile(r"(?<=\w)\s+(?:both|each|all\s+three)\s+(?!of\b)\w.*$", re.IGNORECASE)
# "the MNAR unbiased recommender paper deal w/ implicit feedback": a side ends at the
# word naming it a paper (unless the paper's title follows, held: "the CLIP paper ('...')").
PAPER_THEN = re.compile(
    rf"(?<=\w)\s+(paper|study|report|survey)\s+(?!{PLACEHOLDER})\w.*$", re.IGNORECASE
)


def _sides_of(text: str) -> list[str]:
    """The sides a piece of text joins: at "vs" when it has one, else at and/or/with/to.
    After the last "vs", a comma ends the things compared ("A vs B vs C, all three fight
    forgetting" compares A, B and C); ", and" goes on with them."""
    listed = False
    text = BOTH_DO.sub("", text)
    if VERSUS.search(text):
        parts = VERSUS.split(text)
        parts[-1] = SIDES_END.split(parts[-1], maxsplit=1)[0]
    elif "," in text:  # "A, the X w/ Y paper, and C": a list, its sides may hold "with"
        parts, listed = LIST_BREAK.split(text), True
    else:
        parts = SIDE_BREAK.split(text)
    sides: list[str] = []
    for part in parts:
        if listed and sides and ASKING.match(part):
            break  # "X in the esmfold paper, and how does esmfold compare to ...?"
        words = " ".join(COMPARISON_WORDS.sub(" ", PAPER_THEN.sub(r" \1", part)).split())
        side = TAIL.sub("", words).strip(" ?.!:'\"")
        if tokenize(side) and not POINTING.search(side) and not ASKED_OF_THEM.search(side):
            sides.append(side)
        # What follows a side's tail is what they are compared on; in a list, a tail is
        # its item's own ("PCP, mix prompt tuning for academic function recognition, and
        # SciPrompt").
        if side and side != words.strip(" ?.!:'\"") and not listed:
            break
    return sides


# A parenthesis of this many words or more is a title, not a gloss.
TITLE_WORDS = 5


def _named(side: str, titles: list[str], glosses: set[int]) -> str:
    """A side as the message names it: the title it holds, unless that title is a
    parenthesis glossing the name before it ("medprompt (generalist gpt-4 + prompting)")."""
    if not (held := HELD.search(side)):
        return side
    index = int(held.group(1))
    name = " ".join(HELD.sub(" ", side).split())
    return name if index in glosses and tokenize(name) else titles[index]


def _plain(question: str) -> str:
    """The message without greetings or requests about the form; "vs." is no sentence end."""
    return VERSUS_DOT.sub("vs", without_peripheral(question))


def _segments(text: str) -> list[str]:
    return [segment for segment in SEGMENT_BREAK.split(text) if segment and segment.strip()]


def shared_by_sides(question: str) -> str:
    """What the things compared have in common, when the message says it compares by
    pointing at them and names them elsewhere ("compare the three weak-to-strong papers:
    the original openai one, ..." → "weak-to-strong papers"): words that help find each
    side. Sides named where the message compares ("A vs B: two ways of ...") need none."""
    segments = _segments(QUOTED.sub(" ", _plain(question)))
    comparing = [s for s in segments if VERSUS.search(s) or COMPARING.search(s)]
    if len(comparing) == 1 and POINTING.search(comparing[0]):
        words = COMPARISON_WORDS.sub(" ", POINTING.sub(" ", comparing[0]))
        return " ".join(words.split()).strip(" ?.!:'\"")
    return ""


# What names the kind of thing, not the thing: "the three weak-to-strong papers".
KINDS = whole_words("papers?", "works?", "stud(?:y|ies)", "ones?", "methods?", "approaches")


def which_of_them(side: str, shared: str) -> str:
    """For a side that only says which of the things compared it is ("the original
    openai one" of "the three weak-to-strong papers"), the name they share ("weak-to-
    strong"), whose paper it is; else ""."""
    if not shared or tokenize(NOT_NAMES.sub(" ", side)):
        return ""
    return " ".join(KINDS.sub(" ", shared).split())


def comparison_sides(question: str) -> list[str]:
    """The things a comparison names, each as a short query ("SPIN", "DPO"); at most three.

    Titles in quotes or in a long parenthesis are sides as written; the rest is read from
    the part of the message that joins two things or more ("CoFiTune vs HFT: how does each
    fight forgetting?" names them before the colon).
    """
    text = _plain(question)
    for inner in PARENTHESIS.findall(text) if len(QUOTED.findall(text)) < 2 else ():
        if LISTS.search(inner):  # "two papers called SPO (prompt ... and preference ...)"
            return _sides_of(inner)[:MOST_SIDES]
    # Each title in quotes or parentheses stands in the text as one placeholder word.
    titles: list[str] = []
    glosses: set[int] = set()  # the titles held from parentheses that gloss a name

    def hold(match: re.Match[str]) -> str:
        # A quoted title in parentheses is held twice: the second time, as itself.
        titles.append(HELD.sub(lambda held: titles[int(held.group(1))], match.group(1).strip()))
        return f" {PLACEHOLDER}{len(titles) - 1} "

    def hold_gloss(match: re.Match[str]) -> str:
        # A few words, no quoted title: what the name before it is ("(dedicated medical
        # training)"), not a title ("(Learning Transferable Visual Models From ...)").
        inner = match.group(1)
        if PLACEHOLDER not in inner and len(inner.split()) < TITLE_WORDS:
            glosses.add(len(titles))
        return hold(match)

    held_text = PARENTHESIS.sub(hold_gloss, QUOTED.sub(hold, text))
    segments = _segments(held_text)
    # Two papers each named as one ("does the super(ficial)-alignment paper contradict
    # the original openai weak-to-strong paper?"): the sides, whatever relates them.
    papers = [m.group(1) for m in PAPER_NAMED.finditer(held_text)]
    # (unless the list holding them names more: "compare the OpenAI weak-to-strong paper,
    # the super(ficial)-alignment deception one, and the 'beyond accuracy' pilot study")
    listing = [s for s in segments if all(paper in s for paper in papers)]
    if len(papers) >= 2 and not (
        listing and "," in listing[0] and len(_sides_of(listing[0])) > len(papers)
    ):
        segments = [" and ".join(papers)]
    # A message opening with the things it compares ("medprompt vs chimed-gpt: generalist
    # prompting vs domain-specific training ..."): those, not how it describes them.
    elif (
        segments
        and VERSUS.search(segments[0])
        and len(_sides_of(segments[0])) >= 2
        and segments[0].rstrip().endswith(":")
    ):
        segments = segments[:1]
    # Of the segments that name two things or more, the one that says it compares ("SAMI
    # vs SPO: which one needs labels, and what does each add?" names them before the
    # colon, not in the list after it), then the one joining most things.
    candidates = [(segment, _sides_of(segment)) for segment in segments]
    most = max((len(sides) for _, sides in candidates), default=0)

    def compares(segment: str, sides: list[str]) -> bool:
        # "three recsys papers: A, B, and C - compare what problem each targets": the
        # segment asking what is compared names fewer things than the list.
        if COMPARES_WHAT.search(segment) and len(sides) < most:
            return False
        return bool(COMPARING.search(segment)) and bool(sides)

    best = max(
        candidates,
        key=lambda item: (
            len(item[1]) >= 2,
            bool(VERSUS.search(item[0])),
            compares(*item),
            len(item[1]),
            sum(PLACEHOLDER in side for side in item[1]),
        ),
        default=("", []),
    )[1]
    # Titles quoted ("RL vs SFT: what do 'Debunk the Myth of SFT Generalization' and
    # 'Pedagogical Alignment of ...' conclude?") are the papers compared, not what the
    # message opens with: that is what they are compared on.
    quoted = {titles[n]: n for n in reversed(range(len(titles))) if n not in glosses}
    if len(quoted) >= 2 and not any(PLACEHOLDER in side for side in best):
        best = [f"{PLACEHOLDER}{n}" for n in sorted(quoted.values())]
    named = [_named(side, titles, glosses) for side in best]
    if len(named) < 2:  # titles quoted elsewhere in the message
        named += [
            title for i, title in enumerate(titles) if title not in named and i not in glosses
        ]
    return named[:MOST_SIDES]


# "two papers called SPO", "2 papers both abbreviated SPO": the sides share one name.
SHARED_NAME = re.compile(
    r"\b(?:papers|works|ones|methods)\s+(?:\w+\s+)?(?:called|named|abbreviated(?:\s+as)?)"
    r"\s+['\"\u2018\u201c]?([\w.+-]+)"
    # "there are two 'SPO' papers in here"
    r"|\b(?:two|2|both)\s+['\"\u2018\u201c]([\w.+-]+)['\"\u2019\u201d]\s+(?:papers|works)\b",
    re.IGNORECASE,
)


def shared_name(question: str) -> str:
    """The name the things compared share, when the message says several papers go by it
    ("wait there are two papers called SPO in here?? what's the difference between
    them"): each paper that introduces it is a side. "" when none is said."""
    found = SHARED_NAME.search(question)
    return next((group for group in found.groups() if group), "") if found else ""


# Words saying that each of two things or more is asked about.
EACH = whole_words("each", "both")


def asks_about_one(question: str) -> bool:
    """Whether a message with "vs" asks about one paper it names, not two things: "electra
    paper - how much compute does it save vs bert?", "the mamba paper: throughput gain vs
    transformers?". The named paper ("the X paper", "X paper:") is none of the sides, and
    no word says it compares ("compare", "differ", "contrast") or asks about each."""
    thing = named_thing(question) or opening_subject(question)
    if not thing or COMPARING.search(question) or EACH.search(question):
        return False
    words = set(tokenize(thing))
    sides = comparison_sides(question)
    # A side written as a title ("the biomedical VLP paper ('making the most of text
    # semantics')") is a paper: the message sets two papers side by side.
    titles = {title.strip() for title in QUOTED.findall(question) + PARENTHESIS.findall(question)}
    if len(sides) >= 2 and any(side in titles for side in sides):
        return False
    # A side that is something of the named paper's ("the clip paper's zero-shot result vs
    # resnet-50") sets that paper's finding against another: still a question about it.
    if any(words & set(tokenize(side)) and PAPERS_OWN.search(side) for side in sides):
        return True
    return not any(words & set(tokenize(side)) for side in sides)


# "the clip paper's ...": what follows belongs to the paper.
PAPERS_OWN = re.compile(r"\b(paper|report)['\u2019]s\b", re.IGNORECASE)


# The things a comparison in a conversation sets its paper against without naming them.
OTHERS = whole_words("others?", r"the\s+rest", "baselines?", r"prior\s+work")


def compares_with_the_conversation(question: str) -> bool:
    """Whether a comparison asked in a conversation is about the paper the conversation
    is about, set against fewer than two things it names: "how much data did it need
    compared to others?", "and how does it stack up vs chatgpt?". A side that points back
    ("it", "their") is that paper; "others" names nothing."""
    if not FOLLOW_UP.search(question):
        return False
    sides = comparison_sides(question)
    named = [side for side in sides if not FOLLOW_UP.search(side) and not OTHERS.search(side)]
    return len(named) < 2
