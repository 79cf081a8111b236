"""The Gradio UI: a Chat tab (streamed answers beside their sources, a find-papers mode, a
scope, the references to export) and a Library tab (library.py).

``ChatHandlers`` holds the behaviour (each method is one event's handler, callable without
a browser); ``build_ui`` lays out the page and wires the events; ``launch`` serves it.
Each browser tab keeps its conversation, scope and selection in its own ``gr.State``; the
engine is shared.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer.engine import Engine
from assistant.answer.result import Answer
from assistant.chats import ChatStore
from assistant.corpus.reading import EXTENSIONS
from assistant.errors import AssistantError
from assistant.index.ingest import ingest_upload
from assistant.references import render
from assistant.retrieval.scope import Scope, ScopeError
from assistant.ui import html as ui_html
from assistant.ui.conversations import ConversationHandlers, conversations_panel
from assistant.ui.downloads import Downloads
from assistant.ui.library import (
    CHAT_TAB,
    LIBRARY_TAB,
    LibraryHandlers,
    download,
    download_button,
    library_tab,
    source_names,
    stored_records,
)
from assistant.ui.turns import Turn, chat_messages, engine_history

log = logging.getLogger(__name__)

ANSWER, FIND = "Answer", "Find papers"
EXAMPLES = [
    "By how much does SegPrompt improve unseen detection AR on its benchmark?",
    "How does debate help weak-to-strong generalization?",
    "Which paper introduced SPIN?",
    "Find the paper that trains a CLIP-like model for satellite and drone imagery.",
]
# Requests served at once per event. Answers beyond the first wait for the model's lock
# in the engine, so searches and find-papers requests are not stuck behind them.
CONCURRENT_REQUESTS = 8
MAX_PAPERS = 10
QUESTION_HINT = "Ask about the papers in the collection…"

Outputs = tuple[str, list[dict[str, str]], list[Turn], str, str]


def chat_scope(
    sources: Sequence[str] | None = None,
    since: str | None = "",
    until: str | None = "",
    paper_ids: Sequence[str] | None = None,
) -> Scope | None:
    """The scope the Chat tab's controls describe (None: the whole collection); an
    unreadable date raises ScopeError."""
    scope = Scope(
        (since or "").strip() or None,
        (until or "").strip() or None,
        tuple(sources or ()),
        tuple(paper_ids or ()),
    )
    return scope or None


class ChatHandlers:
    """What the page does, as plain methods over one shared engine."""

    def __init__(self, engine: Engine, downloads: Downloads | None = None) -> None:
        self.engine = engine
        self.downloads = downloads or Downloads()
        self.papers_indexed = engine.index.stats().papers
        self._adding = threading.Lock()  # one upload at a time writes the index

    def recount(self) -> None:
        """Count the indexed papers again (after papers were added or removed)."""
        self.papers_indexed = self.engine.index.stats().papers

    def model_description(self) -> dict[str, Any]:
        try:
            return self.engine.model.describe()
        except AssistantError as error:
            log.error("The model is unavailable: %s", error)
            return {"model": "unavailable (see the console)", "backend": "none"}

    def status(self, turns: list[Turn] | None = None) -> str:
        timings = turns[-1].timings if turns else None
        return ui_html.status_line(self.model_description(), self.papers_indexed, timings)

    def respond(
        self,
        question: str,
        turns: list[Turn],
        mode: str = ANSWER,
        papers: float = 5,
        temperature: float = 0.0,
        max_answer_tokens: float = 200,
        sources: Sequence[str] | None = None,
        since: str | None = "",
        until: str | None = "",
        paper_ids: Sequence[str] | None = None,
    ) -> Iterator[Outputs]:
        """Stream the reply into the chat, then show its sources and timings.

        ``sources``, ``since``, ``until`` and ``paper_ids``: the scope (chat_scope).
        """
        question = (question or "").strip()
        turns = list(turns or [])
        if not question:
            gr.Warning("Type a question first.")
            yield "", chat_messages(turns), turns, ui_html.placeholder_panel(""), self.status(turns)
            return
        try:
            scope = chat_scope(sources, since, until, paper_ids)
        except ScopeError as error:
            raise gr.Error(str(error)) from error
        shown = [*chat_messages(turns), {"role": "user", "content": question}]
        if mode == FIND:
            yield from self._find(question, turns, shown, int(papers), scope)
            return
        waiting = "*Waiting for the model (another answer is being written)…*"
        pending = waiting if self.engine.model_busy else "…"
        searching = ui_html.placeholder_panel("Searching the collection…")
        status = self.status(turns)
        yield "", [*shown, {"role": "assistant", "content": pending}], turns, searching, status
        text = ""
        answer = None
        try:
            for item in self.engine.stream(
                question,
                engine_history(turns),
                top_k=int(papers),
                temperature=float(temperature),
                max_answer_tokens=int(max_answer_tokens),
                scope=scope,
            ):
                if isinstance(item, Answer):
                    answer = item
                    continue
                text += item
                reply = {"role": "assistant", "content": text}
                yield "", [*shown, reply], turns, searching, status
        except AssistantError as error:
            raise gr.Error(str(error)) from error
        assert answer is not None  # the engine always ends with its Answer
        reply = answer.prose or answer.text  # history keeps prose, not title lists
        cited = tuple(answer.cited_paper_ids)
        shown_reply = ui_html.reply_markdown(answer)
        turns.append(Turn(question, reply, shown_reply, answer.timings, cited, answer))
        yield "", chat_messages(turns), turns, ui_html.sources_panel(answer), self.status(turns)

    def _find(
        self,
        question: str,
        turns: list[Turn],
        shown: list[dict[str, str]],
        k: int,
        scope: Scope | None,
    ) -> Iterator[Outputs]:
        """Find-papers mode: ranked titles at once, no model involved."""
        started = time.perf_counter()
        try:
            hits = self.engine.find(question, k, scope)
        except AssistantError as error:
            raise gr.Error(str(error)) from error
        timings = {"retrieval_ms": round((time.perf_counter() - started) * 1000, 1)}
        reply = ui_html.found_markdown(hits)
        found = tuple(hit.paper_id for hit in hits)
        turns.append(Turn(question, reply, reply, timings, found))
        yield (
            "",
            chat_messages(turns),
            turns,
            ui_html.found_panel(question, hits),
            self.status(turns),
        )

    def clear(self) -> tuple[list[dict[str, str]], list[Turn], str, str]:
        """A new conversation: chat, history and sources emptied."""
        return [], [], ui_html.placeholder_panel(QUESTION_HINT), self.status()

    def references(self, turns: list[Turn] | None) -> tuple[Any, str, Any, Any]:
        """The last reply's references: shown as BibTeX to copy, offered as .bib and .ris
        (hidden when it has none)."""
        records = stored_records(self.engine, turns[-1].cited) if turns else []
        if not records:
            return gr.Group(visible=False), "", download(None), download(None)
        files = self.downloads.references(records)
        bibtex = render(records, "bibtex")
        return gr.Group(visible=True), bibtex, download(files["bib"]), download(files["ris"])

    def source_choices(self) -> Any:
        """The scope's source files, read again (papers may have been added or removed)."""
        return gr.Dropdown(choices=source_names(self.engine.index.catalogue()))

    def scope_summary(
        self,
        sources: Sequence[str] | None,
        since: str | None,
        until: str | None,
        paper_ids: Sequence[str] | None,
    ) -> tuple[Any, str]:
        """The scope in words on its (folded) panel, and the chosen papers by title."""
        try:
            scope = chat_scope(sources, since, until, paper_ids)
        except ScopeError as error:
            return gr.Accordion(label="Scope: a date cannot be read"), f"*{error}*"
        label = f"Scope: {scope.describe() if scope else 'the whole collection'}"
        records = stored_records(self.engine, paper_ids or [])
        if not records:
            return gr.Accordion(label=label), "*No chosen papers: every paper can answer.*"
        titles = "\n".join(f"- {record['title']}" for record in records)
        return gr.Accordion(label=label), f"**Only these papers** ({len(records)}):\n{titles}"

    def whole_collection(self) -> tuple[list[str], str, str, list[str]]:
        """The scope reset: no source, date or chosen paper narrows the next question."""
        return [], "", "", []

    def add_papers(
        self,
        path: str | None,
        turns: list[Turn] | None = None,
        progress: gr.Progress = gr.Progress(track_tqdm=True),  # noqa: B008 (Gradio's idiom)
    ) -> tuple[str, str]:
        """Index an uploaded corpus file (all or nothing); searchable as soon as this returns."""
        if not path:
            return "", self.status(turns)
        name = Path(path).name
        progress(0, desc=f"Reading {name}")
        with self._adding:
            try:
                result = ingest_upload(
                    Path(path), name, self.engine.settings, self.engine.index, progress=True
                )
            except AssistantError as error:
                gr.Warning(f"{name} was not added: the index is unchanged.")
                refused = f"**{name} was not added** (the index is unchanged):\n\n```\n{error}\n```"
                return refused, self.status(turns)
            self.engine.search.refresh()
            self.recount()
        report = result.report
        message = (
            f"**Added {name}**: {result.read.papers} papers read, {report.papers_added} new, "
            f"{report.papers_changed} changed, {report.papers_unchanged} already indexed. "
            "They are searchable now."
        )
        return message, self.status(turns)


def build_ui(engine: Engine) -> gr.Blocks:
    """The page, its events and its queue, over ``engine``."""
    downloads = Downloads()
    handlers = ChatHandlers(engine, downloads)
    library = LibraryHandlers(engine, downloads, on_change=handlers.recount)
    saved = ConversationHandlers(engine, ChatStore(engine.settings.chats_file), downloads)
    settings = engine.settings
    private: dict[str, Any] = {"api_visibility": "private"}
    with gr.Blocks(title="Paper Assistant", analytics_enabled=False) as demo:
        turns = gr.State([])
        scope_papers = gr.State([])  # the papers "Ask about these" chose
        gr.Markdown(
            "# Paper Assistant\nQuestions about the indexed paper abstracts, answered by a "
            "local model. Citations are checked by code; the sources panel shows what was used."
        )
        status = gr.Markdown(elem_id="status")
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("Chat", id=CHAT_TAB, elem_id="chat-tab"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(
                            label="Conversation",
                            elem_id="chat",
                            height=460,
                            placeholder=QUESTION_HINT,
                            buttons=["copy", "copy_all"],  # no "share": it posts to Hugging Face
                            feedback_options=None,
                        )
                        with gr.Row():
                            question = gr.Textbox(
                                label="Question",
                                show_label=False,
                                placeholder=QUESTION_HINT,
                                elem_id="question",
                                scale=5,
                            )
                            ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1)
                        with gr.Row():
                            mode = gr.Radio(
                                [ANSWER, FIND],
                                value=ANSWER,
                                label="Mode",
                                info="Find papers: ranked titles at once, without the model.",
                                elem_id="mode",
                            )
                            clear = gr.Button("Clear conversation", elem_id="clear")
                        with gr.Accordion(
                            "Scope: the whole collection", open=False, elem_id="scope"
                        ) as scope:
                            with gr.Row():
                                scope_sources = gr.Dropdown(
                                    [],
                                    value=[],
                                    multiselect=True,
                                    label="Source files",
                                    elem_id="scope-sources",
                                    scale=2,
                                )
                                since = gr.Textbox(
                                    "",  # a default: API clients may leave it out
                                    label="Since",
                                    placeholder="2023-10-01, or Oct 1",
                                    elem_id="scope-since",
                                    scale=1,
                                )
                                until = gr.Textbox(
                                    "",  # a default: API clients may leave it out
                                    label="Until",
                                    placeholder="2023-12-31, or Oct 31",
                                    elem_id="scope-until",
                                    scale=1,
                                )
                            with gr.Row():
                                chosen = gr.Markdown(elem_id="scope-papers")
                                reset = gr.Button(
                                    "Whole collection", size="sm", elem_id="scope-reset", scale=0
                                )
                        conversations = conversations_panel(saved)
                        gr.Examples(
                            EXAMPLES, inputs=question, label="Examples from the bundled corpus"
                        )
                    with gr.Column(scale=2):
                        sources = gr.HTML(
                            ui_html.placeholder_panel(QUESTION_HINT), elem_id="sources"
                        )
                        with gr.Group(visible=False, elem_id="references") as references:
                            bibtex = gr.Textbox(
                                label="References of the last reply (BibTeX)",
                                lines=4,
                                max_lines=10,
                                interactive=False,
                                buttons=["copy"],
                                elem_id="references-bibtex",
                            )
                            with gr.Row():
                                bib = download_button("Download .bib", "references-bib")
                                ris = download_button("Download .ris", "references-ris")
                with gr.Accordion("Answer settings", open=False), gr.Row():
                    papers = gr.Slider(
                        1,
                        max(MAX_PAPERS, settings.top_k),
                        settings.top_k,
                        step=1,
                        label="Papers retrieved",
                    )
                    temperature = gr.Slider(
                        0.0, 1.5, settings.temperature, step=0.05, label="Temperature"
                    )
                    max_tokens = gr.Slider(
                        16,
                        # The context window is sized for this longest answer (config.py).
                        max(settings.longest_answer_tokens, settings.max_answer_tokens),
                        settings.max_answer_tokens,
                        step=16,
                        label="Max answer length (tokens)",
                    )
            with gr.Tab("Library", id=LIBRARY_TAB, elem_id="library-tab") as library_page:
                shelf = library_tab(
                    library,
                    f"A corpus file ({', '.join(EXTENSIONS)}; "
                    f"at most {settings.max_upload_mb:g} MB)",
                    list(EXTENSIONS),
                )

        scope_inputs = [scope_sources, since, until, scope_papers]
        reference_outputs = [references, bibtex, bib, ris]
        saving = conversations.saving
        answered = gr.on(
            [question.submit, ask.click],
            handlers.respond,
            inputs=[question, turns, mode, papers, temperature, max_tokens, *scope_inputs],
            outputs=[question, chat, turns, sources, status],
            api_name="chat",
            concurrency_limit=CONCURRENT_REQUESTS,
        )
        answered.then(handlers.references, inputs=turns, outputs=reference_outputs, **private)
        answered.success(
            saved.save, inputs=[turns, saving], outputs=[saving, conversations.chats], **private
        )
        clear.click(handlers.clear, outputs=[chat, turns, sources, status], **private).then(
            handlers.references, inputs=turns, outputs=reference_outputs, **private
        ).then(saved.new, outputs=[saving, conversations.chats], **private)
        conversations.open.click(
            saved.open,
            inputs=conversations.chats,
            outputs=[chat, turns, saving, sources],
            **private,
        ).then(handlers.references, inputs=turns, outputs=reference_outputs, **private)

        describe_scope: dict[str, Any] = {
            "fn": handlers.scope_summary,
            "inputs": scope_inputs,
            "outputs": [scope, chosen],
            **private,
        }
        gr.on(
            [scope_sources.change, since.blur, since.submit, until.blur, until.submit],
            **describe_scope,
        )
        reset.click(handlers.whole_collection, outputs=scope_inputs, **private).then(
            **describe_scope
        )
        shelf.ask.click(
            library.ask_about, inputs=shelf.selected, outputs=[*scope_inputs, tabs], **private
        ).then(lambda: gr.Accordion(open=True), outputs=scope, **private).then(**describe_scope)

        def collection_changed(turns: list[Turn]) -> tuple[Any, ...]:
            """After papers were added or removed: the status line and the source choices."""
            return handlers.status(turns), library.source_filter(), handlers.source_choices()

        changed: dict[str, Any] = {
            "fn": collection_changed,
            "inputs": turns,
            "outputs": [status, shelf.source, scope_sources],
            **private,
        }
        table = {"inputs": shelf.filters, "outputs": [shelf.table, shelf.counts], **private}
        shelf.upload.upload(
            handlers.add_papers,
            inputs=[shelf.upload, turns],
            outputs=[shelf.upload_status, status],
            api_name="add_papers",
            concurrency_limit=1,
        ).then(library.show, **table).then(**changed)
        shelf.removed.then(**changed)
        library_page.select(library.show, **table)
        demo.load(library.show, **table).then(**changed)
        demo.load(saved.choices, outputs=conversations.chats, **private)
    demo.queue(default_concurrency_limit=CONCURRENT_REQUESTS)
    return demo


def launch(
    demo: gr.Blocks, engine: Engine, host: str = "127.0.0.1", port: int = 7860, **options: Any
) -> Any:
    """Serve the page on ``host:port``: no share link, no telemetry, uploads size-limited.

    With ``ASSISTANT_UI_USERS`` set, every page and API call needs a login. Serving beyond
    this machine without one is allowed (a trusted network) but warned about.
    """
    logins = engine.settings.ui_logins
    if not logins and not is_loopback(host):
        log.warning(
            "Serving on %s without a login: anyone who reaches this address can use the "
            "assistant and add papers. Set ASSISTANT_UI_USERS='user:password' to require one.",
            host,
        )
    return demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        ssr_mode=False,
        max_file_size=int(engine.settings.max_upload_mb * 1_000_000),
        css=ui_html.CSS,
        theme=offline_theme(),
        auth=logins or None,
        **options,
    )


# Fonts a Linux, macOS or Windows machine has installed: the default theme asks for a web
# font an offline page never loads, and its capitals then render in a fallback face.
LOCAL_FONTS = [
    "DejaVu Sans",
    "Liberation Sans",
    "Helvetica Neue",
    "Arial",
    "system-ui",
    "sans-serif",
]
LOCAL_MONO_FONTS = ["DejaVu Sans Mono", "Liberation Mono", "Menlo", "Consolas", "monospace"]


def offline_theme() -> gr.themes.Base:
    """Gradio's default theme with installed fonts only: nothing is fetched to draw text."""
    return gr.themes.Default(font=LOCAL_FONTS, font_mono=LOCAL_MONO_FONTS)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
