"""What kind of question this is, from its structure."""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterable
from enum import StrEnum

from assistant.text import STOPWORDS, WORD, tokenize


class Intent(StrEnum):
    LOOKUP = "lookup"  # which paper did X: titles answer it
    FACT = "fact"  # what a paper found or did
    COMPARISON = "comparison"  # two or more papers or methods side by side
    TOPIC = "topic"  # every paper on a subject
    METADATA = "metadata"  # when, who, where published
    FOLLOW_UP = "follow_up"  # refers back into the conversation


# --- Intent -----------------------------------------------------------------------------

_PAPER = r"(papers?|works?|stud(?:y|ies)|articles?|publications?)"
# "works" as the verb of how well, not as papers: "what masking ratio works best".
VERB_OF_QUALITY = r"(?!\s+(best|better|worse|well))"
COMPARISON = re.compile(
    r"\b(compare[ds]?|comparing|versus|vs\.?|differ(s|ence|ences|ently)?|diff|contrast)\b"
    # "both TeminAL and the audio separation paper build on CLAP. how ...?"
    r"|^\W*both\s+\S.*?\s+and\s"
    # "comparison" asks for one, but "the comparison data" (RLHF's ranked pairs) is a noun
    r"|\bcomparison\b(?!\s+(data|dataset|pairs|labels|annotations)\b)"
    r"|\bwhich\s+(one\s+)?(works|performs|is|does|scores|gets|needs|uses|has|comes\s+out)\s+"
    r"(better|best|worse|more|less|fewer|higher|lower)\b"
    r"|\b(better|worse)\s+than\b"
    # "how are they different?", "how is SPIN different from DPO?" (not "what are the
    # different datasets?")
    r"|\bdifferent\s*([?.!]|$|from\b|than\b|to\b|in\s+(how|what|their)\b)"
    # "what does each one optimize?", "how does each adapt it?", "what is it used for in
    # each?": two or more papers, each asked about.
    r"|\beach\s+(one|paper|work|study|method|approach|model|of\s+(them|the\s+(two|three|2|3)))\b"
    # (not "what does each layer of the SegPrompt model do?")
    r"|\b(how|what|why)\s+(does|do|did)\s+each\s+\w+\b(?!\s+of\b)|\b(in|for|of|by)\s+each\s*[?.!]"
    # "how do TOPR and 'Preference Fine-Tuning ...' each treat negative examples?" (not
    # "how do they split the data and label each example?")
    r"|\b(how|what|why)\s+(do|did)\s+(?!(they|we|you|i|it|the\s+authors)\b)[^?]+?\s+and\s+"
    r"[^?]+?\s+each\s+(?!of\b|other\b)[a-z]+"
    # One paper set against another: "does A agree with B?", "does A contradict B?"
    r"|\b(agrees?|disagrees?)\s+with\b|\bcontradicts?\b"
    # The things named before asked whether they agree: "A, B and the X paper - do they
    # agree on ...?" (not "do the raters agree ...?")
    r"|\b(do|did|would)\s+(they|these|those|both|all\s+three|the\s+(two|three|2|3)(\s+\w+)?)"
    r"\s+(all\s+|both\s+)?(agree|disagree)\b"
    # Two papers each named: "how does the debate paper build on the original openai
    # weak-to-strong generalization setup?"
    r"|\bthe\s+(\S+\s+){1,5}?(paper|study|setup)\b.*\bthe\s+(\S+\s+){1,5}?(paper|study|setup)\b",
    re.IGNORECASE,
)
# Where a listing asks: "here", "in the collection".
_HERE = r"((in\s+)?here\s+|in\s+(the|this)\s+(collection|corpus|index|set)\s+)?"
TOPIC = re.compile(
    r"\b(list|show|give|find)\s+(me\s+)?(all|every|each)\b"
    r"|\b(all|every)\s+(the\s+)?" + _PAPER + r"\s+(on|about|that|in)\b"
    r"|\bwhat\s+" + _PAPER + r"\s+(are\s+there|do\s+you\s+have|does\s+the\s+collection)\b"
    # "which papers ...", "what recommender-system works ...": plural asks for a list.
    r"|^\s*(which|what)\s+([\w-]+\s+){0,2}?(papers|works|studies|articles|publications)\b"
    + VERB_OF_QUALITY  # "what masking ratio works best": the verb
    + r"|\b(are|is)\s+there\s+(any\s+)?(papers|works|studies)\b"
    # "list the medical imaging papers", "give me everything in the collection on X",
    # "remote sensing stuff - anything?"
    r"|\b(list|show|give|find)\s+(me\s+)?(the\s+)?([\w-]+\s+){0,3}?(papers|works|studies|articles)\b"
    + VERB_OF_QUALITY  # "... paper find works best?": the verb
    + r"|\beverything\s+(\w+\s+){0,4}?(on|about)\b|^\W*anything\s*(\?|$|on\b|about\b)"
    # "papers on LLM safety (jailbreaks, ...)?", "any earth-observation stuff - ...?",
    # "what do we have on medical imaging?", "which entries are surveys?"
    # "any papers here on federated learning?", "any work on federated finetuning?"
    r"|^\W*(any\s+)?(papers|works|studies|articles|stuff)\s+" + _HERE + r"(on|about)\b"
    r"|^\W*any\s+(work|research)\s+" + _HERE + r"(on|about)\b(?!\s+(this|that|it|them)\b)"
    # "is there anything here on X?", "X — anything in this set?"
    r"|\b(is|are)\s+there\s+anything\s+" + _HERE + r"(on|about)\b(?!\s+(this|that|it|them)\b)"
    r"|\banything\s+(in\s+)?(here|this\s+(set|collection)|the\s+(collection|corpus|index))"
    r"\s*\??\s*$"
    r"|^\W*any\s+((?!(from|of|in|on|the|by|with|for)\b)[\w-]+\s+){1,3}?"
    r"(stuff|papers|works|studies|research)\b"
    r"|\bwhat\s+(do|does)\s+(we|you|the\s+(collection|corpus|index))\s+have\s+(on|about)\b"
    r"|^\W*(which|what)\s+entries\b"
    # A topic and the word for papers, nothing else: "llm safety & jailbreak-ish papers in
    # the collection?", "recommender systems papers?"
    r"|^\W*(?!(how|what|which|who|when|where|why|is|are|do|does|did|can)\b)([\w&/-]+\s+){1,5}?"
    r"(papers|stuff)(\s+(in\s+(the|this)\s+(collection|corpus|index|set)|here))?\s*\??\s*$",
    re.IGNORECASE,
)
LOOKUP = re.compile(
    # "which work fine-tunes ...?"; "which works better, A or B?" is a comparison, tried first.
    r"^\s*(which|what)\s+(papers?|works?|stud(y|ies)|articles?|publications?)\b"
    r"|^\s*(is|are)\s+there\s+(a|an|any|some)\b"
    r"|\b(find|show|list|give)\s+(me\s+)?(the|a|any)?\s*(papers?|works?|stud(y|ies))\b"
    + VERB_OF_QUALITY
    + r"|\b(is|are)\s+there\s+(a|an|any|some)?\s*(papers?|works?|research|stud(y|ies)|articles?)\b"
    r"|\bwho\s+(first\s+|originally\s+)?(proposed|introduced|came\s+up\s+with)\b"
    r"|\b(what|which)('?s|\s+is|\s+was)\s+the\s+(paper|work|study|article)\s+(that|which)\b"
    # A paper described, then asked for: "... which one is that?", "what's it called?"
    r"|^\W*(which|what)\s+(one|paper|work|study)\s+(is|was)\s+(that|it|this)\b"
    # "..., which paper is that", "the ... dataset paper, which one is it?"; not "... and
    # one other dataset, which one is it?"
    r"|[,;]\s*(which|what)\s+(paper|work|study)\s+(is|was)\s+(that|it|this)\b"
    r"|\b(paper|work|study|report)\s*[,;]\s*(which|what)\s+one\s+(is|was)\s+(that|it|this)\b"
    r"|^\W*what('?s|\s+is|\s+was)\s+(it|that|this|the\s+paper)\s+called\b"
    # "... to get around safety guardrails - what's the title?", "... slip past filters,
    # which one?": the title of a paper described asked for.
    r"|(^|[,;]\s*)\W*what('?s|\s+is|\s+was)\s+(its|the|their)\s+((exact|full|actual)\s+)?title\s*(\?|$)"
    r"|\b(paper|work|study|something|one\s+(about|that|where|on|with))\b.*\bwhich\s+one\s*(\?|[.\u2026]{2,}|$)"
    # Whether the collection holds it: "is it in here?", "is mPLUG-Owl in the collection?",
    # "do we have it?"
    r"|\b(is|are)\s+(it|this|that|they|[\w-]+)\s+in\s+(here|the\s+(collection|corpus|index|"
    r"library))\b|\bdo\s+(we|you)\s+have\s+(it|this|that|one|a\s+paper|any\s+papers?)\b",
    re.IGNORECASE,
)
# A link to a paper's code, data or model asked for ("the okapi one, got a github link?",
# "got a link to the okapi code/resources?"): the record's link, or its abstract's.
CODE_LINK = (
    # "got a github link?", "openchat repo link pls", "huggingface link + which day?"
    r"\b(github|gitlab|huggingface|repo|repository|code)\s+(link|url)\b(?!\s+prediction)"
    r"|\b(link|url)s?\s+(to|for)\s+(the\s+|their\s+|its\s+)?([\w-]+\s+){0,3}?"
    r"(code|repo|repository|resources|dataset|weights)\b"
)
# A message that opens asking for a link: "url for the crystal transformer web app?",
# "github link to ...".
LINK_FIRST = r"^\W*(the\s+)?(github\s+|arxiv\s+)?(link|url|repo|github)\s+(to|for|of)\b"
# The day a paper's record was listed, asked as it happened: "the date it showed up in the
# feed", "the day it was posted".
DATE_LISTED = (
    r"\b(date|day)\s+(it|they|this|that)\s+(showed\s+up|came\s+out|appeared"
    r"|(was|were)\s+(posted|listed|published|added|released))\b"
)
# "date on the google item recommendations paper?"; not "the date on the model".
DATE_ON_PAPER = r"\bdate\s+on\s+(the\s+)?([\w'-]+\s+){0,6}?paper\b"
# The record's listing asked for by name, read alike by the intent (METADATA) and by the
# record lookup (metadata.py): by its month ("is RAD-DINO in the march list or the
# october list?"), "which daily list had LLMTune?", "which of the two lists is it on?",
# "X - date in the collection?".
LISTING_ASKED = (
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+"
    r"(\d{1,2}(st|nd|rd|th)?\s+)?(list|file|listing)s?\b"
    r"|\b(daily|weekly)\s+(papers?\s+)?lists?\b"
    r"|\bwhich\s+of\s+the\s+(two\s+)?(daily\s+)?(lists|listings|files)\b"
    # "which list is it in?", "which list(s) it shows up in"; not "which list of baselines"
    r"|\bwhich\s+list(s|\(s\))?(?!\s+of\b)(?![\w-])"
    r"|\b(date|day)\s+in\s+the\s+(collection|corpus|index|listing|list)\b"
)
METADATA = re.compile(
    r"^\s*(when|in\s+what\s+year|what\s+year)\b.*\b(published|released|appear|come\s+out)"
    r"|\bwho\s+(wrote|are\s+the\s+authors|authored)\b|\bauthors?\s+of\b"
    r"|\b(arxiv\s+(id|number|link)|publication\s+date|doi\s+of)\b"
    # The record's listing: "what date is X listed under?", "which file is X in?"
    r"|\b(what|which)\s+(date|day'?s?|file|listing|source\s+file)\b|\bsource\s+file\b"
    # "which daily papers file contains X?", "X - date in the collection?"
    r"|\b(what|which)\s+([\w-]+\s+){1,3}?(file|listing)\b(?!\s*(formats?|types?|sizes?|systems?))"
    r"|\b(listing|listed)\b|\b(date|day)\s+(of|for)\b|" + DATE_ON_PAPER + r""
    # "the link to the medprompt paper + the date it showed up in the feed"
    r"|\b(link|url)\s+(to|for)\s+the\s+([\w-]+\s+){0,4}?paper\b"
    # A link asked first ("url for ..."); where its code is released: "got a github
    # link?", "a link to the okapi code?"; the day the record was listed: "the date it
    # showed up in the feed"
    r"|" + LINK_FIRST + "|" + CODE_LINK + "|" + DATE_LISTED + "|" + LISTING_ASKED,
    re.IGNORECASE,
)
# The words a metadata question asks with, which are not what it asks about.
METADATA_WORDS = re.compile(
    r"\b(when|what\s+year|which\s+year|year|published|publication|released?|appear(ed|s)?|"
    r"c[ao]me\s+out|who|wrote|written|writers?|authors?|authored|arxiv|id|number|links?|urls?|"
    r"hosted|hf|huggingface|github|repo|"
    r"doi|date[ds]?|dated|sources?|files?|txt|csv|jsonl?|bib|comes?\s+from|listings?|listed|"
    r"contains?|contained|posted|feeds?|showed\s+up|shows\s+up|ones?|"
    r"day'?s?|daily|weekly|monthly|under|"
    # A month, maybe shortened and with its day ("the mar 14 list").
    r"(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?(\s+\d{1,2}(st|nd|rd|th)?)?|"
    r"collection|give[sn]?|says?|lists?|abstracts?|github|gitlab|huggingface|repos?|repository|"
    r"code|resources?|"
    r"get|grab|"
    # "where can i browse X": how it asks, not what
    r"where\s+(can|could|do|should)\s+(i|we|one)\s+\w+)\b",
    re.IGNORECASE,
)
# The words a lookup or a listing asks with ("list the papers that introduced ..."),
# which are not what it asks about.
LISTING_WORDS = re.compile(
    r"\b(list|show|find|give|tell|name|introduc\w*|propos\w*|present(s|ed)?|releas\w*|"
    r"describ\w*|publish\w*|came\s+up\s+with|any|all|every|which\s+one)\b",
    re.IGNORECASE,
)
# Words that point back into the conversation ("what dataset did they use?").
FOLLOW_UP = re.compile(
    r"\b(they|them|their|it|its|this|that|these|those|the\s+((same|final|filtered|proposed|"
    r"resulting|new|base|original|trained|fine-?tuned|main|best)\s+)?(paper|model|method|"
    r"authors?|work|approach|dataset|benchmark))\b",
    re.IGNORECASE,
)


# Where one part of a message ends and another begins: sentences, and a colon or dash
# that introduces the question ("hi, quick question for my reading group: which ...").
SEGMENT_BREAK = re.compile(r"(?<=[.?!:;])\s+|\s+[-\u2013\u2014]+\s+|\n+")
# Requests about the answer's form, length or audience, and greetings: they shape the
# reply, never what it is about, so they never count as concepts.
# A paper cited by its authors: "burns et al's", "he et al 2021", "by wei et al.".
AUTHORS = re.compile(
    r"\b(?:by\s+)?[\w'-]+\s+et\s+al\b\.?(?:\s*,?\s*\(?(?:19|20)\d\d\)?)?(?:'s)?",
    re.IGNORECASE,
)
_LABS = (
    r"(openai|google(\s+(deepmind|research|brain))?|deepmind|anthropic|microsoft(\s+research)?|"
    r"nvidia|facebook(\s+ai)?|meta\s+ai|alibaba|tencent|baidu|bytedance|huawei|jd|stanford|"
    r"berkeley|cmu|mit|tsinghua)"
)
LAB = re.compile(
    r"\b(from|by|at)\s+(the\s+)?" + _LABS + r"(\s+(folks|people|team|researchers|group|lab))?"
    r"(?![\w-])"
    # (not "jd" here: "the JD Explore tech report" is JDExplore's own name)
    r"|\b(?!jd\b)" + _LABS + r"(['\u2019]s)?(?![\w-])"
    r"(?=\s+([\w.+'()-]+\s+){0,4}?(paper|one|work|report|team|folks|people)\b)"
    r"|\bmeta['\u2019]s(?![\w-])",
    re.IGNORECASE,
)
# When the asker needs the answer: "next week", "before my 3pm".
WHEN = r"(next|this)\s+(week|month|monday|tuesday|wednesday|thursday|friday)\b"
# A place's second word, taken only where the segment ends (or says when): "at TU Delft",
# "in New York", "at KU Leuven next week".
PLACE_END = r"(\s+[\w&.-]+(?=\s*([,.;:!?)]|$|\s+" + WHEN + r")))?"
PERIPHERAL = re.compile(
    r"^\s*(hi|hello|hey|hiya|yo|dear\s+\w+|good\s+(morning|afternoon|evening))\b[\s,!.]*"
    # An answer acknowledged before the next question: "ok and ...", "cool, and ...".
    r"|^\s*(ok(ay)?|cool|great|nice|got\s+it|interesting|makes\s+sense)"
    r"(?=\s*[,!.]|\s+(and|so|but|then)\b)[\s,!.]*"
    # "quick question:", "sorry if dumb question but": a question announced, not asked.
    r"|\b(q|qn|questions?)\s*:"
    r"|\b(sorry|sry)(\s+if\s+(this\s+is\s+)?(a\s+)?(dumb|stupid|silly|basic|naive)\s+(q|qn|question))?(\s+but)?\b"
    r"|\bquick\s+(q|qn|questions?)\b"
    r"|\b(please|pls|plz|thanks|thank\s+you|thx|cheers|quick(ly)?|briefly|concisely|tl;?dr|"
    r"eli5|lmk|let\s+me\s+know|btw|fyi|tbh|imo|imho|asap|lol|lmao|haha|tmrw|tmr|tomorrow|"
    r"tonight)\b|\b" + WHEN + r"(?!\w)"
    # Words that stress a question, not what it is about: "which one is that exactly?"
    r"|\b(exactly|actually|really|basically|precisely|literally|honestly)\b"
    # What is asked of the answer, not what it is about: "the gist of X", "explain X".
    r"|\b(the\s+)?(gist|main\s+idea|key\s+idea|tl;?dr|short\s+version)\s+(of|behind|from)\b"
    # ... or asked of what the message opened with: "afrolm - what's the gist?"
    r"|\b(what'?s|whats|what\s+is)\s+the\s+(gist|main\s+idea|key\s+idea|tl;?dr|big\s+idea)"
    r"(?=\W*$)"
    # "main takeaways of X", "what's the takeaway": what the answer should be, not a name.
    r"|\b(the\s+)?((main|key|big)\s+)?take-?aways?(\s+(of|from))?\b"
    r"|\b(can|could|would)\s+you\s+(please\s+)?(explain|summari[sz]e|describe|tell\s+me)\b"
    r"|\b(explain|summari[sz]e)\b"
    r"|\b(in|as|into|using)\s+(a\s+|one\s+|two\s+|three\s+|\d+\s+|a\s+few\s+|few\s+|short\s+|"
    r"simple\s+|plain\s+)*(bullet(\s+point)?s?|points|sentences?|words|paragraphs?|lines?|"
    r"markdown|tables?|json|latex|english|(simple|plain|lay|everyday)\s+terms|layman'?s\s+terms|list)\b"
    # "..., 2 bullets pls": the form asked, without "in".
    r"|\b(\d|one|two|three|four|five)\s+(short\s+)?bullet(\s+point)?s?\b"
    r"|\blike\s+i'?m\s+(five|5|a\s+\w+)\b|\bin\s+(a\s+nutshell|short|brief)\b"
    r"|\b(for|to|from|4)\s+(my|our|a|an|the)\s+(\w+\s+){0,2}?(group|class|students?|"
    r"talk|team|boss|lab|course|seminar|beginners?|kids?|non-?experts?|audience|newsletter|"
    r"slides?|deck|poster)\b"
    # and where they are: "for my reading group in Zurich", "for my NLP class at ETH", "for
    # a course at TU Delft" (a second word when the segment ends there)
    r"(\s+(in|at)\s+(?!(plain|simple|lay|layman'?s|everyday|short|brief|english|markdown|"
    r"one|two|three|a|\d+)\b)[\w-]+" + PLACE_END + ")?"
    # One's own writing: "for my thesis"; "for the QVHighlights paper" names the subject.
    r"|\b(for|to)\s+(my|our)\s+(\w+\s+){0,2}?(thesis|notes|slides|paper|review)\b"
    # The people who pointed the asker here, and where they said it: "my labmate swears",
    # "a colleague at ETH mentioned", "saw it on twitter".
    r"|\b(my|our|a)\s+(\w+\s+)?(lab-?mates?|advis[eo]rs?|supervisors?|pi|colleagues?|"
    r"co-?workers?|friends?|professors?|prof|teachers?|tas?|mentors?|class-?mates?|"
    r"group-?mates?|manager|boss)(?![\w-])"
    # where they are, when the segment ends or they say something: "my PI at EMBL asked"
    r"(\s+(at|in|from)\s+[\w&.-]+(\s+[\w&.-]+)?"
    r"(?=\s*([,.;:!?)]|$)|\s+(asked|asks|said|says|mentioned|swears|thinks|told|wants)\b))?"
    # with their name when they are said to have said it: "my colleague Priya says"
    r"(\s+([\w-]+\s+)?(asked|asks|said|says|mentioned|swears|thinks|told\s+me|"
    r"wants\s+to\s+know)\b(\s+me\s+to\b)?)?"
    r"|\b(on|from)\s+(twitter|x|reddit|linkedin|youtube|mastodon|bluesky|hacker\s*news|"
    r"discord|slack)(?![\w-])"
    # The asker's own group and where it is: "our bio-ML group at EMBL wants ..."
    r"|\b(my|our)\s+([\w-]+\s+)?(group|lab|team)\s+(at|in|from)\s+[\w&.-]+(\s+[\w&.-]+)?"
    r"(?=\s*([,.;:!?)]|$)|\s+(asked|asks|wants?|needs?|is|are|was)\b)"
    # Where the asker heard of it: "saw a tweet that ...", "read a thread saying ..."
    r"|\b(i\s+)?(saw|read|seen)\s+(a|an|some|this)\s+(tweet|post|thread|toot|video|blog\s*post)"
    r"(\s+(that|saying|claiming|about))?\b"
    # The lab a paper comes from, which its abstract rarely says: "the original openai
    # weak-to-strong paper", "google's flan paper", "Vega v1 from JD".
    r"|"
    + LAB.pattern
    + "|"
    # The authors a paper is cited by: "burns et al's", "(he et al 2021)", "by wei et al.".
    + AUTHORS.pattern,
    re.IGNORECASE,
)
# A segment that asks: it ends with a question mark, or opens with a question word,
# maybe after "and" ("... on average? and what share of the clips are 8K").
ASKS = re.compile(
    r"\?\s*$|^\s*((and|or|also|plus)\s+)?(what|which|how|who|whom|whose|when|where|why|"
    r"is|are|was|were|does|do|did|can|could|would|should|has|have)\b",
    re.IGNORECASE,
)
# A question that asks for an amount: a sentence holding a figure is likelier to answer it.
QUANTITY = re.compile(
    r"\bhow\s+(many|much|big|large|long|close|fast|far|often|high|low|small|well)\b"
    r"|\b(what|which)\s+(percentage|fraction|share|proportion|number|rate|accuracy|score|"
    r"size|ratio|speed-?up|gain|improvement)\b",
    re.IGNORECASE,
)


def asks_quantity(question: str) -> bool:
    """Whether the question asks for an amount ("how many", "what accuracy")."""
    return bool(QUANTITY.search(question))


# What "how many" counts: the words that follow it, up to the first stop word ("how many
# hours of audio" counts hours; "how many hyperparameter combos were" hyperparameter combos).
HOW_MANY = re.compile(r"\bhow\s+many\s+((?:[\w'/-]+\s+){0,3}[\w'/-]+)", re.IGNORECASE)


def counted(question: str) -> list[list[str]]:
    """The things each "how many" of the question counts, as lower-cased words:
    "how many hours of weakly labeled audio was whisper trained on" → [["hours"]]."""
    things = []
    for match in HOW_MANY.finditer(question):
        words: list[str] = []
        for word in WORD.findall(match.group(1)):
            if word.lower() in STOPWORDS:
                break
            words.append(word.lower())
        if words:
            things.append(words)
    return things


# A question that asks where to get something: a sentence holding a link answers it.
WHERE_TO_GET = re.compile(
    r"\b(links?|urls?|hosted|host|repo|repository|github|download(able)?|website|homepage)\b"
    r"|\bwhere\s+(can|do|does|could|is|are)\s+(i|we|one|you|it|they|the\s+\w+)\s*"
    r"(get|find|download|access|hosted|available|released)\b",
    re.IGNORECASE,
)


def asks_where_to_get(question: str) -> bool:
    """Whether the question asks where to get a dataset, code or model ("need the link")."""
    return bool(WHERE_TO_GET.search(question))


def _segments(question: str) -> tuple[list[str], list[int]]:
    """The message's segments, and which of them ask (ASKS)."""
    segments = [s for s in SEGMENT_BREAK.split(question.strip()) if s and s.strip()]
    return segments, [i for i, segment in enumerate(segments) if ASKS.search(segment)]


def without_peripheral(text: str) -> str:
    """``text`` without greetings and requests about the answer's form (PERIPHERAL); twice,
    since one removed may leave another standing alone ("quick question for my group:")."""
    return PERIPHERAL.sub(" ", PERIPHERAL.sub(" ", text))


def _plain(segments: list[str], question: str) -> str:
    # A segment that was all greeting or request ("hi, quick q for my group:") is dropped
    # with what punctuation it leaves.
    parts = (without_peripheral(segment) for segment in segments)
    core = " ".join(part for part in parts if re.search(r"\w", part))
    return " ".join(core.split()) or question.strip()


def core_question(question: str) -> str:
    """What a message asks about: up to its last question, without greetings or requests
    about the form.

    What precedes a question sets its subject ("the DSL paper says surrogate labels bias
    estimates - what accuracy range do they mention?", "enhancing clip with clip: how
    many points?"); what follows the last one is an afterthought ("Which paper released
    HelpSteer2? My colleague at Stanford mentioned it."). Without a "?", every segment counts.
    """
    segments, asks = _segments(question)
    return _plain(segments[: asks[-1] + 1] if asks else segments, question)


def asking_part(question: str) -> str:
    """The segments that ask (ASKS), without greetings or requests about the form: what
    the kind of question is read from, so a preamble ("I compared A and B last week.")
    changes nothing."""
    segments, asks = _segments(question)
    return _plain([segments[i] for i in asks] or segments, question)


def names_a_listing(question: str, dates: Iterable[str]) -> bool:
    """Whether a question names the day of one of the collection's listings, as the records
    give it ("Mar 14"): "was llmtune posted on mar 14 or oct 9?", "the march one or the
    october one?", "in the mar14 file?". It asks about a paper's record, whatever its other
    words. A month without its day counts when it names a listing ("the march one", "the
    october list")."""
    pattern = _listing_days(tuple(dates))
    return bool(pattern and pattern.search(question))


def without_listing(question: str, dates: Iterable[str]) -> str:
    """The question without the listing days it names: what it asks about ("is RAD-DINO
    in the mar14 file?" is about RAD-DINO; "mar14" is no word of any paper)."""
    pattern = _listing_days(tuple(dates))
    return " ".join(pattern.sub(" ", question).split()) if pattern else question


@functools.lru_cache(maxsize=8)
def _listing_days(dates: tuple[str, ...]) -> re.Pattern[str] | None:
    days = []
    for date in dates:
        found = re.match(r"([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2})\b", date)
        if not found or found.group(1).title() not in MONTHS:
            continue
        short = found.group(1).lower()
        full = MONTHS[found.group(1).title()].lower()
        days.append(rf"\b(?:{short}|{full})\.?\s*0?{int(found.group(2))}(?:st|nd|rd|th)?\b")
        days.append(rf"\b{full}\s+(?:\w+\s+)?(?:one|list|listing|feed|file|batch)s?\b")
    return re.compile("|".join(days), re.IGNORECASE) if days else None


MONTHS = {calendar.month_abbr[n]: calendar.month_name[n] for n in range(1, 13)}


def refers_back(question: str) -> bool:
    """Whether a question in a conversation leans on an earlier turn (pronoun, or very short)."""
    return bool(FOLLOW_UP.search(question)) or len(tokenize(question)) <= 3


# A paper asked for by name of its kind: a lookup's words that tokenize() drops.
PAPER_ASKED = re.compile(
    r"\b(papers?|works?|stud(y|ies)|articles?|research|publications?|anything|something)\b",
    re.IGNORECASE,
)


def _by_structure(text: str) -> Intent | None:
    """The first rule that holds: metadata, comparison, topic, lookup."""
    for pattern, intent in (
        (METADATA, Intent.METADATA),
        (COMPARISON, Intent.COMPARISON),
        (TOPIC, Intent.TOPIC),
        (LOOKUP, Intent.LOOKUP),
    ):
        if pattern.search(text):
            return intent
    return None


def classify(question: str, has_history: bool = False) -> Intent:
    """The kind of question, from the structure of its asking part, so that a greeting or
    preamble before it changes nothing; the whole message decides when that part alone
    says nothing ("SPIN vs DPO: which needs less data?")."""
    intent = _by_structure(asking_part(question)) or _by_structure(question)
    if (
        intent is Intent.LOOKUP
        and has_history
        and len(tokenize(question)) <= 2
        and not PAPER_ASKED.search(question)
    ):
        return Intent.FOLLOW_UP  # "is there a catch?" asks about the conversation's paper
    if intent is not None:
        return intent
    if has_history and refers_back(question):
        return Intent.FOLLOW_UP
    return Intent.FACT
