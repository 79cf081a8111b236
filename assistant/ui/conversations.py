"""Saved conversations in the UI: each answer saved as it is given, and the list of a
user's conversations to reopen (follow-ups continue from it), rename, delete and export
as Markdown.

A browser tab's conversation is its ``turns`` and its ``Saving`` state (which saved
conversation it writes to); the owner is the login name (``gr.Request.username``), "" when
the page has no logins, so with logins each user sees only their own conversations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.answer.engine import Engine
from assistant.chats import Chat, ChatStore, ChatTurn, export_markdown
from assistant.errors import AssistantError
from assistant.ui import html as ui_html
from assistant.ui.downloads import Downloads
from assistant.ui.library import download, download_button, stored_records
from assistant.ui.turns import Turn, chat_messages


@dataclass(frozen=True)
class Saving:
    """Where a tab's answers are saved: ``chat_id`` (None until the first is saved) and
    how many of its turns were dealt with already."""

    chat_id: str | None = None
    saved: int = 0


def owner_of(request: gr.Request | None) -> str:
    """The login name of the user making the request; "" without logins (or a request)."""
    return (getattr(request, "username", None) or "") if request is not None else ""


def chat_label(title: str, updated: Any, turns: int) -> str:
    when = updated.astimezone().strftime("%Y-%m-%d %H:%M")
    questions = f"{turns} question{'s' * (turns != 1)}"
    return f"{title or '(no questions yet)'} · {when} · {questions}"


class ConversationHandlers:
    """What the saved-conversations panel does, over one store shared by every tab."""

    def __init__(self, engine: Engine, store: ChatStore, downloads: Downloads | None = None):
        self.engine = engine
        self.store = store
        self.downloads = downloads or Downloads()

    def choices(self, current: str | None = None, request: gr.Request | None = None) -> Any:
        """The user's conversations, newest first, ``current`` chosen."""
        chats = self._call(self.store.list, owner_of(request))
        listed = [(chat_label(c.title, c.updated, c.turns), c.id) for c in chats]
        return gr.Dropdown(choices=listed, value=current)

    def save(
        self, turns: list[Any] | None, saving: Saving | None, request: gr.Request | None = None
    ) -> tuple[Saving, Any]:
        """Save the tab's answers not saved yet (a new conversation for its first one);
        find-papers searches are not kept. The list then shows the conversation chosen."""
        turns, saving = list(turns or []), saving or Saving()
        owner, chat_id = owner_of(request), saving.chat_id
        for turn in turns[saving.saved :]:
            if turn.answer is None:
                continue
            if chat_id is None:
                chat_id = self._call(self.store.create, owner)
            records = stored_records(self.engine, turn.answer.cited_paper_ids)
            self._call(self.store.add_turn, chat_id, turn.answer, records, owner)
        return Saving(chat_id, len(turns)), self.choices(chat_id, request)

    def new(self, request: gr.Request | None = None) -> tuple[Saving, Any]:
        """A new conversation in this tab (after "Clear"): its next answer starts one."""
        return Saving(), self.choices(None, request)

    def chosen(self, chat_id: str | None, request: gr.Request | None = None) -> tuple[str, Any]:
        """The chosen conversation's title (to rename) and its Markdown (to download)."""
        if not chat_id:
            return "", download(None)
        chat = self._call(self.store.get, chat_id, owner_of(request))
        path = self.downloads.write(f"conversation-{chat.id}.md", export_markdown(chat))
        return chat.title, download(path)

    def open(self, chat_id: str | None, request: gr.Request | None = None) -> tuple[Any, ...]:
        """The chosen conversation in this tab's chat; the next question follows it up."""
        if not chat_id:
            gr.Warning("Choose a saved conversation first.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        chat = self._call(self.store.get, chat_id, owner_of(request))
        turns = reopened(chat)
        sources = ui_html.placeholder_panel(f"Reopened “{chat.title}”: ask a follow-up.")
        return chat_messages(turns), turns, Saving(chat.id, len(turns)), sources

    def rename(
        self, chat_id: str | None, title: str, request: gr.Request | None = None
    ) -> tuple[Any, str]:
        if not chat_id:
            gr.Warning("Choose a saved conversation first.")
            return gr.skip(), gr.skip()
        self._call(self.store.rename, chat_id, title, owner_of(request))
        return self.choices(chat_id, request), " ".join(title.split())

    def ask_delete(self, chat_id: str | None, request: gr.Request | None = None) -> tuple[Any, ...]:
        """The confirmation naming the conversation "Yes, delete" would delete."""
        if not chat_id:
            gr.Warning("Choose a saved conversation first.")
            return None, "", gr.Group(visible=False)
        chat = self._call(self.store.get, chat_id, owner_of(request))
        count = len(chat.turns)
        question = (
            f"**Delete “{chat.title}”** and its {count} question{'s' * (count != 1)}? "
            "This cannot be undone."
        )
        return chat.id, question, gr.Group(visible=True)

    def cancel_delete(self) -> tuple[None, Any]:
        return None, gr.Group(visible=False)

    def delete(
        self, pending: str | None, saving: Saving | None, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """Delete the conversation the confirmation named; a tab that was writing to it
        starts a new one with its next answer."""
        saving = saving or Saving()
        if pending:
            self._call(self.store.delete, pending, owner_of(request))
            if saving.chat_id == pending:
                saving = Saving(None, saving.saved)
        return None, gr.Group(visible=False), saving, self.choices(None, request)

    @staticmethod
    def _call(method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except AssistantError as error:
            raise gr.Error(str(error)) from error


def reopened(chat: Chat) -> list[Turn]:
    """A saved conversation's turns as the chat keeps them."""
    return [
        Turn(
            turn.question,
            turn.prose,
            saved_reply(turn),
            turn.timings,
            tuple(citation["paper_id"] for citation in turn.citations),
        )
        for turn in chat.turns
    ]


def saved_reply(turn: ChatTurn) -> str:
    """A saved answer as the chat shows one: its text, then its numbered references."""
    if not turn.citations:
        return turn.text
    records = {record.get("paper_id"): record for record in turn.records}
    lines = []
    for citation in turn.citations:
        record = records.get(citation["paper_id"]) or {}
        date = record.get("date") or ""
        lines.append(f"[{citation['n']}] {citation['title']}" + (f" ({date})" if date else ""))
    return f"{turn.text}\n\n**References**\n" + "\n".join(lines)


@dataclass
class ConversationsPanel:
    """The components of the saved-conversations panel the page wires to the chat."""

    saving: gr.State
    chats: gr.Dropdown
    open: gr.Button


def conversations_panel(handlers: ConversationHandlers) -> ConversationsPanel:
    """The panel's layout (inside the caller's layout) and its own events."""
    saving, pending = gr.State(Saving()), gr.State(None)
    with gr.Accordion("Saved conversations", open=False, elem_id="conversations"):
        chats = gr.Dropdown([], value=None, label="Conversation", elem_id="chats-list")
        with gr.Row():
            reopen = gr.Button("Open", size="sm", variant="primary", elem_id="chats-open")
            export = download_button("Export .md", "chats-export")
            delete = gr.Button("Delete…", variant="stop", size="sm", elem_id="chats-delete")
        with gr.Row():
            title = gr.Textbox(label="Title", max_lines=1, elem_id="chats-title", scale=4)
            rename = gr.Button("Rename", size="sm", elem_id="chats-rename", scale=1)
        with gr.Group(visible=False) as confirmation:
            question = gr.Markdown(padding=True)
            with gr.Row():
                confirm = gr.Button("Yes, delete", variant="stop", elem_id="chats-delete-yes")
                cancel = gr.Button("Cancel", elem_id="chats-delete-no")

    private: dict[str, Any] = {"api_visibility": "private"}
    chats.change(handlers.chosen, inputs=chats, outputs=[title, export], **private)
    rename.click(handlers.rename, inputs=[chats, title], outputs=[chats, title], **private)
    delete.click(
        handlers.ask_delete, inputs=chats, outputs=[pending, question, confirmation], **private
    )
    cancel.click(handlers.cancel_delete, outputs=[pending, confirmation], **private)
    confirm.click(
        handlers.delete,
        inputs=[pending, saving],
        outputs=[pending, confirmation, saving, chats],
        **private,
    )
    return ConversationsPanel(saving, chats, reopen)
