"""Clean what scraping leaves in abstracts (LaTeX residue, entities, whitespace) for retrieval."""

from __future__ import annotations

import html
import re
import unicodedata

from assistant.corpus import bibtex

INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b\u2060\ufeff\ud800-\udfff]")
_NEEDS_CLEANING = re.compile(r"[\\{}$~&<]|" + INVISIBLE.pattern)
_CLEAN_PASSES = 5
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_BLOCK_TAG = re.compile(
    r"</?(?:[a-z]+:)?(?:p|br|div|li|title|sec|abstract)\b[^<>]{0,200}>", re.IGNORECASE
)
_INLINE_TAG = re.compile(
    r"</?(?:[a-z]+:)?(?:i|b|u|em|strong|sub|sup|span|italic|bold|sc|inline-formula|tex-math)"
    r"\b[^<>]{0,200}>",
    re.IGNORECASE,
)
_URL_ECHO = re.compile(r"(https?://[^\s{}<>\"]+)\{+([^{}]{0,500})\}+")
_ECHO_PREFIX = re.compile(r"^(?:\\?[A-Za-z]+\s+)+")
_DISPLAY_MATH = re.compile(r"\$\$([^$]{1,500})\$\$")
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?=[^\s$])([^$]{1,300}?)(?<=[^\s\\])\$(?![\d$])")
_ABBREVIATION = re.compile(r"\\(eg|ie|etal|etc)(?![A-Za-z])\.?")
_ABBREVIATIONS = {"eg": "e.g.", "ie": "i.e.", "etal": "et al.", "etc": "etc."}
_DOTS = re.compile(r"\\[lc]?dots(?![A-Za-z])")
_ESCAPED = re.compile(r"\\([%&_#$])")
_SPACING = re.compile(r"\\(?:[ ,;:!]|\\)")
_REFERENCE = re.compile(
    r"\\(?:cite[a-zA-Z]*|[cC]?ref|eqref|autoref|label)\*?\s*(?:\[[^\]]{0,200}\]\s*)*\{[^{}]{0,500}\}"
)
_HREF_TARGET = re.compile(r"\\href\s*\{[^{}]{0,2000}\}")
_FORMATTING = re.compile(
    r"\\(?:text[a-z]*|emph|underline|url|boldsymbol|bm"
    r"|math(?:rm|bf|it|sf|tt|cal|bb|frak|scr)|operatorname|[mh]box|tiny|scriptsize|footnotesize"
    r"|small|normalsize|large|Large|LARGE|huge|Huge|bf|it|tt|sc|em|rm|sf)\*?(?![A-Za-z])"
)
_MACRO = re.compile(r"\\([A-Za-z]+)(\s*\{)?")
# A tie (`modeling~(MLM)`, `shows~5`) follows a word; after a space or an opening bracket
# `~` means "approximately" (`by ~5% on MMLU`) and is kept, as it is in URLs (`/~user`).
_TIE = re.compile(r"(?<=[^\s/(\[=<>])~")


def clean_text(text: str) -> str:
    """Retrieval text: LaTeX and HTML residue of scraped abstracts removed, spacing normalised.

    Idempotent and total: any string gives a string. Titles are not cleaned (they are shown).
    """
    if not _NEEDS_CLEANING.search(text):
        return " ".join(unicodedata.normalize("NFC", text).split())
    cleaned = _clean_once(text)
    # A pass can expose more markup (`&amp;lt;`, `\$x\$` -> `$x$`): repeat until stable.
    for _ in range(_CLEAN_PASSES):
        again = _clean_once(cleaned)
        if again == cleaned:
            break
        cleaned = again
    return cleaned


def _clean_once(text: str) -> str:
    text = _ENTITY.sub(lambda match: html.unescape(match.group()), text)
    text = _INLINE_TAG.sub("", _BLOCK_TAG.sub(" ", text))
    text = INVISIBLE.sub("", text)
    text = _URL_ECHO.sub(_drop_url_echo, text)
    text = _INLINE_MATH.sub(r"\1", _DISPLAY_MATH.sub(r"\1", text))
    text = _ABBREVIATION.sub(lambda match: _ABBREVIATIONS[match.group(1)], text)
    text = bibtex.decode_accents(_DOTS.sub("...", text))
    text = _SPACING.sub(" ", _ESCAPED.sub(r"\1", text))
    text = _FORMATTING.sub("", _HREF_TARGET.sub("", _REFERENCE.sub("", text)))
    # `\sqrt{x}` -> `sqrt x`, `\frac{1}{2}` -> `frac 1 2`: arguments stay separate words.
    text = _MACRO.sub(lambda match: match.group(1) + " " * bool(match.group(2)), text)
    text = _TIE.sub(" ", text.replace("\\", "")).replace("}{", " ")
    text = text.replace("{", "").replace("}", "")
    return " ".join(unicodedata.normalize("NFC", text).split())


def _drop_url_echo(match: re.Match[str]) -> str:
    """``https://x.org/a{{small https://x.org/a}}`` -> the URL: scraped hyperref repeats it."""
    url, inner = match.group(1), match.group(2).strip()
    echo = re.sub(r"^https?://", "", _ECHO_PREFIX.sub("", inner)).rstrip("/")
    return url if echo and echo in url else match.group()
