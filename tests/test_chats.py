"""Saved conversations: the SQLite store, owners kept apart, the Markdown export with one
numbering and its BibTeX, and `assistant chats` / `assistant ask --chat`."""

from __future__ import annotations

import json
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import bibtexparser
import pytest

import assistant.answer.engine
import assistant.index.store
from assistant.answer.citations import Citation
from assistant.answer.engine import Engine
from assistant.answer.result import Answer
from assistant.chats import ChatStore, export_markdown
from assistant.cli import main
from assistant.config import Settings
from assistant.errors import ChatError, ChatNotFoundError, ChatStoreError
from assistant.index.chunking import paper_metadata
from assistant.index.ingest import ingest
from assistant.records import Paper, SourceRef, paper_id_for
from assistant.retrieval.hybrid import HybridSearch
from tests.corpora import ZEBRA, ZEBRA_PAPERS, write_daily
from tests.fakes import FakeChatModel

# bibtexparser 1.4 calls pyparsing by its old names; pyparsing 3.3 warns on each call.
pytestmark = pytest.mark.filterwarnings("ignore::pyparsing.warnings.PyparsingDeprecationWarning")

ALPHA, BETA, GAMMA = "Alpha Nets for Zebras", "Beta Counting of Herds", "Gamma Rays at the LHC"
RECORDS = {
    ALPHA: {"authors": ["Ada Lovelace", "Alan Turing"], "date": "2024-03-01", "arxiv_id": "2403.1"},
    BETA: {"date": "Oct 9"},
    GAMMA: {"authors": ["C. Balázs"], "date": "2007", "url": "https://example.org/gamma"},
}


def record(title: str) -> dict:
    """What `cited_records` hands over: a paper's first chunk's metadata, abstract and all."""
    paper = Paper(
        title=title,
        abstract="An abstract.",
        sources=[SourceRef("data/corpus.jsonl", "line 1")],
        **RECORDS[title],
    )
    return {**paper_metadata(paper), "chunk": 0, "n_chunks": 1, "abstract": "An abstract."}


def answer(question: str, text: str, *cited: str, abstained: bool = False) -> Answer:
    """An answer citing ``cited`` as [1], [2]... in that order; its prose has no title list."""
    citations = [Citation(n, n, paper_id_for(title), title) for n, title in enumerate(cited, 1)]
    return Answer(
        question,
        text,
        abstained,
        "abstain" if abstained else "answer",
        citations,
        timings={"retrieval_ms": 3.5, "total_ms": 120.0},
        prose="" if abstained else text.split("\n\n")[-1],
    )


def save(store: ChatStore, chat_id: str, turn: Answer, owner: str = "") -> None:
    titles = [citation.title for citation in turn.citations]
    store.add_turn(chat_id, turn, [record(title) for title in titles], owner)


@pytest.fixture
def store(tmp_path) -> ChatStore:
    return ChatStore(tmp_path / "chats.sqlite3")


# --- The store ----------------------------------------------------------------------------------


def test_a_conversation_round_trips(store, tmp_path):
    chat_id = store.create()
    save(store, chat_id, answer("What do Alpha nets do?", "1. Alpha\n\nThey segment [1].", ALPHA))
    save(store, chat_id, answer("Unrelated?", "Not in the collection.", abstained=True))

    chat = ChatStore(tmp_path / "chats.sqlite3").get(chat_id)  # another store, same file
    assert (chat.id, chat.owner, chat.title) == (chat_id, "", "What do Alpha nets do?")
    first, second = chat.turns
    assert first.question == "What do Alpha nets do?" and first.text.endswith("segment [1].")
    assert first.prose == "They segment [1]." and not first.abstained and first.intent == "fact"
    assert first.citations == [{"n": 1, "paper_id": paper_id_for(ALPHA), "title": ALPHA}]
    assert first.timings == {"retrieval_ms": 3.5, "total_ms": 120.0}
    (kept,) = first.records  # the record without the abstract or chunk bookkeeping
    assert kept["title"] == ALPHA and kept["arxiv_id"] == "2403.1"
    assert "abstract" not in kept and "chunk" not in kept
    assert second.abstained and second.prose == "Not in the collection." and second.records == []
    assert chat.created <= first.created <= second.created == chat.updated
    assert chat.created.utcoffset().total_seconds() == 0

    (summary,) = store.list()
    assert (summary.id, summary.title, summary.turns) == (chat_id, chat.title, 2)


def test_history_is_what_the_ui_gives_the_engine(store):
    """A reopened conversation continues as the tab that wrote it would have: each question
    and its answer's prose (the reply itself when it abstained)."""
    from assistant.ui.page import Turn, engine_history

    turns = [
        answer("Which paper counts herds?", "1. Beta\n\nBeta counts herds [1].", BETA),
        answer("Anything on cats?", "Not in the collection.", abstained=True),
    ]
    chat_id = store.create()
    for turn in turns:
        save(store, chat_id, turn)
    in_the_tab = [Turn(turn.question, turn.prose or turn.text, "") for turn in turns]
    assert store.history(chat_id) == engine_history(in_the_tab)
    assert store.history(chat_id)[1] == {"role": "assistant", "content": "Beta counts herds [1]."}


def test_title_is_the_first_question_shortened_unless_given(store):
    long_question = "How " + "very " * 30 + "much does ZebraNet improve?"
    untitled, titled = store.create(), store.create(title="  My\nreading  list ")
    for chat_id in (untitled, titled):
        save(store, chat_id, answer(long_question, "It does [1].", ALPHA))
        save(store, chat_id, answer("A second question?", "Yes [1].", ALPHA))
    titles = {chat.id: chat.title for chat in store.list()}
    assert titles[titled] == "My reading list"
    assert titles[untitled].endswith("very…") and len(titles[untitled]) <= 80
    assert long_question.startswith(titles[untitled][:-1])


def test_list_puts_the_latest_updated_first(store):
    older, newer = store.create(), store.create()
    assert [chat.id for chat in store.list()] == [newer, older]
    save(store, older, answer("Alpha?", "Yes [1].", ALPHA))
    assert [chat.id for chat in store.list()] == [older, newer]


def test_rename_and_delete(store, tmp_path):
    chat_id, other = store.create(), store.create()
    save(store, chat_id, answer("Alpha?", "Yes [1].", ALPHA))
    store.rename(chat_id.upper(), "Zebra reading")  # ids are matched without case
    assert store.get(chat_id).title == "Zebra reading"
    with pytest.raises(ChatError, match="cannot be empty"):
        store.rename(chat_id, " \n ")
    assert store.get(chat_id).title == "Zebra reading"

    store.delete(chat_id)
    assert [chat.id for chat in store.list()] == [other]
    with pytest.raises(ChatNotFoundError):
        store.get(chat_id)
    with sqlite3.connect(tmp_path / "chats.sqlite3") as db:  # its turns went with it
        assert db.execute("SELECT count(*) FROM turns").fetchone() == (0,)


@pytest.mark.parametrize(
    "call",
    [
        lambda store, chat_id, owner: store.get(chat_id, owner),
        lambda store, chat_id, owner: store.history(chat_id, owner),
        lambda store, chat_id, owner: store.rename(chat_id, "Mine now", owner),
        lambda store, chat_id, owner: store.delete(chat_id, owner),
        lambda store, chat_id, owner: save(store, chat_id, answer("Q?", "A [1].", BETA), owner),
    ],
    ids=["get", "history", "rename", "delete", "add_turn"],
)
def test_another_users_conversation_is_not_found(store, call):
    ada = store.create(owner="ada")
    save(store, ada, answer("Alpha?", "Yes [1].", ALPHA), owner="ada")
    for owner in ("bob", ""):  # another login, and the no-login user
        assert store.list(owner) == []
        with pytest.raises(ChatNotFoundError, match=f"id {ada}.*`assistant chats list`"):
            call(store, ada, owner)
    chat = store.get(ada, owner="ada")  # untouched
    assert chat.title == "Alpha?" and len(chat.turns) == 1
    assert [summary.id for summary in store.list("ada")] == [ada]


@pytest.mark.parametrize("chat_id", ["0123456789ab", "", "' OR 1=1 --"])
def test_unknown_ids_are_named(store, chat_id):
    store.create()
    with pytest.raises(ChatNotFoundError, match="`assistant chats list` shows them"):
        store.get(chat_id)


def test_turns_added_from_many_threads_all_land_in_order(store):
    chat_id = store.create()
    questions = [f"Question {n}?" for n in range(12)]
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda q: save(store, chat_id, answer(q, "Yes [1].", ALPHA)), questions))
    turns = store.get(chat_id).turns
    assert sorted(turn.question for turn in turns) == sorted(questions)


def test_a_damaged_file_is_named_and_left_as_it_was(tmp_path):
    damaged = tmp_path / "chats.sqlite3"
    damaged.write_bytes(b"not a database at all " * 200)
    with pytest.raises(ChatStoreError, match=re.escape(str(damaged))):
        ChatStore(damaged)
    assert damaged.read_bytes() == b"not a database at all " * 200


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "chats.sqlite3"
    ChatStore(path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(ChatStoreError, match="newer version"):
        ChatStore(path)


def test_the_file_lives_beside_the_index_unless_set(tmp_path):
    assert Settings(vectorstore_dir=tmp_path / "ix").chats_file == tmp_path / "ix/chats.sqlite3"
    elsewhere = Settings(vectorstore_dir=tmp_path / "ix", chats_path=tmp_path / "mine.db")
    assert elsewhere.chats_file == tmp_path / "mine.db"


# --- The Markdown export ------------------------------------------------------------------------


def two_turn_chat(store: ChatStore) -> str:
    """Turn 1 cites Alpha [1] and Beta [2]; turn 2 cites Gamma as [1] and Alpha as [2]."""
    chat_id = store.create(title="Zebras and rays")
    save(
        store, chat_id, answer("What do Alpha and Beta do?", "Alpha segments [1][2].", ALPHA, BETA)
    )
    second = answer("And Gamma?", "Gamma measures rays [1]. Unlike Alpha [2]. Both [1][2].")
    second.citations = [
        Citation(1, 4, paper_id_for(GAMMA), GAMMA),
        Citation(2, 1, paper_id_for(ALPHA), ALPHA),
    ]
    save(store, chat_id, second)
    return chat_id


def parse_bibtex(text: str) -> list[dict[str, str]]:
    parser = bibtexparser.bparser.BibTexParser(common_strings=False)
    parser.ignore_nonstandard_types = False
    return bibtexparser.loads(text, parser).entries


def test_export_numbers_each_paper_once_across_the_conversation(store):
    markdown = export_markdown(store.get(two_turn_chat(store)))
    assert "Alpha segments [1][2]." in markdown
    assert "Gamma measures rays [3]. Unlike Alpha [1]. Both [1][3]." in markdown
    references = re.findall(r"^(\d+)\. \*\*(.+?)\*\*", markdown, re.MULTILINE)
    assert references == [("1", ALPHA), ("2", BETA), ("3", GAMMA)]


def test_export_reads_as_a_document_with_references_and_bibtex(store):
    markdown = export_markdown(store.get(two_turn_chat(store)))
    headings = re.findall(r"^(#+) (.+)$", markdown, re.MULTILINE)
    assert headings == [
        ("#", "Zebras and rays"),
        ("##", "What do Alpha and Beta do?"),
        ("##", "And Gamma?"),
        ("##", "References"),
    ]
    alpha = next(line for line in markdown.splitlines() if line.startswith("1. "))
    assert "Ada Lovelace, Alan Turing" in alpha and "2024-03-01" in alpha
    assert "[arXiv:2403.1](https://arxiv.org/abs/2403.1)" in alpha
    assert "<https://example.org/gamma>" in markdown

    bibtex = re.search(r"```bibtex\n(.*?)\n```", markdown, re.DOTALL).group(1)
    entries = parse_bibtex(bibtex)
    assert len(entries) == 3 and entries[0]["eprint"] == "2403.1"
    keys = re.findall(r"^\d+\. .*`([^`]+)`$", markdown, re.MULTILINE)
    assert keys == [entry["ID"] for entry in entries]  # each reference names its entry
    assert markdown.endswith("```\n")


def test_export_needs_only_what_was_saved(store):
    """A paper whose record was not saved (removed from the index) keeps its title."""
    chat_id = store.create()
    store.add_turn(chat_id, answer("Beta?", "Beta counts [1].", BETA), records=[])
    markdown = export_markdown(store.get(chat_id))
    assert "1. **Beta Counting of Herds**" in markdown
    (entry,) = parse_bibtex(re.search(r"```bibtex\n(.*?)```", markdown, re.DOTALL).group(1))
    assert entry["title"] == "Beta Counting of Herds"


def test_export_of_a_conversation_without_citations_has_no_references(store):
    chat_id = store.create()
    save(store, chat_id, answer("Cats?", "Not in the collection.", abstained=True))
    markdown = export_markdown(store.get(chat_id))
    assert "Not in the collection." in markdown
    assert "References" not in markdown and "bibtex" not in markdown


# --- The command line ---------------------------------------------------------------------------


@pytest.fixture
def chats_cli(tmp_path, settings, fake_index, monkeypatch):
    """`assistant ask` over ZEBRA_PAPERS with a fake model; chats saved in tmp_path.

    Returns the fake model, to be given its replies."""
    ingest(
        [write_daily(tmp_path / "a.txt", ZEBRA_PAPERS)], settings, index=fake_index, progress=False
    )
    monkeypatch.setattr(assistant.index.store, "open_index", lambda *args, **kwargs: fake_index)
    monkeypatch.setenv("ASSISTANT_CHATS_PATH", str(tmp_path / "chats.sqlite3"))
    model = FakeChatModel()
    # The model reads history only with a budget for it (default 0): given one here, its
    # prompt shows whether the saved conversation reached the engine.
    engine_settings = settings.model_copy(
        update={"min_similarity": 0.2, "similarity_margin": 1.0, "history_budget_tokens": 200}
    )
    engine = Engine(
        engine_settings, fake_index, HybridSearch(fake_index, engine_settings), lambda: model
    )
    monkeypatch.setattr(assistant.answer.engine, "build_engine", lambda _settings: engine)
    return model


def chat_ids(capsys) -> list[str]:
    assert main(["chats", "list", "--json"]) == 0
    return [chat["id"] for chat in json.loads(capsys.readouterr().out)["chats"]]


def test_ask_saves_to_a_new_chat_and_continues_it(chats_cli, capsys):
    chats_cli.replies += [
        "ZebraNet improves mask accuracy by 7.5 points [1].",
        "It uses 12,000 images [1].",
    ]
    assert main(["ask", "--chat", "new", ZEBRA]) == 0
    err = capsys.readouterr().err
    (chat_id,) = chat_ids(capsys)
    assert f"conversation {chat_id}" in err

    assert main(["ask", "--json", "--chat", chat_id, "How many images did it train on?"]) == 0
    capsys.readouterr()
    follow_up = chats_cli.calls[-1]  # the model saw the first exchange as history
    assert {"role": "user", "content": ZEBRA} in follow_up
    assert any(m["role"] == "assistant" and "7.5 points" in m["content"] for m in follow_up)
    assert chat_ids(capsys) == [chat_id]  # continued, not a new one

    assert main(["chats", "export", chat_id]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith(f"# {ZEBRA}\n") and "## How many images" in markdown
    assert "1. **ZebraNet: Segmenting Zebra Stripes**" in markdown
    assert len(parse_bibtex(markdown.split("```bibtex\n")[1])) == 1


def test_chats_commands_rename_export_delete(chats_cli, capsys, tmp_path):
    chats_cli.replies.append("ZebraNet improves mask accuracy by 7.5 points [1].")
    assert main(["ask", "--chat", "new", ZEBRA]) == 0
    capsys.readouterr()
    (chat_id,) = chat_ids(capsys)

    assert main(["chats", "rename", chat_id, "Stripes"]) == 0
    assert main(["chats", "list"]) == 0
    listed = capsys.readouterr()
    assert re.search(rf"^{chat_id}  \d{{4}}-\d\d-\d\d \d\d:\d\d    1  Stripes$", listed.out, re.M)
    assert "1 conversation(s)" in listed.err

    out = tmp_path / "stripes.md"
    assert main(["chats", "export", chat_id, "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert out.read_text(encoding="utf-8").startswith("# Stripes\n")

    assert main(["chats", "delete", chat_id]) == 0
    assert chat_ids(capsys) == []
    for command in (["export", chat_id], ["delete", chat_id], ["rename", chat_id, "X"]):
        assert main(["chats", *command]) == 1
        assert f"No saved conversation has the id {chat_id}" in capsys.readouterr().err


def test_ask_with_an_unknown_chat_fails_before_the_model(chats_cli, capsys, monkeypatch):
    def no_engine(_settings):
        raise AssertionError("the engine was built")

    monkeypatch.setattr(assistant.answer.engine, "build_engine", no_engine)
    assert main(["ask", "--chat", "feedfacefeed", ZEBRA]) == 1
    assert "feedfacefeed; `assistant chats list` shows them" in capsys.readouterr().err


def test_chats_of_a_login_are_listed_with_user(chats_cli, capsys, tmp_path):
    store = ChatStore(tmp_path / "chats.sqlite3")
    ada = store.create(owner="ada", title="Ada's")
    assert chat_ids(capsys) == []
    assert main(["chats", "list", "--json", "--user", "ada"]) == 0
    assert [chat["id"] for chat in json.loads(capsys.readouterr().out)["chats"]] == [ada]
    assert main(["chats", "export", ada]) == 1
    assert main(["chats", "export", ada, "--user", "ada"]) == 0
    assert capsys.readouterr().out.startswith("# Ada's\n")
