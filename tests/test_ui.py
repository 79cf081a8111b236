"""The UI's handlers called directly (no browser): a fake model over a small temporary index."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest

from assistant.answer.prompts import NOT_FOUND
from assistant.index.ingest import ingest_if_empty, upload_name
from assistant.records import paper_id_for
from assistant.ui.html import highlight
from assistant.ui.page import FIND, Turn, build_ui
from tests.corpora import HERDS, ZEBRA, ZEBRA_PAPERS, run, write_daily


def test_highlight_marks_query_words_and_escapes_the_rest():
    marked = highlight("Zebras <b>segment</b> the stripes & more.", "How are zebra stripes found?")
    assert marked == (
        "<mark>Zebras</mark> &lt;b&gt;segment&lt;/b&gt; the <mark>stripes</mark> &amp; more."
    )
    assert highlight("amp lt", "amp") == "<mark>amp</mark> lt"  # never inside an entity
    assert "<mark>" not in highlight("the paper which is", "which paper is the one")


def test_answer_streams_then_shows_references_sources_and_timings(ui_with):
    handlers, _ = ui_with(
        "ZebraNet improves stripe mask accuracy by 7.5 points [1]. "
        "We segment zebra stripes in savanna photographs. It was trained on Mars by astronauts."
    )
    updates = run(handlers, ZEBRA)
    box, chat, turns, sources, status = updates[-1]
    assert box == "" and [m["role"] for m in chat] == ["user", "assistant"]
    # Streamed a checked sentence at a time (the third, unsupported, never appears).
    streamed = [update[1][-1]["content"] for update in updates[1:-1]]
    assert len(streamed) == 2 and all(b.startswith(a) for a, b in pairwise(streamed))
    assert "Mars" not in chat[-1]["content"]
    assert chat[-1]["content"].startswith(streamed[-1])
    assert "**References**\n[1] ZebraNet: Segmenting Zebra Stripes" in chat[-1]["content"]
    assert "[1] cited" in sources and "ZebraNet: Segmenting Zebra Stripes" in sources
    assert "<mark>accuracy</mark>" in sources and "retrieved, not cited" in sources
    assert "fake-chat" in status and "**3** papers indexed" in status and "tokens/s" in status
    zebranet = paper_id_for("ZebraNet: Segmenting Zebra Stripes")
    assert turns == [
        Turn(ZEBRA, turns[0].reply, chat[-1]["content"], turns[0].timings, (zebranet,))
    ]
    assert turns[0].reply == (
        "ZebraNet improves stripe mask accuracy by 7.5 points [1]. "
        "We segment zebra stripes in savanna photographs [1]."
    )


def test_follow_up_question_sees_the_conversation(ui_with):
    handlers, model = ui_with(
        "Herds are counted from drone video [1].", "94 percent [1].", history_budget_tokens=200
    )
    turns = run(handlers, HERDS)[-1][2]
    chat = run(handlers, "What accuracy did they reach?", turns)[-1][1]
    assert [m["content"] for m in model.calls[1][1:3]] == [
        HERDS,
        "Herds are counted from drone video.",  # the answer's prose, markers dropped
    ]
    assert len(chat) == 4 and "Counting Savanna Wildlife from Drones" in chat[-1]["content"]


def test_abstention_shows_the_not_found_message_and_closest_matches(ui_with):
    handlers, model = ui_with("never used")
    _, chat, _, sources, _ = run(handlers, "Sourdough bread recipe using rye flour?")[-1]
    assert chat[-1]["content"].startswith("No indexed paper mentions 'Sourdough'. " + NOT_FOUND)
    assert "Closest matches in the collection" in chat[-1]["content"]
    assert "<h3>Closest matches</h3>" in sources and "closest match" in sources
    assert model.calls == []


def test_lookup_question_shows_the_titles_before_the_model_answers(ui_with):
    handlers, _ = ui_with("ZebraNet segments the stripes [1].")
    updates = run(handlers, "Which paper segments zebra stripes?")
    first_text = updates[1][1][-1]["content"]
    assert first_text.startswith("1. ZebraNet: Segmenting Zebra Stripes\n")


def test_find_mode_lists_papers_without_the_model(ui_with):
    handlers, model = ui_with()
    (update,) = run(handlers, "zebra stripes", mode=FIND, papers=2)
    _, chat, turns, sources, status = update
    assert chat[-1]["content"].startswith("1. ZebraNet: Segmenting Zebra Stripes")
    assert chat[-1]["content"].count("\n") == 1  # two papers
    assert "Papers found" in sources and "<mark>" in sources
    assert model.calls == [] and "last search" in status and len(turns) == 1


def test_controls_apply_to_this_question_only(ui_with):
    handlers, model = ui_with("Zebras [1].", "Zebras [1].")
    settings = handlers.engine.settings
    run(handlers, ZEBRA, papers=1, temperature=0.5, max_answer_tokens=32)
    assert model.sampling == [(32, 0.5)]
    assert (settings.top_k, settings.temperature, settings.max_answer_tokens) == (5, 0.0, 200)


def test_empty_question_changes_nothing(ui_with):
    handlers, model = ui_with()
    with pytest.warns(UserWarning, match="Type a question first"):
        ((box, chat, turns, _, _),) = run(handlers, "   ")
    assert (box, chat, turns, model.calls) == ("", [], [], [])


def test_clear_starts_a_new_conversation(ui_with):
    handlers, _ = ui_with("Zebras [1].")
    assert run(handlers, ZEBRA)[-1][2]
    chat, turns, sources, status = handlers.clear()
    assert (chat, turns) == ([], []) and "cited" not in sources and "last answer" not in status


def test_two_tabs_at_once_keep_their_own_conversations(ui_with):
    # Which tab gets which queued reply depends on the order the threads run in: each
    # reply is supported whichever question it answers.
    reply = "ZebraNet improves stripe mask accuracy by 7.5 points. We count zebra herds."
    handlers, model = ui_with(reply, reply)
    model.rendezvous(2)  # met only if both answers are written at once
    with ThreadPoolExecutor(2) as pool:
        tabs = list(pool.map(lambda q: run(handlers, q), [ZEBRA, HERDS]))
    for question, updates in zip([ZEBRA, HERDS], tabs, strict=True):
        for _, chat, _, _, _ in updates:
            assert chat[0]["content"] == question and len(chat) <= 2
        final = updates[-1][1]
        assert len(final) == 2 and "[1]" in final[-1]["content"]  # a checked, cited reply
    assert model.most_at_once == 1 and len(model.calls) == 2


def test_uploaded_papers_are_searchable_at_once(tmp_path, ui_with):
    handlers, _ = ui_with()
    records = [
        {"title": "Volcano Tremor Forecasting", "abstract": "We forecast volcano eruptions."},
        {"title": "Glacier Melt Models", "abstract": "We model glacier melt from satellites."},
    ]
    upload = tmp_path / "gradio-tmp" / "new papers.jsonl"
    upload.parent.mkdir()
    upload.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    message, status = handlers.add_papers(str(upload))
    assert message.startswith("**Added new papers.jsonl**: 2 papers read, 2 new")
    assert "**5** papers indexed" in status
    assert handlers.engine.find("volcano eruption forecast", 1)[0].title == records[0]["title"]
    (kept,) = handlers.engine.settings.uploads_dir.iterdir()
    assert kept.name.startswith("new_papers-") and kept.suffix == ".jsonl"
    hit = handlers.engine.find("glacier melt", 1)[0]
    assert hit.sources[0].startswith(str(kept))


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("bad.jsonl", '{"title": "Fine", "abstract": "Fine text."}\n{not', "bad.jsonl:line 2"),
        ("notes.pdf", "%PDF-1.4", "cannot tell the format"),
        ("big.jsonl", json.dumps({"title": "T", "abstract": "x" * 3000}), "limited to 0.001 MB"),
    ],
)
def test_a_refused_upload_leaves_the_index_untouched(tmp_path, ui_with, name, content, why):
    handlers, _ = ui_with(max_upload_mb=0.001)
    upload = tmp_path / name
    upload.write_text(content, encoding="utf-8")
    before = handlers.engine.index.stats()
    with pytest.warns(UserWarning, match="index is unchanged"):
        message, status = handlers.add_papers(str(upload))
    assert message.startswith(f"**{name} was not added** (the index is unchanged)")
    assert why in message and "**3** papers indexed" in status
    assert handlers.engine.index.stats() == before
    uploads = handlers.engine.settings.uploads_dir
    assert not uploads.exists() or list(uploads.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("papers.csv", "papers-0123456789ab.csv"),
        ("../../etc/passwd.BIB", "passwd-0123456789ab.bib"),
        ("..\\..\\windows\\evil.jsonl", "evil-0123456789ab.jsonl"),
        (".hidden.txt", "hidden-0123456789ab.txt"),
        ("Ünïcode names (v2).json", "n_code_names_v2-0123456789ab.json"),
        ("....txt", "upload-0123456789ab.txt"),
    ],
)
def test_upload_names_stay_inside_their_folder(name, expected):
    assert upload_name(name, "0123456789abcdef") == expected


def test_first_launch_indexes_the_default_corpus_once(tmp_path, settings, fake_index):
    corpus = write_daily(tmp_path / "corpus.txt", ZEBRA_PAPERS)
    settings = settings.model_copy(update={"corpus_paths": [corpus]})
    assert ingest_if_empty(settings, fake_index, progress=False).report.papers_added == 3
    assert ingest_if_empty(settings, fake_index, progress=False) is None


def test_the_page_offers_the_chat_api_and_no_telemetry(ui_with):
    handlers, _ = ui_with()
    demo = build_ui(handlers.engine)
    api_names = {fn.api_name for fn in demo.fns.values()}
    assert {"chat", "add_papers"} <= api_names
    assert demo.analytics_enabled is False


def _panel_answer(abstained: bool = False, relevant_ids: set[str] | None = None):
    """An answer about SegPrompt: one cited paper, one relevant, two unrelated matches."""
    from assistant.answer.citations import Citation
    from assistant.answer.result import Answer
    from assistant.retrieval.hybrid import PaperHit

    def hit(paper_id: str, title: str) -> PaperHit:
        return PaperHit(paper_id, title, 0.03, dense_similarity=0.3, snippet=f"About {title}.")

    papers = [
        hit("seg", "SegPrompt: Category-level Prompt Learning"),
        hit("open", "Open-World Segmentation Benchmarks"),
        hit("far1", "Quantum <b>Chemistry</b> Solvers"),
        hit("far2", "Glacier Melt Forecasting"),
    ]
    cited = [] if abstained else [Citation(1, 1, "seg", papers[0].title)]
    answer = Answer(
        "When does SegPrompt fail?",
        "text",
        abstained=abstained,
        mode="abstain" if abstained else "answer",
        citations=cited,
        papers=papers,
        papers_label="Closest matches" if abstained else "Retrieved papers",
    )
    answer.relevant_ids = relevant_ids  # None: an answer that does not record the decision
    return answer


def test_sources_panel_folds_the_papers_the_relevance_decision_rejected():
    from assistant.ui.html import sources_panel

    panel = sources_panel(_panel_answer(relevant_ids={"seg", "open"}))
    shown, folded = panel.split("<details>")
    assert folded.startswith("<summary>Other matches (2)</summary>")
    assert shown.index("[1] cited") < shown.index("SegPrompt") < shown.index("Open-World")
    assert "retrieved, not cited" in shown and "Open-World Segmentation" not in folded
    for title in ("Quantum &lt;b&gt;Chemistry&lt;/b&gt; Solvers", "Glacier Melt Forecasting"):
        assert title not in shown and title in folded
    assert "<b>Chemistry" not in panel and folded.endswith("</details>")


def test_sources_panel_shows_every_match_without_a_relevance_decision():
    from assistant.ui.html import sources_panel

    panel = sources_panel(_panel_answer())
    assert "<details>" not in panel and panel.count("retrieved, not cited") == 3
    assert panel.index("[1] cited") < panel.index("Glacier Melt Forecasting")


def test_sources_panel_keeps_an_abstentions_closest_matches_in_view():
    from assistant.ui.html import sources_panel

    panel = sources_panel(_panel_answer(abstained=True, relevant_ids=set()))
    assert "<details>" not in panel and "cited" not in panel
    assert panel.startswith("<h3>Closest matches</h3>") and panel.count("closest match") == 4


def test_the_theme_draws_text_with_installed_fonts_only():
    """No web font to fetch (an offline page would fall back to another face mid-word)."""
    from assistant.ui.page import offline_theme

    theme = offline_theme()
    assert theme._stylesheets == []
    assert [str(font) for font in theme._font][:2] == ["DejaVu Sans", "Liberation Sans"]


@pytest.mark.parametrize(
    ("metadata", "href"),
    [
        ({"arxiv_id": "2106.09685"}, "https://arxiv.org/abs/2106.09685"),
        ({"url": "https://example.org/p", "arxiv_id": "2106.09685"}, "https://example.org/p"),
        ({"url": "javascript:alert(1)"}, None),  # only web pages
        ({}, None),
    ],
)
def test_a_paper_links_to_its_page_from_its_record(metadata, href):
    from assistant.retrieval.hybrid import PaperHit
    from assistant.ui.html import _link

    link = _link(PaperHit("p", "A Paper", 0.0, metadata=metadata))
    if href is None:
        assert link == ""
    else:
        assert f'href="{href}" target="_blank" rel="noopener"' in link
