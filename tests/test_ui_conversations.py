"""Saved conversations in the UI: handlers called directly (no browser), a fake model over
a small temporary index, the conversations in a temporary SQLite file."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest

from assistant.chats import ChatStore
from assistant.ui.conversations import ConversationHandlers, Saving
from assistant.ui.page import FIND
from tests.corpora import HERDS, ZEBRA, run

FOLLOW_UP = "What accuracy did they reach?"


def sent(update) -> dict:
    """What a component returned by a handler changes on the page (as Gradio reads it)."""
    return update.constructor_args


def login(name: str) -> SimpleNamespace:
    """A request as Gradio passes it to a handler, from a logged-in user."""
    return SimpleNamespace(username=name)


@pytest.fixture
def saved(ui_with, tmp_path):
    """(chat handlers, conversation handlers, model): the model answers HERDS, then the
    follow-up, then ZEBRA."""
    handlers, model = ui_with(
        "Herds are counted from drone video [1].",
        "94 percent [1].",
        "ZebraNet improves stripe mask accuracy by 7.5 points [1].",
        history_budget_tokens=200,  # so the prompt shows the history a follow-up continues
    )
    store = ChatStore(tmp_path / "chats.sqlite3")
    return handlers, ConversationHandlers(handlers.engine, store, handlers.downloads), model


def ask(handlers, conversations, question, turns, saving, request=None, **controls):
    """One question in a tab, then the save that follows each answer on the page."""
    turns = run(handlers, question, turns, **controls)[-1][2]
    saving, chats = conversations.save(turns, saving, request)
    return turns, saving, chats


def test_each_answer_is_saved_to_the_tabs_conversation(saved):
    handlers, conversations, _ = saved
    turns, saving, chats = ask(handlers, conversations, HERDS, [], Saving())
    assert saving.saved == 1 and saving.chat_id is not None
    ((label, chat_id),) = sent(chats)["choices"]
    assert chat_id == saving.chat_id and sent(chats)["value"] == chat_id
    assert label.startswith(f"{HERDS} · ") and label.endswith(" · 1 question")
    turns, again, _ = ask(handlers, conversations, FOLLOW_UP, turns, saving)
    assert again == Saving(chat_id, 2)
    chat = conversations.store.get(chat_id)
    assert [turn.question for turn in chat.turns] == [HERDS, FOLLOW_UP]
    assert chat.turns[0].records[0]["title"] == "Counting Savanna Wildlife from Drones"


def test_saving_twice_saves_each_answer_once(saved):
    handlers, conversations, _ = saved
    turns, saving, _ = ask(handlers, conversations, HERDS, [], Saving())
    assert conversations.save(turns, saving)[0] == saving
    assert len(conversations.store.get(saving.chat_id).turns) == 1


def test_find_papers_searches_are_not_saved(saved):
    handlers, conversations, _ = saved
    turns, saving, chats = ask(handlers, conversations, "zebra", [], Saving(), mode=FIND)
    assert saving == Saving(None, 1) and sent(chats)["choices"] == []
    turns, saving, _ = ask(handlers, conversations, HERDS, turns, saving)
    assert len(conversations.store.get(saving.chat_id).turns) == 1


def test_a_reopened_conversation_continues_where_it_stopped(saved):
    handlers, conversations, model = saved
    _, first, _ = ask(handlers, conversations, HERDS, [], Saving())
    # Another tab (a fresh page) reopens it and asks a follow-up.
    chat, turns, saving, sources = conversations.open(first.chat_id)
    assert saving == Saving(first.chat_id, 1) and "Reopened" in sources
    assert [message["content"] for message in chat] == [
        HERDS,
        "Herds are counted from drone video [1].\n\n**References**\n"
        "[1] Counting Savanna Wildlife from Drones (Oct 9)",
    ]
    turns, saving, _ = ask(handlers, conversations, FOLLOW_UP, turns, saving)
    assert [m["content"] for m in model.calls[1][1:3]] == [
        HERDS,
        "Herds are counted from drone video.",  # the saved prose is the history
    ]
    assert saving == Saving(first.chat_id, 2)
    assert len(conversations.store.get(first.chat_id).turns) == 2
    assert handlers.references(turns)[1].startswith("@misc{")  # its references, as before


def test_two_tabs_keep_their_own_conversations(saved):
    handlers, conversations, _ = saved
    _, one, _ = ask(handlers, conversations, HERDS, [], Saving())
    _, other, chats = ask(handlers, conversations, ZEBRA, [], Saving())
    assert one.chat_id != other.chat_id
    assert [chat_id for _, chat_id in sent(chats)["choices"]] == [other.chat_id, one.chat_id]


def test_with_logins_each_user_sees_only_their_own(saved):
    handlers, conversations, _ = saved
    _, ada, _ = ask(handlers, conversations, HERDS, [], Saving(), login("ada"))
    _, _, bob_list = ask(handlers, conversations, ZEBRA, [], Saving(), login("bob"))
    assert [label.split(" · ")[0] for label, _ in sent(bob_list)["choices"]] == [ZEBRA]
    assert sent(conversations.choices(None, None))["choices"] == []  # no login: none
    with pytest.raises(gr.Error, match="No saved conversation has the id"):
        conversations.open(ada.chat_id, login("bob"))
    with pytest.raises(gr.Error, match="No saved conversation has the id"):
        conversations.delete(ada.chat_id, Saving(), login("bob"))
    assert conversations.store.get(ada.chat_id, "ada").turns


def test_rename_and_export_as_markdown(saved):
    handlers, conversations, _ = saved
    _, saving, _ = ask(handlers, conversations, HERDS, [], Saving())
    chats, title = conversations.rename(saving.chat_id, "  Drone   counting ")
    assert title == "Drone counting"
    assert sent(chats)["choices"][0][0].startswith("Drone counting · ")
    title, export = conversations.chosen(saving.chat_id)
    path = Path(sent(export)["value"])
    assert title == "Drone counting" and path.name == f"conversation-{saving.chat_id}.md"
    markdown = path.read_text(encoding="utf-8")
    assert markdown.startswith("# Drone counting\n") and f"## {HERDS}" in markdown
    assert "```bibtex" in markdown and conversations.downloads.folder in path.parents
    with pytest.raises(gr.Error, match="cannot be empty"):
        conversations.rename(saving.chat_id, "   ")


def test_delete_asks_first_and_a_tab_writing_to_it_starts_anew(saved):
    handlers, conversations, _ = saved
    turns, saving, _ = ask(handlers, conversations, HERDS, [], Saving())
    pending, question, confirmation = conversations.ask_delete(saving.chat_id)
    assert pending == saving.chat_id and sent(confirmation)["visible"] is True
    assert f"Delete “{HERDS}”** and its 1 question?" in question
    assert conversations.store.list()  # nothing deleted yet
    assert conversations.cancel_delete()[0] is None and conversations.store.list()

    pending, confirmation, after, chats = conversations.delete(pending, saving)
    assert pending is None and sent(confirmation)["visible"] is False
    assert conversations.store.list() == [] and sent(chats)["choices"] == []
    assert after == Saving(None, 1)  # the next answer goes to a new conversation
    turns, saving, _ = ask(handlers, conversations, FOLLOW_UP, turns, after)
    (chat,) = conversations.store.list()
    assert chat.id == saving.chat_id and chat.turns == 1


def test_clearing_the_chat_starts_a_new_conversation(saved):
    handlers, conversations, _ = saved
    _, saving, _ = ask(handlers, conversations, HERDS, [], Saving())
    fresh, chats = conversations.new()
    assert fresh == Saving() and sent(chats)["value"] is None
    _, other, _ = ask(handlers, conversations, ZEBRA, [], fresh)
    assert other.chat_id != saving.chat_id and len(conversations.store.list()) == 2


def test_nothing_chosen_is_a_warning_not_an_error(saved):
    _, conversations, _ = saved
    for action in (conversations.open, conversations.ask_delete):
        with pytest.warns(UserWarning, match="Choose a saved conversation first"):
            action(None)
    assert conversations.chosen(None)[0] == ""
