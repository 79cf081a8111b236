"""The Library tab: the indexed papers as a table to filter, read, select, export, remove
and ask about.

``LibraryHandlers`` holds the behaviour (each method is one event's handler, callable
without a browser); ``library_tab`` lays the tab out and wires the events that stay within
it (``page.build_ui`` wires the rest). A browser tab's selection lives in its own
``gr.State``: a list of paper ids, in the order they were picked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer.engine import Engine
from assistant.errors import AssistantError
from assistant.index.removals import RESTORE_HINT
from assistant.records import paper_id_for
from assistant.retrieval.scope import Scope, ScopeError, matching
from assistant.ui import html as ui_html
from assistant.ui.downloads import Downloads

HEADERS = ["Title", "Date", "Source", "Chunks", "arXiv"]
DATATYPES = ["str", "str", "str", "number", "html"]
ALL_SOURCES = "All sources"
CHAT_TAB, LIBRARY_TAB = "chat", "library"  # the ids of the page's tabs
NOTHING_SELECTED = "*No paper selected: click a row of the table to pick it.*"

Row = list[Any]
# What a change of selection updates: the selection, its list, the .bib and .ris downloads,
# and the removal confirmation (hidden: it asked about another selection).
SelectionOutputs = tuple[list[str], str, Any, Any, Any]


def source_names(papers: list[dict[str, Any]]) -> list[str]:
    """The file names the papers were read from, sorted (what the source filters offer)."""
    return sorted({Path(path).name for paper in papers for path in paper["sources"]})


def table_row(paper: Mapping[str, Any]) -> Row:
    """A catalogue entry as a table row (a click finds the paper by its title: ids are
    derived from titles)."""
    arxiv_id = paper.get("arxiv_id") or ""
    return [
        paper["title"],
        paper.get("date") or "",
        ", ".join(Path(path).name for path in paper["sources"]),
        paper.get("chunks", 1),
        ui_html.arxiv_link(arxiv_id) if arxiv_id else "",
    ]


class LibraryHandlers:
    """What the Library tab does, over the engine the chat shares.

    ``on_change`` runs after papers are removed (the page recounts its status line).
    """

    def __init__(
        self,
        engine: Engine,
        downloads: Downloads | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.downloads = downloads or Downloads()
        self.on_change = on_change

    # The table

    def sources(self) -> list[str]:
        return source_names(self.engine.index.catalogue())

    def source_filter(self) -> Any:
        """The source filter's choices, read again (papers may have been added)."""
        return gr.Dropdown(choices=[ALL_SOURCES, *self.sources()])

    def show(
        self, query: str = "", source: str = ALL_SOURCES, since: str = "", until: str = ""
    ) -> tuple[list[Row], str]:
        """The papers whose title holds ``query``, from ``source``, dated in [since, until];
        and the counts. A date being typed that cannot be read yet is said, not raised."""
        papers = self.engine.index.catalogue()
        shown, notes = filtered(papers, query, source, since, until)
        return [table_row(paper) for paper in shown], counts(papers, shown, notes)

    # Selecting

    def pick(self, selected: list[str] | None, evt: gr.SelectData) -> tuple[Any, ...]:
        """A click on a row: the paper joins the selection and its abstract is shown."""
        row = evt.row_value or []
        paper_id = paper_id_for(str(row[0])) if row else ""
        record = self.engine.index.papers([paper_id]).get(paper_id) if paper_id else None
        selected = list(selected or [])
        if record is not None and paper_id not in selected:
            selected.append(paper_id)
        return (ui_html.paper_details(record), *self.selection(selected))

    def select_shown(
        self,
        selected: list[str] | None,
        query: str = "",
        source: str = ALL_SOURCES,
        since: str = "",
        until: str = "",
    ) -> SelectionOutputs:
        """Every paper the filters show joins the selection."""
        shown, _ = filtered(self.engine.index.catalogue(), query, source, since, until)
        selected = list(selected or [])
        selected += [paper["paper_id"] for paper in shown if paper["paper_id"] not in selected]
        return self.selection(selected)

    def clear_selection(self) -> SelectionOutputs:
        return self.selection([])

    def selection(self, selected: list[str]) -> SelectionOutputs:
        """The selection's list and its reference files (papers removed meanwhile dropped)."""
        records = self.records(selected)
        selected = [record["paper_id"] for record in records]
        files = self.downloads.references(records, "selection")
        return (
            selected,
            selection_markdown(records),
            download(files.get("bib")),
            download(files.get("ris")),
            gr.Group(visible=False),
        )

    def records(self, paper_ids: list[str]) -> list[dict[str, Any]]:
        return stored_records(self.engine, paper_ids)

    # Removing: asked, then confirmed; nothing is removed on the first click

    def ask_remove(self, selected: list[str] | None) -> tuple[list[str], str, Any]:
        """The confirmation, naming the papers that "Yes, remove" would remove."""
        records = self.records(selected or [])
        if not records:
            gr.Warning("Select the papers to remove first: click their rows in the table.")
            return [], "", gr.Group(visible=False)
        count = len(records)
        listing = "\n".join(f"- {record['title']}" for record in records)
        them = "them" if count != 1 else "it"
        question = (
            f"**Remove {count} paper{'s' * (count != 1)} from the index?** No answer will use "
            f"{them}, and indexing {them} again from a file skips {them}: {RESTORE_HINT}.\n\n"
            f"{listing}"
        )
        return [record["paper_id"] for record in records], question, gr.Group(visible=True)

    def cancel_remove(self) -> tuple[list[str], Any]:
        return [], gr.Group(visible=False)

    def confirm_remove(
        self,
        pending: list[str] | None,
        query: str = "",
        source: str = ALL_SOURCES,
        since: str = "",
        until: str = "",
    ) -> tuple[Any, ...]:
        """Remove the papers the confirmation named; the table and the selection follow."""
        removed: list[dict[str, Any]] = []
        if pending:
            try:
                removed = self.engine.remove_papers(list(pending))
            except AssistantError as error:
                raise gr.Error(str(error)) from error
            if self.on_change is not None:
                self.on_change()
        notice = ""
        if removed:
            titles = "; ".join(record["title"] for record in removed)
            notice = f"Removed {len(removed)} paper{'s' * (len(removed) != 1)}: {titles}."
        return (
            [],
            gr.Group(visible=False),
            *self.selection([]),
            *self.show(query, source, since, until),
            notice,
        )

    # Asking

    def ask_about(self, selected: list[str] | None) -> tuple[Any, ...]:
        """The chat's scope becomes the selected papers (its other bounds cleared, so they
        cannot narrow it further), and the Chat tab opens: sources, since, until, the
        chosen papers (as ``page.chat_scope`` takes them), then the tabs."""
        paper_ids = [record["paper_id"] for record in self.records(selected or [])]
        if not paper_ids:
            gr.Warning("Select the papers to ask about first: click their rows in the table.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return [], "", "", paper_ids, gr.Tabs(selected=CHAT_TAB)


def stored_records(engine: Engine, paper_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The stored records of the papers still indexed, in the order given."""
    return engine.index.records_of(paper_ids)


def filtered(
    papers: list[dict[str, Any]], query: str, source: str, since: str, until: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """The catalogue entries the filters admit, and notes for the reader.

    Source and dates are a ``Scope``, so the table admits exactly the papers a question
    scoped the same way would use.
    """
    sources = (source,) if source and source != ALL_SOURCES else ()
    try:
        scope = Scope((since or "").strip() or None, (until or "").strip() or None, sources)
    except ScopeError as error:
        return matching(papers, query)[0], [f"Dates not applied: {error}"]
    return matching(papers, query, scope)


def counts(papers: list[dict[str, Any]], shown: list[dict[str, Any]], notes: list[str]) -> str:
    """ "N papers, M chunks in the collection · X shown", then any notes."""
    chunks = sum(int(paper.get("chunks") or 1) for paper in papers)
    line = f"**{len(papers)}** papers, **{chunks}** chunks in the collection"
    if len(shown) != len(papers):
        line += f" · **{len(shown)}** shown"
    return "\n\n".join([line, *(f"*{note}*" for note in notes)])


def selection_markdown(records: list[dict[str, Any]]) -> str:
    if not records:
        return NOTHING_SELECTED
    listing = "\n".join(f"{n}. {record['title']}" for n, record in enumerate(records, 1))
    return f"**{len(records)} selected**\n\n{listing}"


def download(path: str | None) -> Any:
    """An update to a download button: offering ``path``, or greyed out without one."""
    return gr.DownloadButton(value=path, interactive=path is not None)


def download_button(label: str, elem_id: str) -> gr.DownloadButton:
    """A small download button, greyed out until there is something to download."""
    return gr.DownloadButton(label, interactive=False, size="sm", elem_id=elem_id)


@dataclass
class LibraryTab:
    """The components of the Library tab that the rest of the page reads or updates."""

    table: gr.Dataframe
    counts: gr.Markdown
    filters: list[gr.components.Component]
    source: gr.Dropdown
    selected: gr.State
    ask: gr.Button
    removed: Any  # the removal's event, for what must follow it
    upload: gr.File
    upload_status: gr.Markdown


def library_tab(
    handlers: LibraryHandlers, upload_label: str, upload_types: list[str]
) -> LibraryTab:
    """The tab's layout (inside the caller's ``gr.Tab``) and its own events."""
    selected, pending = gr.State([]), gr.State([])
    with gr.Row():
        query = gr.Textbox(
            label="Title contains", placeholder="Filter by title…", elem_id="library-query", scale=3
        )
        source = gr.Dropdown(
            [ALL_SOURCES], value=ALL_SOURCES, label="Source", elem_id="library-source", scale=2
        )
        since = gr.Textbox(
            label="Since", placeholder="2023-10-01, or Oct 1", elem_id="library-since", scale=1
        )
        until = gr.Textbox(
            label="Until", placeholder="2023-12-31, or Oct 31", elem_id="library-until", scale=1
        )
    counts = gr.Markdown(elem_id="library-counts")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            table = gr.Dataframe(
                headers=HEADERS,
                datatype=DATATYPES,
                interactive=False,
                max_height=520,
                wrap=True,
                column_widths=["42%", "9%", "28%", "12%", "9%"],
                label="Papers (click a row to read it and select it; click a header to sort)",
                elem_id="library-table",
            )
        with gr.Column(scale=2):
            chosen = gr.Markdown(NOTHING_SELECTED, elem_id="library-selected")
            with gr.Row():
                select_shown = gr.Button("Select all shown", size="sm", elem_id="library-all")
                clear = gr.Button("Clear selection", size="sm", elem_id="library-clear")
            with gr.Row():
                ask = gr.Button("Ask about these", variant="primary", elem_id="library-ask")
                remove = gr.Button("Remove selected…", variant="stop", elem_id="library-remove")
            with gr.Row():
                bib = download_button("Download .bib", "library-bib")
                ris = download_button("Download .ris", "library-ris")
            with gr.Group(visible=False, elem_id="confirm-remove") as confirmation:
                question = gr.Markdown(padding=True)
                with gr.Row():
                    confirm = gr.Button("Yes, remove", variant="stop", elem_id="confirm-remove-yes")
                    cancel = gr.Button("Cancel", elem_id="confirm-remove-no")
            notice = gr.Markdown(elem_id="library-notice")
            # Below the buttons, so that a long abstract never moves them.
            details = gr.HTML(ui_html.paper_details(None), elem_id="library-paper")
    with gr.Accordion("Add papers", open=False):
        upload = gr.File(
            label=upload_label,
            file_types=upload_types,
            type="filepath",
            elem_id="upload",
        )
        upload_status = gr.Markdown(elem_id="upload-status")

    filters = [query, source, since, until]
    selection = [selected, chosen, bib, ris, confirmation]
    private: dict[str, Any] = {"api_visibility": "private"}
    gr.on(
        [query.change, source.change, since.blur, since.submit, until.blur, until.submit],
        handlers.show,
        inputs=filters,
        outputs=[table, counts],
        trigger_mode="always_last",
        **private,
    )
    table.select(handlers.pick, inputs=selected, outputs=[details, *selection], **private)
    select_shown.click(
        handlers.select_shown, inputs=[selected, *filters], outputs=selection, **private
    )
    clear.click(handlers.clear_selection, outputs=selection, **private)
    remove.click(
        handlers.ask_remove, inputs=selected, outputs=[pending, question, confirmation], **private
    )
    cancel.click(handlers.cancel_remove, outputs=[pending, confirmation], **private)
    removed = confirm.click(
        handlers.confirm_remove,
        inputs=[pending, *filters],
        outputs=[pending, confirmation, *selection, table, counts, notice],
        concurrency_limit=1,
        **private,
    )
    return LibraryTab(table, counts, filters, source, selected, ask, removed, upload, upload_status)
