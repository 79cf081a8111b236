"""What the UI shows beside the chat: the sources panel (passages with matched words marked),
the reply's reference list and the status line. Plain functions from answers to text."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from assistant.answer.result import Answer, describe_paper
from assistant.records import source_path
from assistant.retrieval.hybrid import PaperHit
from assistant.text import TOKEN, tokenize

CLOSEST_IN_REPLY = 3

CSS = """
#sources .paper { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 10px; margin-bottom: 8px; }
#sources .paper.other { opacity: 0.85; border-style: dashed; }
#sources .tag { font-size: 0.8em; padding: 1px 6px; border-radius: 6px; margin-right: 4px;
  background: var(--color-accent-soft); }
#sources .paper.other .tag { background: var(--background-fill-secondary); }
#sources .title { font-weight: 600; }
#sources .meta { font-size: 0.8em; color: var(--body-text-color-subdued); margin: 2px 0 4px; }
#sources .passage { font-size: 0.9em; line-height: 1.45; }
#sources mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
#sources h3 { margin: 4px 0 8px; font-size: 1em; }
#sources details summary { cursor: pointer; margin: 4px 0 8px; }
#library-paper .meta { font-size: 0.85em; color: var(--body-text-color-subdued);
  margin: 2px 0 8px; }
#library-paper .abstract { font-size: 0.92em; line-height: 1.5; }
#library-paper h3 { margin: 4px 0; font-size: 1.05em; }
#library-table, #library-table * { font-family: var(--font); }
#confirm-remove { border: 1px solid var(--error-border-color, #ef4444); border-radius: 8px; }
"""
# An arXiv id: new style ("2310.06825", "2310.06825v2") or old ("hep-th/9901001").
ARXIV_ID = re.compile(
    r"\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7}(?:v\d+)?", re.IGNORECASE
)


def highlight(text: str, query: str) -> str:
    """``text`` as HTML, with the words that match the query's content words in <mark>.

    Words are matched as the search matches them (stopwords dropped, plurals folded),
    and every piece is escaped on its own, so markup in a passage stays text.
    """
    terms = set(tokenize(query))
    pieces = []
    for piece in re.split(f"({TOKEN.pattern})", text, flags=re.IGNORECASE):
        escaped = html.escape(piece)
        matched = TOKEN.fullmatch(piece) and set(tokenize(piece)) & terms
        pieces.append(f"<mark>{escaped}</mark>" if matched else escaped)
    return "".join(pieces)


def _link(hit: PaperHit) -> str:
    """A link to the paper's page from its record (its url, else its arXiv id); the page
    opens in a new tab, and nothing is fetched to draw the panel."""
    arxiv_id = hit.metadata.get("arxiv_id") or ""
    url = hit.metadata.get("url") or (f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else "")
    if not url.startswith(("https://", "http://")):
        return ""
    return f' · <a href="{html.escape(url)}" target="_blank" rel="noopener">link</a>'


def arxiv_link(arxiv_id: str | None, text: str | None = None) -> str:
    """``text`` (the id by default) linking to the paper's arXiv page in a new tab; plain
    text when the id is missing or not an arXiv id. Nothing is fetched to draw it."""
    arxiv_id = (arxiv_id or "").strip()
    text = html.escape(text if text is not None else arxiv_id)
    if not ARXIV_ID.fullmatch(arxiv_id):
        return text
    url = f"https://arxiv.org/abs/{quote(arxiv_id, safe='/.')}"
    return f'<a href="{url}" target="_blank" rel="noopener">{text}</a>'


def paper_details(record: Mapping[str, Any] | None) -> str:
    """One stored paper for the library: its title (linked to arXiv when it has an id),
    date, authors, source files and id, then its abstract."""
    if record is None:
        return "<p>Click a paper in the table to read its abstract.</p>"
    authors = json.loads(record.get("authors") or "[]")
    files = dict.fromkeys(source_path(s) for s in json.loads(record.get("sources") or "[]"))
    meta = [
        record.get("date") or "",
        ", ".join(authors),
        "from " + ", ".join(files) if files else "",
        f"id {record['paper_id']}",
    ]
    return (
        f"<h3>{arxiv_link(record.get('arxiv_id'), record['title'])}</h3>"
        f'<div class="meta">{html.escape(" · ".join(part for part in meta if part))}</div>'
        f'<div class="abstract">{html.escape(record.get("abstract") or "")}</div>'
    )


def _paper_card(hit: PaperHit, passage: str, query: str, tag: str, cited: bool) -> str:
    date = hit.metadata.get("date") or ""
    meta = f"score {hit.score:.4f} · similarity {hit.dense_similarity:.2f}"
    meta += f" · {html.escape(date)}" if date else ""
    return (
        f'<div class="paper {"cited" if cited else "other"}">'
        f'<div><span class="tag">{html.escape(tag)}</span>'
        f'<span class="title">{html.escape(hit.title)}</span></div>'
        f'<div class="meta">{meta}{_link(hit)}</div>'
        f'<div class="passage">{highlight(passage, query)}</div></div>'
    )


def sources_panel(answer: Answer) -> str:
    """Each cited paper with the passage the model was given, then the retrieved ones the
    relevance decision kept; every other retrieved paper is folded under "Other matches".

    An abstention shows its closest matches unfolded. Without ``relevant_ids`` (an answer
    from before the decision was recorded) every retrieved paper is shown as before.
    """
    sentences = {source.hit.paper_id: " ".join(source.sentences) for source in answer.sources}
    cited = {citation.paper_id: citation.n for citation in answer.citations}
    by_id = {hit.paper_id: hit for hit in answer.papers}

    def card(hit: PaperHit, tag: str, is_cited: bool = False) -> str:
        passage = sentences.get(hit.paper_id) or hit.snippet
        return _paper_card(hit, passage, answer.question, tag, cited=is_cited)

    cards = [
        card(by_id[c.paper_id], f"[{c.n}] cited", is_cited=True)
        for c in answer.citations
        if c.paper_id in by_id
    ]
    others = [hit for hit in answer.papers if hit.paper_id not in cited]
    relevant = getattr(answer, "relevant_ids", None)
    folded: list[str] = []
    if answer.abstained:
        cards += [card(hit, "closest match") for hit in others]
    else:
        cards += [
            card(hit, "retrieved, not cited")
            for hit in others
            if relevant is None or hit.paper_id in relevant
        ]
        if relevant is not None:
            folded = [card(hit, "other match") for hit in others if hit.paper_id not in relevant]
    heading = answer.papers_label if answer.abstained or not cited else "Sources"
    return _panel(heading, cards, folded)


def found_panel(question: str, hits: list[PaperHit]) -> str:
    """The papers a find-papers search returned, best first."""
    cards = [
        _paper_card(hit, hit.snippet, question, f"{rank}.", cited=True)
        for rank, hit in enumerate(hits, start=1)
    ]
    return _panel("Papers found", cards)


def _panel(heading: str, cards: list[str], folded: list[str] | None = None) -> str:
    """The heading, the cards, then the folded cards collapsed under "Other matches (N)"."""
    body = "".join(cards)
    if folded:
        summary = f"<summary>Other matches ({len(folded)})</summary>"
        body += f"<details>{summary}{''.join(folded)}</details>"
    return f"<h3>{html.escape(heading)}</h3>{body or '<p>No paper matched.</p>'}"


def placeholder_panel(message: str) -> str:
    return f"<h3>Sources</h3><p>{html.escape(message)}</p>"


def reply_markdown(answer: Answer) -> str:
    """The chat reply: the answer, then the code-rendered references of what it quotes,
    then, when it did not find the answer, the closest matches."""
    parts = [answer.text.rstrip()]
    if answer.citations:  # an abstention may quote where a name is mentioned in passing
        parts.append("**References**\n" + "\n".join(answer.references()))
    cited = {c.paper_id for c in answer.citations}
    closest = [hit for hit in answer.papers if hit.paper_id not in cited][:CLOSEST_IN_REPLY]
    if answer.abstained and closest:
        listing = "\n".join(f"{n}. {hit.title}" for n, hit in enumerate(closest, start=1))
        parts.append(f"*Closest matches in the collection:*\n{listing}")
    return "\n\n".join(parts)


def found_markdown(hits: list[PaperHit]) -> str:
    """The chat reply in find-papers mode: titles, best first."""
    if not hits:
        return "No paper in the collection matches."
    return "\n".join(f"{n}. {describe_paper(hit)}" for n, hit in enumerate(hits, start=1))


def status_line(model: dict[str, Any], papers: int, timings: dict[str, float] | None) -> str:
    """Model, backend, papers indexed, and the speed of the last answer in this tab."""
    parts = [
        f"Model **{model.get('model', '?')}** on **{model.get('backend', '?')}**",
        f"**{papers}** papers indexed",
    ]
    if timings and "ttft_ms" in timings:
        parts.append(
            f"last answer: first token {timings['ttft_ms'] / 1000:.1f} s, "
            f"{timings.get('gen_tokens_per_s', 0):.1f} tokens/s"
        )
    elif timings and "retrieval_ms" in timings:
        parts.append(f"last search {timings['retrieval_ms']:.0f} ms (no model call)")
    return " · ".join(parts)
