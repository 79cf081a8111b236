"""The Library tab, the chat's scope and the reference exports: handlers called directly
(no browser), a fake model over a small temporary index."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import gradio as gr
import pytest

import assistant
from assistant.records import paper_id_for
from assistant.ui.html import arxiv_link, paper_details
from assistant.ui.library import ALL_SOURCES, CHAT_TAB, LibraryHandlers
from assistant.ui.page import FIND
from tests.corpora import HERDS, ZEBRA, ZEBRA_PAPERS, run

ZEBRANET, DRONES, QUANTUM = (paper_id_for(title) for title in ZEBRA_PAPERS)


@pytest.fixture
def library(ui_with):
    handlers, _ = ui_with()
    return LibraryHandlers(handlers.engine, handlers.downloads)


def click(title: str, column: int = 0) -> gr.SelectData:
    """A click on a cell of a paper's row, as the browser reports it."""
    row = [title, "Oct 9", "a.txt", 1, ""]
    return gr.SelectData(None, {"index": [0, column], "value": row[column], "row_value": row})


def titles(rows) -> list[str]:
    return [row[0] for row in rows]


def sent(update) -> dict:
    """What a component returned by a handler changes on the page (as Gradio reads it)."""
    return update.constructor_args


def text_of(update) -> str:
    """The file a download button update offers, read."""
    return Path(sent(update)["value"]).read_text(encoding="utf-8")


def test_the_table_lists_every_paper_with_its_counts(library):
    rows, counts = library.show()
    assert titles(rows) == sorted(ZEBRA_PAPERS, key=str.lower)
    assert rows[0] == ["Counting Savanna Wildlife from Drones", "Oct 9", "a.txt", 1, ""]
    assert counts == "**3** papers, **3** chunks in the collection"


@pytest.mark.parametrize(
    ("filters", "shown", "note"),
    [
        (("ZEBRA stripes",), ["ZebraNet: Segmenting Zebra Stripes"], ""),
        (("", "a.txt"), sorted(ZEBRA_PAPERS, key=str.lower), ""),
        (("", ALL_SOURCES, "Oct 1", "Oct 9"), sorted(ZEBRA_PAPERS, key=str.lower), ""),
        (("", ALL_SOURCES, "Oct 10"), [], ""),
        # A bound with a year cannot place a paper dated "Oct 9": left out, and said.
        (("", ALL_SOURCES, "2023-10-01"), [], "3 paper(s) left out: their date has no year"),
        # A date still being typed filters nothing and says why.
        (("", ALL_SOURCES, "Octo"), sorted(ZEBRA_PAPERS, key=str.lower), "not a date"),
    ],
)
def test_filters_narrow_the_table_and_say_what_they_left_out(library, filters, shown, note):
    rows, counts = library.show(*filters)
    assert titles(rows) == shown
    if len(shown) != 3:
        assert f"**{len(shown)}** shown" in counts
    assert note in counts


def test_a_click_shows_the_abstract_and_selects_the_paper_once(library):
    title = "ZebraNet: Segmenting Zebra Stripes"
    details, selected, listing, bib, ris, confirmation = library.pick([], click(title))
    assert "12,000 labelled zebra images" in details and title in details
    assert selected == [ZEBRANET] and listing.startswith("**1 selected**")
    assert "title = {{ZebraNet:} Segmenting Zebra Stripes}" in text_of(bib)
    assert text_of(ris).startswith("TY  - ") and "TI  - " + title in text_of(ris)
    assert sent(confirmation)["visible"] is False
    again = library.pick(selected, click(title, column=1))  # its date: the same row
    assert again[1] == [ZEBRANET]
    other = library.pick(selected, click("Counting Savanna Wildlife from Drones", column=2))
    assert other[1] == [ZEBRANET, DRONES] and "drone video" in other[0]


def test_selecting_every_shown_paper_then_clearing(library):
    selected, listing, bib, _, _ = library.select_shown([QUANTUM], "savanna")
    assert selected == [QUANTUM, DRONES] and "2 selected" in listing
    assert text_of(bib).count("@misc{") == 2
    selected, listing, bib, ris, _ = library.clear_selection()
    assert selected == [] and "No paper selected" in listing
    assert sent(bib) == sent(ris) == {"value": None, "interactive": False}


def test_exports_are_written_outside_the_package(library):
    _, _, bib, _, _ = library.select_shown([])
    path = Path(sent(bib)["value"])
    assert path.name == "selection.bib"
    assert Path(assistant.__file__).parent not in path.parents
    assert library.downloads.folder in path.parents


def test_two_tabs_exporting_at_once_get_files_of_their_own(library):
    with ThreadPoolExecutor(2) as pool:
        updates = list(pool.map(lambda ids: library.selection(ids), [[ZEBRANET], [DRONES]]))
    (first, second) = (Path(sent(update[2])["value"]) for update in updates)
    assert first != second
    assert "ZebraNet" in first.read_text() and "Drones" in second.read_text()


@pytest.fixture
def removable(library, monkeypatch):
    """The library, its engine recording which papers it was asked to remove."""
    remove_papers = library.engine.remove_papers
    library.asked = []

    def recorded(paper_ids: list[str]) -> list[dict]:
        library.asked.append(paper_ids)
        return remove_papers(paper_ids)

    monkeypatch.setattr(library.engine, "remove_papers", recorded)
    return library


def test_remove_asks_first_and_removes_only_once_confirmed(removable):
    library = removable
    with pytest.warns(UserWarning, match="Select the papers to remove first"):
        pending, _, confirmation = library.ask_remove([])
    assert pending == [] and sent(confirmation)["visible"] is False

    pending, question, confirmation = library.ask_remove([QUANTUM])
    assert pending == [QUANTUM] and sent(confirmation)["visible"] is True
    assert "Remove 1 paper from the index?" in question
    assert "Quantum Chemistry Solver Benchmarks" in question
    assert library.asked == [] and len(library.show()[0]) == 3  # nothing removed yet

    pending_after, confirmation = library.cancel_remove()
    assert pending_after == [] and sent(confirmation) == {"visible": False}
    assert library.asked == []

    pending, confirmation, selected, listing, *_, rows, counts, notice = library.confirm_remove(
        pending
    )
    assert library.asked == [[QUANTUM]]
    assert notice == "Removed 1 paper: Quantum Chemistry Solver Benchmarks."
    assert "Quantum Chemistry Solver Benchmarks" not in titles(rows)
    assert counts.startswith("**2** papers")
    assert (pending, selected, sent(confirmation)["visible"]) == ([], [], False)
    assert "No paper selected" in listing
    assert library.engine.find("quantum chemistry solvers", 3, None)[0].paper_id != QUANTUM


def test_a_selection_drops_papers_removed_meanwhile(removable):
    removable.engine.remove_papers([ZEBRANET])
    selected, listing, *_ = removable.selection([ZEBRANET, DRONES])
    assert selected == [DRONES] and "1 selected" in listing


def test_ask_about_these_scopes_the_chat_to_the_selection(library):
    sources, since, until, paper_ids, tabs = library.ask_about([DRONES, ZEBRANET])
    assert (paper_ids, sources, since, until) == ([DRONES, ZEBRANET], [], "", "")
    assert sent(tabs)["selected"] == CHAT_TAB
    with pytest.warns(UserWarning, match="Select the papers to ask about first"):
        library.ask_about([])


def test_a_scoped_question_uses_only_the_chosen_papers(ui_with):
    handlers, model = ui_with("Herds are counted from drone video [1].")
    ((_, chat, turns, sources, _),) = run(
        handlers, "zebra", mode=FIND, papers=3, paper_ids=[DRONES]
    )
    assert chat[-1]["content"].startswith("1. Counting Savanna Wildlife from Drones")
    assert "ZebraNet" not in chat[-1]["content"] and turns[-1].cited == (DRONES,)
    _, chat, _, _, _ = run(handlers, HERDS, paper_ids=[DRONES, QUANTUM])[-1]
    prompt = model.calls[-1][-1]["content"]  # the model saw the chosen papers only
    assert "drone video" in prompt and "ZebraNet" not in prompt
    assert "[1] Counting Savanna Wildlife from Drones" in chat[-1]["content"]
    # ZebraNet would answer this; outside the scope, it is not found, and the reply says why.
    _, chat, _, sources, _ = run(handlers, ZEBRA, paper_ids=[DRONES])[-1]
    assert "(Searched only 1 chosen paper" in chat[-1]["content"]
    assert "ZebraNet" not in sources and len(model.calls) == 1


def test_an_unreadable_scope_date_is_a_clear_error(ui_with):
    handlers, model = ui_with()
    with pytest.raises(gr.Error, match="'next week' is not a date this tool reads"):
        run(handlers, ZEBRA, since="next week")
    assert model.calls == []


def test_the_scope_panel_says_what_the_next_question_may_use(ui_with):
    handlers, _ = ui_with()
    accordion, chosen = handlers.scope_summary([], "", "", [])
    assert sent(accordion)["label"] == "Scope: the whole collection" and "every paper" in chosen
    accordion, chosen = handlers.scope_summary(["a.txt"], "Oct 1", "", [ZEBRANET])
    assert sent(accordion)["label"] == "Scope: since Oct 1, from a.txt, 1 chosen paper"
    assert "- ZebraNet: Segmenting Zebra Stripes" in chosen
    accordion, chosen = handlers.scope_summary([], "Oct 9", "Oct 1", [])
    assert sent(accordion)["label"] == "Scope: a date cannot be read" and "is after" in chosen
    assert handlers.whole_collection() == ([], "", "", [])


def test_a_reply_offers_its_references_as_bibtex_and_ris(ui_with):
    handlers, _ = ui_with("ZebraNet improves stripe mask accuracy by 7.5 points [1].")
    turns = run(handlers, ZEBRA)[-1][2]
    group, bibtex, bib, ris = handlers.references(turns)
    assert sent(group)["visible"] is True
    assert bibtex.startswith("@misc{") and "{{ZebraNet:} Segmenting Zebra Stripes}" in bibtex
    assert text_of(bib) == bibtex and Path(sent(bib)["value"]).name == "references.bib"
    assert "TI  - ZebraNet: Segmenting Zebra Stripes" in text_of(ris)
    assert sent(handlers.references([])[0])["visible"] is False  # a cleared conversation


def test_an_abstention_offers_no_references(ui_with):
    handlers, _ = ui_with()
    turns = run(handlers, "Sourdough bread recipe using rye flour?")[-1][2]
    group, bibtex, bib, _ = handlers.references(turns)
    assert sent(group)["visible"] is False and bibtex == "" and sent(bib)["interactive"] is False


@pytest.mark.parametrize(
    ("arxiv_id", "html"),
    [
        (
            "2310.06825",
            '<a href="https://arxiv.org/abs/2310.06825" target="_blank" rel="noopener">',
        ),
        ("hep-th/9901001v2", '<a href="https://arxiv.org/abs/hep-th/9901001v2" target="_blank"'),
        ('2310.06825"><script>', "2310.06825&quot;&gt;&lt;script&gt;"),  # not an id: text
        ("", ""),
    ],
)
def test_arxiv_ids_link_to_their_arxiv_page_only(arxiv_id, html):
    link = arxiv_link(arxiv_id)
    assert link.startswith(html)
    assert link.count("href=") == (1 if html.startswith("<a") else 0)


def test_a_papers_details_link_its_title_and_escape_its_text():
    record = {
        "paper_id": "p1",
        "title": "Zebras <b>& Stripes</b>",
        "abstract": "We <i>segment</i> stripes.",
        "date": "Oct 9",
        "authors": json.dumps(["Ada Lovelace", "Alan Turing"]),
        "sources": json.dumps(["/data/a.txt:line 3", "/data/b.jsonl:entry 1"]),
        "arxiv_id": "2310.06825",
    }
    details = paper_details(record)
    assert details.startswith(
        '<h3><a href="https://arxiv.org/abs/2310.06825" target="_blank" rel="noopener">'
        "Zebras &lt;b&gt;&amp; Stripes&lt;/b&gt;</a></h3>"
    )
    assert "Oct 9 · Ada Lovelace, Alan Turing · from /data/a.txt, /data/b.jsonl · id p1" in details
    assert "We &lt;i&gt;segment&lt;/i&gt; stripes." in details
    assert "<a" not in paper_details({**record, "arxiv_id": ""})
