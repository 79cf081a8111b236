"""Saved conversations: each answer kept with its citations, cited records and timings, in
SQLite, and a conversation exported as Markdown with one numbering and its BibTeX.

A connection per operation (SQLite in WAL mode, so readers never wait for a writer) makes
one ``ChatStore`` safe to share between the UI's worker threads. Every statement names the
owner (the login user, "" without logins): another user's conversation reads as missing.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import ChatError, ChatNotFoundError, ChatStoreError
from assistant.references import reference_list, render

if TYPE_CHECKING:
    from assistant.answer.history import Message
    from assistant.answer.result import Answer

# The fields of a stored paper record that references are built from (references.py):
# kept with each turn so an export needs no index and outlives the paper's removal.
RECORD_FIELDS = ("paper_id", "title", "authors", "date", "arxiv_id", "url", "sources")
TITLE_CHARS = 80

# Each entry brings the database from version n to n + 1 (PRAGMA user_version); append only.
# Statements are split at ';', so none may hold one in its text.
MIGRATIONS = (
    """
    CREATE TABLE chats (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        title TEXT NOT NULL,  -- '' until the first question names it
        created TEXT NOT NULL,  -- ISO 8601, UTC
        updated TEXT NOT NULL
    );
    CREATE INDEX chats_by_owner ON chats (owner, updated);
    CREATE TABLE turns (
        chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,  -- as shown, with its [n] markers
        prose TEXT NOT NULL,  -- what a follow-up's history keeps
        abstained INTEGER NOT NULL,
        mode TEXT NOT NULL,
        intent TEXT NOT NULL,
        citations TEXT NOT NULL,  -- JSON: [{n, paper_id, title}]
        records TEXT NOT NULL,  -- JSON: the cited papers' stored records (RECORD_FIELDS)
        timings TEXT NOT NULL,  -- JSON: {name: milliseconds or rate}
        created TEXT NOT NULL,
        PRIMARY KEY (chat_id, position)
    );
    """,
)


@dataclass(frozen=True)
class ChatSummary:
    """One line of the list of conversations."""

    id: str
    title: str
    created: datetime
    updated: datetime
    turns: int


@dataclass(frozen=True)
class ChatTurn:
    """One saved question and its answer."""

    question: str
    text: str  # the answer as shown, its [n] markers numbered as in ``citations``
    prose: str
    abstained: bool
    mode: str
    intent: str
    citations: list[dict[str, Any]]  # {"n", "paper_id", "title"}
    records: list[dict[str, Any]]  # the cited papers' stored records
    timings: dict[str, float]
    created: datetime


@dataclass(frozen=True)
class Chat:
    """A saved conversation with its turns, oldest first."""

    id: str
    owner: str
    title: str
    created: datetime
    updated: datetime
    turns: list[ChatTurn] = field(default_factory=list)


class ChatStore:
    """Conversations in one SQLite file, each visible only to its owner."""

    def __init__(self, path: Path) -> None:
        """Open ``path`` (created with its folder when missing); a file that is not a
        conversation database is an error naming it, never replaced."""
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise self._unreadable(error) from error
        with self._transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise ChatStoreError(
                    f"{self.path} was written by a newer version of Paper Assistant (schema "
                    f"{version}, this one knows {len(MIGRATIONS)}); upgrade to open it."
                )
            # Statement by statement: executescript would commit outside this transaction.
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    def create(self, owner: str = "", title: str | None = None) -> str:
        """A new empty conversation's id; without a title its first question names it."""
        chat_id = uuid.uuid4().hex[:12]
        now = _now()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO chats (id, owner, title, created, updated) VALUES (?, ?, ?, ?, ?)",
                (chat_id, owner, "" if title is None else _title(title), now, now),
            )
        return chat_id

    def add_turn(
        self, chat_id: str, answer: Answer, records: list[dict[str, Any]], owner: str = ""
    ) -> None:
        """Save ``answer`` as the conversation's next turn, with the stored ``records`` of
        the papers it cites (``cli.cited_records``) so that exports need no index."""
        now = _now()
        citations = [{"n": c.n, "paper_id": c.paper_id, "title": c.title} for c in answer.citations]
        kept = [{k: record[k] for k in RECORD_FIELDS if k in record} for record in records]
        with self._transaction() as db:
            chat_id = self._require(db, chat_id, owner)[0]
            position = db.execute(
                "SELECT count(*) FROM turns WHERE chat_id = ?", (chat_id,)
            ).fetchone()[0]
            db.execute(
                "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    chat_id,
                    position,
                    answer.question,
                    answer.text,
                    answer.prose or answer.text,  # as the UI keeps it: prose, else the reply
                    int(answer.abstained),
                    answer.mode,
                    str(answer.intent),
                    _json(citations),
                    _json(kept),
                    _json(answer.timings),
                    now,
                ),
            )
            db.execute(
                "UPDATE chats SET updated = ?, title = CASE title WHEN '' THEN ? ELSE title END "
                "WHERE id = ?",
                (now, _title(answer.question, shorten=True), chat_id),
            )

    def get(self, chat_id: str, owner: str = "") -> Chat:
        """The conversation with its turns, oldest first."""
        with self._transaction() as db:
            chat_id, title, created, updated = self._require(db, chat_id, owner)
            rows = db.execute(
                "SELECT question, answer, prose, abstained, mode, intent, citations, records, "
                "timings, created FROM turns WHERE chat_id = ? ORDER BY position",
                (chat_id,),
            ).fetchall()
        turns = [  # the three JSON columns (citations, records, timings) as ``data``
            ChatTurn(
                q, text, prose, bool(abstained), mode, intent, *map(json.loads, data), _time(at)
            )
            for q, text, prose, abstained, mode, intent, *data, at in rows
        ]
        return Chat(chat_id, owner, title, _time(created), _time(updated), turns)

    def history(self, chat_id: str, owner: str = "") -> list[Message]:
        """What a follow-up continues from: each question and its answer's prose, as the
        engine takes history (``Engine.stream``; the UI's ``engine_history``)."""
        return [
            message
            for turn in self.get(chat_id, owner).turns
            for message in (
                {"role": "user", "content": turn.question},
                {"role": "assistant", "content": turn.prose},
            )
        ]

    def rename(self, chat_id: str, title: str, owner: str = "") -> None:
        """Give the conversation a new title (not empty)."""
        title = _title(title)
        with self._transaction() as db:
            chat_id = self._require(db, chat_id, owner)[0]
            db.execute("UPDATE chats SET title = ? WHERE id = ?", (title, chat_id))

    def delete(self, chat_id: str, owner: str = "") -> None:
        """Delete the conversation and its turns."""
        with self._transaction() as db:
            chat_id = self._require(db, chat_id, owner)[0]
            db.execute("DELETE FROM chats WHERE id = ?", (chat_id,))

    # Last of the public methods: a type checker would read ``list[...]`` in the
    # annotations of any defined after it as this method.
    def list(self, owner: str = "") -> list[ChatSummary]:
        """The owner's conversations, the most recently updated first."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, title, created, updated, "
                "(SELECT count(*) FROM turns WHERE chat_id = chats.id) "
                "FROM chats WHERE owner = ? ORDER BY updated DESC, rowid DESC",
                (owner,),
            ).fetchall()
        return [
            ChatSummary(chat_id, title, _time(created), _time(updated), turns)
            for chat_id, title, created, updated, turns in rows
        ]

    def _require(self, db: sqlite3.Connection, chat_id: str, owner: str) -> tuple[str, ...]:
        """The owner's conversation row (id, title, created, updated), or not found."""
        chat_id = chat_id.strip().lower()
        row = db.execute(
            "SELECT id, title, created, updated FROM chats WHERE id = ? AND owner = ?",
            (chat_id, owner),
        ).fetchone()
        if row is None:
            raise ChatNotFoundError(
                f"No saved conversation has the id {chat_id or '(empty)'}; "
                "`assistant chats list` shows them."
            )
        return row

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation, in one transaction (taken for writing at once,
        so two threads adding turns cannot both read the same next position)."""
        try:
            with closing(sqlite3.connect(self.path, timeout=10, isolation_level=None)) as db:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA foreign_keys = ON")
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            raise self._unreadable(error) from error

    def _unreadable(self, error: Exception) -> ChatStoreError:
        return ChatStoreError(
            f"The saved conversations in {self.path} cannot be read ({error}). Nothing was "
            "changed: move the file aside to start afresh, or set ASSISTANT_CHATS_PATH."
        )


def export_markdown(chat: Chat) -> str:
    """The conversation as Markdown: each question as a heading, its answer with citations
    numbered once across the conversation (a paper keeps its number in every answer), then
    the numbered references and their BibTeX, built from the records saved with the turns."""
    numbers: dict[str, int] = {}  # paper id -> its number in the export
    records: dict[str, dict[str, Any]] = {}
    for turn in chat.turns:
        saved = {record.get("paper_id"): record for record in turn.records}
        for citation in turn.citations:
            paper_id = citation["paper_id"]
            numbers.setdefault(paper_id, len(numbers) + 1)
            records.setdefault(paper_id, saved.get(paper_id) or citation)
    lines = [f"# {_one_line(chat.title) or 'Conversation'}", ""]
    lines += [f"*Saved conversation {chat.id}, started {chat.created:%Y-%m-%d %H:%M} UTC.*", ""]
    for turn in chat.turns:
        renumbered = {c["n"]: numbers[c["paper_id"]] for c in turn.citations}
        lines += [f"## {_one_line(turn.question)}", "", _renumber(turn.text, renumbered), ""]
    if records:
        references = reference_list(records.values())
        lines += ["## References", ""]
        lines += [f"{n}. {_reference_line(fields)}" for n, fields in enumerate(references, 1)]
        lines += ["", "```bibtex", render(records.values(), "bibtex").rstrip("\n"), "```", ""]
    return "\n".join(lines)


MARKER_RUN = re.compile(r"(?:\[\d+\])+")


def _renumber(text: str, numbers: dict[int, int]) -> str:
    """Markers like "[1][3]" given the export's numbers (kept sorted within a run)."""

    def mark(match: re.Match[str]) -> str:
        cited = (int(n) for n in re.findall(r"\d+", match.group()))
        return "".join(f"[{n}]" for n in sorted({numbers.get(n, n) for n in cited}))

    return MARKER_RUN.sub(mark, text)


def _reference_line(fields: dict[str, Any]) -> str:
    """Title, authors, date and a link (arXiv's page when the record has an arXiv id)."""
    parts = [f"**{_one_line(fields['title'])}**"]
    if fields.get("authors"):
        parts.append(", ".join(fields["authors"]))
    if fields.get("date"):
        parts.append(fields["date"])
    if fields.get("arxiv_id"):
        url = fields.get("url") or f"https://arxiv.org/abs/{fields['arxiv_id']}"
        parts.append(f"[arXiv:{fields['arxiv_id']}]({url})")
    elif fields.get("url"):
        parts.append(f"<{fields['url']}>")
    return ". ".join(parts) + f". `{fields['key']}`"


def _title(text: str, shorten: bool = False) -> str:
    """A title on one line; a question used as one is cut at a word, with an ellipsis."""
    title = _one_line(text)
    if not title:
        raise ChatError("A conversation's title cannot be empty.")
    if shorten and len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return title


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
