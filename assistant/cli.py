"""The `assistant` command line: ingest, rebuild, stats, search, ask, cite and ui (eval and
bench come from the benchmark plugin)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.records import source_path
from assistant.references import FORMATS
from assistant.retrieval.scope import Scope, matching

log = logging.getLogger(__name__)


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "index", None):
        overrides["vectorstore_dir"] = args.index
    return Settings(**overrides)


def cmd_ingest(args: argparse.Namespace) -> int:
    from assistant.index.ingest import ingest

    settings = _settings(args)
    result = ingest(
        args.paths,
        settings,
        fmt=args.format,
        strict=args.strict,
        prune=args.prune,
        rebuild=args.rebuild,
        drop_shared=args.drop_shared_collection,
        include_removed=args.include_removed,
        progress=not args.quiet,
    )
    report = result.report
    rate = report.papers_seen / report.seconds if report.seconds else 0.0
    print(
        f"Read {result.read.papers} papers from {len(result.read.files)} file(s) "
        f"({result.read.problem_count} problem(s)). "
        f"Added {report.papers_added}, changed {report.papers_changed}, "
        f"unchanged {report.papers_unchanged}, pruned {report.papers_pruned}; "
        f"chunks +{report.chunks_added} -{report.chunks_removed}; "
        f"sentence vectors +{report.sentences_embedded}; "
        f"{report.seconds:.1f} s, {rate:.1f} papers/s."
    )
    if report.papers_skipped:
        from assistant.index.removals import skipped_note

        print(skipped_note(report.papers_skipped))
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from assistant.index.ingest import rebuild

    result = rebuild(
        args.paths,
        _settings(args),
        progress=not args.quiet,
        drop_shared=args.drop_shared_collection,
    )
    if result.set_aside:
        print(f"The previous index is kept in {result.set_aside} (delete it when satisfied).")
    for path in result.missing:
        print(f"warning: {path} no longer exists; its papers are not in the new index.")
    report = result.ingest.report
    print(
        f"Rebuilt: {report.papers_added} papers, {report.chunks_added} chunks "
        f"from {len(result.ingest.read.files)} file(s) in {report.seconds:.1f} s."
    )
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from assistant.index.store import open_index

    stats = open_index(_settings(args)).stats()
    if args.json:
        print(json.dumps(stats.__dict__, indent=2))
        return 0
    print(f"Index:       {stats.path}")
    print(f"Papers:      {stats.papers}")
    print(f"Chunks:      {stats.chunks}")
    print("Sources:")
    for source, count in stats.sources.items():
        print(f"  {count:6d}  {source}")
    print("Fingerprint:")
    for key, value in stats.fingerprint.items():
        print(f"  {key} = {value}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from assistant.index.store import open_index
    from assistant.retrieval.hybrid import HybridSearch

    settings = _settings(args)
    search = HybridSearch(open_index(settings), settings)
    scope = _scope(args)
    started = time.perf_counter()
    selection = search.select(scope)
    hits = search.search(args.query, args.k, within=selection.paper_ids if selection else None)
    elapsed_ms = (time.perf_counter() - started) * 1000
    for note in selection.notes if selection else []:
        print(note, file=sys.stderr)
    if args.json:
        print(json.dumps({"results": [hit.as_dict() for hit in hits]}, ensure_ascii=False))
        return 0
    if not hits and scope:
        print(f"No paper in the scope ({scope.describe()}) matches.")
    elif not hits:
        print("No papers indexed. Run `assistant ingest` first.")
    for rank, hit in enumerate(hits, start=1):
        print(f"{rank}. {hit.title}  (score {hit.score:.4f})")
        print(f"   {hit.snippet}")
    print(f"({elapsed_ms:.0f} ms)", file=sys.stderr)
    return 0


def _scope(args: argparse.Namespace) -> Scope | None:
    """The scope the --since/--until/--source/--papers options describe (None: everything)."""
    scope = Scope(
        args.since,
        args.until,
        tuple(getattr(args, "scope_sources", None) or ()),
        tuple(getattr(args, "scope_papers", None) or ()),
    )
    return scope or None


def add_scope_options(parser: argparse.ArgumentParser, *, sources: bool = True) -> None:
    """--since/--until (and --source/--papers): which papers a command may use."""
    dates = (
        "a date (2023-10-09, 2023-10, 2023) or a month and day without a year ('Oct 9', "
        "as the Daily Papers listings date papers)"
    )
    parser.add_argument("--since", help=f"Only papers dated on or after this: {dates}.")
    parser.add_argument("--until", help=f"Only papers dated on or before this: {dates}.")
    if sources:
        parser.add_argument(
            "--source",
            dest="scope_sources",
            action="append",
            metavar="FILE",
            help="Only papers from a source file whose path holds this (repeatable).",
        )
        parser.add_argument(
            "--papers", dest="scope_papers", nargs="+", metavar="ID", help="Only these papers."
        )


def _questions(args: argparse.Namespace) -> list[str]:
    if args.questions == ["-"]:
        return [line.strip() for line in sys.stdin if line.strip()]
    return args.questions


def _print_answer_tail(answer) -> None:
    if answer.citations:
        print("\nReferences:")
        for line in answer.references():
            print(f"  {line}")
    if answer.papers and (answer.abstained or not answer.citations):
        print(f"\n{answer.papers_label}:")
        for hit in answer.papers:
            print(f"  - {hit.title}  (score {hit.score:.4f})")
    timings = answer.timings
    print(
        f"\n(retrieval {timings.get('retrieval_ms', 0):.0f} ms, first token "
        f"{timings.get('ttft_ms', 0):.0f} ms, total {timings.get('total_ms', 0):.0f} ms)",
        file=sys.stderr,
    )


def cited_records(index, answer) -> list[dict[str, Any]]:
    """The stored records of the papers an answer cites, in citation order."""
    return index.records_of(answer.cited_paper_ids)


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.answer.engine import build_engine
    from assistant.answer.result import Answer
    from assistant.chats import ChatStore
    from assistant.references import reference_list, render

    settings = _settings(args)
    if args.model:
        settings = settings.model_copy(update={"model": args.model})
    questions = _questions(args)
    if not questions:
        raise AssistantError("No question given.")
    store = ChatStore(settings.chats_file) if args.chat else None
    chat_id = None if args.chat in (None, "new") else args.chat
    if chat_id:
        store.get(chat_id)  # an unknown id fails before the model loads
    engine = build_engine(settings)
    scope = _scope(args)
    for question in questions:
        history = store.history(chat_id) if chat_id else []
        if args.json:
            answer = engine.ask(question, history, scope=scope)
            references = reference_list(cited_records(engine.index, answer))
            line = {**answer.as_json(), "references": references}
            print(json.dumps(line, ensure_ascii=False), flush=True)
            chat_id = save_turn(store, chat_id, engine.index, answer)
            continue
        for item in engine.stream(question, history, scope=scope):
            if isinstance(item, Answer):
                answer = item
                _print_answer_tail(item)
                records = cited_records(engine.index, item) if args.cite else []
                if records:
                    print()
                    print(render(records, args.cite), end="", flush=True)
            else:
                print(item, end="", flush=True)
        print()
        chat_id = save_turn(store, chat_id, engine.index, answer)
    return 0


def save_turn(store, chat_id: str | None, index, answer) -> str | None:
    """Save an answer with its cited records to the conversation ``chat_id`` (None: a new
    one, whose id goes to stderr) and return the id; without a store (no --chat), nothing."""
    if store is None:
        return chat_id
    if chat_id is None:
        chat_id = store.create()
        print(
            f"Saving to conversation {chat_id} (continue it with --chat {chat_id}).",
            file=sys.stderr,
        )
    store.add_turn(chat_id, answer, cited_records(index, answer))
    return chat_id


def cite_text(index, paper_ids: list[str], fmt: str) -> str:
    """The references of indexed papers in ``fmt`` (one of FORMATS), in the order given.

    Built from the stored records only; ids that no indexed paper has are an error that
    names them, and nothing is printed for the others.
    """
    from assistant.references import render

    ids = list(dict.fromkeys(paper_id.strip().lower() for paper_id in paper_ids))
    found = index.known_papers(ids)
    return render([found[paper_id] for paper_id in ids], fmt)


def cmd_cite(args: argparse.Namespace) -> int:
    from assistant.index.store import open_index

    print(cite_text(open_index(_settings(args)), args.paper_ids, args.format), end="")
    return 0


def listed_papers(
    index, query: str = "", source: str = "", scope: Scope | None = None
) -> list[dict]:
    """The indexed papers whose title holds ``query`` and one of whose source files holds
    ``source`` (both ignoring case; empty: any), within ``scope``; its notes (papers a
    date bound could not place) go to stderr."""
    if source:
        scope = dataclasses.replace(scope or Scope(), sources=(source,))
    papers, notes = matching(index.catalogue(), query, scope)
    for note in notes:
        print(note, file=sys.stderr)
    return papers


def cmd_papers(args: argparse.Namespace) -> int:
    from assistant.index.removals import removed_papers
    from assistant.index.store import open_index

    settings = _settings(args)
    if args.action == "removed":  # the list beside the index: no need to open it
        return _print_removed(removed_papers(settings), args.json)
    index = open_index(settings)
    if args.action in ("remove", "restore"):
        return _remove_or_restore(index, args)
    if args.action == "show":
        paper_id = args.paper_id.strip().lower()
        record = index.papers([paper_id]).get(paper_id)
        if record is None:
            raise AssistantError(
                f"No indexed paper has the id {paper_id}; `assistant papers list` shows them."
            )
        print(record["title"])
        for label, key in (("Id", "paper_id"), ("Date", "date"), ("arXiv", "arxiv_id")):
            if record.get(key):
                print(f"{label + ':':9}{record[key]}")
        if authors := json.loads(record.get("authors") or "[]"):
            print(f"{'Authors:':9}{', '.join(authors)}")
        for source in json.loads(record["sources"]):
            print(f"{'Source:':9}{source_path(source)}")
        print(f"\n{record.get('abstract', '')}")
        return 0
    papers = listed_papers(index, args.query or "", args.source or "", _scope(args))
    if args.json:
        print(json.dumps({"papers": papers}, indent=2, ensure_ascii=False))
        return 0
    for paper in papers:
        where = ", ".join(paper["sources"])
        print(f"{paper['paper_id']}  {paper['date'] or '-':10}  {paper['title']}  ({where})")
    print(f"{len(papers)} paper(s)", file=sys.stderr)
    return 0


def _print_removed(removed: dict[str, dict[str, Any]], as_json: bool) -> int:
    records = sorted(
        removed.values(), key=lambda record: (record["title"].lower(), record["paper_id"])
    )
    if as_json:
        print(json.dumps({"papers": records}, indent=2, ensure_ascii=False))
        return 0
    for record in records:
        print(f"{record['paper_id']}  removed {record['removed_at'][:10]}  {record['title']}")
    print(f"{len(records)} paper(s) removed", file=sys.stderr)
    return 0


def _remove_or_restore(index, args: argparse.Namespace) -> int:
    from assistant.index.removals import remove_papers, restore_papers

    if args.action == "remove":
        records = remove_papers(index, args.paper_ids, shared=args.shared)
        for record in records:
            print(f"Removed {record['paper_id']}  {record['title']}")
        print(
            "They stay out of the index when their files are ingested again; "
            "`assistant papers restore ID` brings one back."
        )
        return 0
    for record in restore_papers(index, args.paper_ids):
        print(f"Restored {record['paper_id']}  {record['title']}")
    return 0


def cmd_chats(args: argparse.Namespace) -> int:
    from assistant.chats import ChatStore, export_markdown

    store = ChatStore(_settings(args).chats_file)
    owner = args.user or ""
    if args.action == "list":
        chats = store.list(owner)
        if args.json:
            listed = [
                {
                    **chat.__dict__,
                    "created": chat.created.isoformat(),
                    "updated": chat.updated.isoformat(),
                }
                for chat in chats
            ]
            print(json.dumps({"chats": listed}, indent=2, ensure_ascii=False))
            return 0
        for chat in chats:
            when = chat.updated.astimezone().strftime("%Y-%m-%d %H:%M")
            print(f"{chat.id}  {when}  {chat.turns:3d}  {chat.title or '(no questions yet)'}")
        print(
            f"{len(chats)} conversation(s); columns: id, last updated, questions, title",
            file=sys.stderr,
        )
    elif args.action == "export":
        text = export_markdown(store.get(args.chat_id, owner))
        if args.out is None:
            print(text, end="")
            return 0
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as error:
            raise AssistantError(f"Cannot write {args.out}: {error.strerror}.") from error
        print(f"Wrote {args.out}.", file=sys.stderr)
    elif args.action == "rename":
        store.rename(args.chat_id, args.title, owner)
        print(f"Renamed conversation {args.chat_id}.", file=sys.stderr)
    else:
        store.delete(args.chat_id, owner)
        print(f"Deleted conversation {args.chat_id}.", file=sys.stderr)
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from assistant.ui.serve import serve

    settings = _settings(args)
    if args.model:
        settings = settings.model_copy(update={"model": args.model})
    serve(settings, args.host, args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant", description="Paper Assistant: offline Q&A over paper abstracts."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="Log progress details.")
    parser.add_argument(
        "--index",
        type=Path,
        help=Settings.model_fields["vectorstore_dir"].description + " (ASSISTANT_VECTORSTORE_DIR)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="Add corpus files to the index.")
    ingest.add_argument(
        "paths", nargs="*", type=Path, help="Files or folders (default: the bundled corpus)."
    )
    ingest.add_argument(
        "--format",
        choices=("hf-daily", "jsonl", "json", "csv", "bibtex"),
        help="Read every file in this format instead of guessing from its extension.",
    )
    ingest.add_argument(
        "--strict", action="store_true", help="Any problem is fatal; nothing is written."
    )
    ingest.add_argument(
        "--prune",
        action="store_true",
        help="Remove indexed papers that the given files no longer hold.",
    )
    ingest.add_argument(
        "--rebuild",
        action="store_true",
        help="Delete the index and build it again (after changing chunking or embedder).",
    )
    ingest.add_argument(
        "--drop-shared-collection",
        action="store_true",
        help="With --rebuild on a Chroma server: yes, delete the shared collection.",
    )
    ingest.add_argument(
        "--include-removed",
        action="store_true",
        help="Also index the papers removed with `papers remove`, and take them off the "
        "removal list.",
    )
    ingest.add_argument("--quiet", action="store_true", help="No progress bar.")
    ingest.set_defaults(handler=cmd_ingest)

    rebuild = commands.add_parser(
        "rebuild",
        help="Set the index aside (kept, not deleted) and build it again, e.g. when damaged.",
    )
    rebuild.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="Files or folders (default: those the index was built from).",
    )
    rebuild.add_argument(
        "--drop-shared-collection",
        action="store_true",
        help="On a Chroma server: yes, delete the shared collection and refill it from "
        "this machine's files (without it the command says what it would delete).",
    )
    rebuild.add_argument("--quiet", action="store_true", help="No progress bar.")
    rebuild.set_defaults(handler=cmd_rebuild)

    stats = commands.add_parser("stats", help="Papers, chunks, sources and fingerprint.")
    stats.add_argument("--json", action="store_true", help="Print JSON.")
    stats.set_defaults(handler=cmd_stats)

    papers = commands.add_parser(
        "papers", help="The indexed papers: list them, show one, remove and restore them."
    )
    actions = papers.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="Id, date, title and source files of each paper.")
    listing.add_argument("--query", help="Only papers whose title holds this text.")
    listing.add_argument("--source", help="Only papers from a source file whose path holds this.")
    listing.add_argument("--json", action="store_true", help='Print {"papers": [...]}.')
    add_scope_options(listing, sources=False)
    show = actions.add_parser("show", help="One paper's record and abstract.")
    show.add_argument("paper_id")
    remove = actions.add_parser(
        "remove", help="Take papers out of the index; re-ingesting their files keeps them out."
    )
    remove.add_argument("paper_ids", nargs="+", metavar="PAPER_ID")
    remove.add_argument(
        "--shared",
        action="store_true",
        help="On a Chroma server: yes, remove them for every assistant sharing the index "
        "(without it the command says what it would remove).",
    )
    restore = actions.add_parser(
        "restore", help="Index removed papers again, from their kept records."
    )
    restore.add_argument("paper_ids", nargs="+", metavar="PAPER_ID")
    removed = actions.add_parser("removed", help="The papers removed and not restored.")
    removed.add_argument("--json", action="store_true", help='Print {"papers": [...]}.')
    papers.set_defaults(handler=cmd_papers)

    search = commands.add_parser("search", help="Find papers (hybrid dense + BM25 search).")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=5, help="How many papers (default 5).")
    search.add_argument("--json", action="store_true", help="Print JSON.")
    add_scope_options(search)
    search.set_defaults(handler=cmd_search)

    ask = commands.add_parser("ask", help="Answer questions with citations (local model).")
    ask.add_argument(
        "questions", nargs="+", help="One or more questions; '-' reads one per line from stdin."
    )
    ask_output = ask.add_mutually_exclusive_group()
    ask_output.add_argument(
        "--json",
        action="store_true",
        help='One JSON object per question, with the cited papers\' fields in "references".',
    )
    ask_output.add_argument(
        "--cite",
        choices=FORMATS,
        help="After each answer, print the cited papers' references in this format.",
    )
    ask.add_argument("--model", type=Path, help=Settings.model_fields["model"].description)
    add_scope_options(ask)
    ask.add_argument(
        "--chat",
        metavar="new|ID",
        help="Save the answers to a new conversation, or continue a saved one (its answers "
        "are the history); the id is printed to stderr.",
    )
    ask.set_defaults(handler=cmd_ask)

    cite = commands.add_parser(
        "cite",
        help="Print the references of indexed papers (BibTeX, RIS or CSL-JSON) from their "
        "stored records.",
    )
    cite.add_argument(
        "paper_ids", nargs="+", metavar="PAPER_ID", help="Ids from `search --json` or `ask --json`."
    )
    cite.add_argument(
        "--format", choices=FORMATS, default="bibtex", help="Reference format (default bibtex)."
    )
    cite.set_defaults(handler=cmd_cite)

    chats = commands.add_parser(
        "chats",
        help="Saved conversations: list, export as Markdown, rename, delete.",
        description="Conversations saved by `ask --chat` and the UI, in chats.sqlite3 beside "
        "the index unless ASSISTANT_CHATS_PATH names another file.",
    )
    login = argparse.ArgumentParser(add_help=False)
    login.add_argument(
        "--user", help="The UI login whose conversations these are (default: no login)."
    )
    chat_actions = chats.add_subparsers(dest="action", required=True)
    chat_list = chat_actions.add_parser(
        "list", parents=[login], help="Id, last update, questions and title, newest first."
    )
    chat_list.add_argument("--json", action="store_true", help='Print {"chats": [...]}.')
    chat_export = chat_actions.add_parser(
        "export", parents=[login], help="A conversation as Markdown with references and BibTeX."
    )
    chat_export.add_argument("chat_id", metavar="ID")
    chat_export.add_argument("--out", type=Path, help="Write to this file (default: stdout).")
    chat_rename = chat_actions.add_parser("rename", parents=[login], help="Retitle a conversation.")
    chat_rename.add_argument("chat_id", metavar="ID")
    chat_rename.add_argument("title")
    chat_delete = chat_actions.add_parser("delete", parents=[login], help="Delete a conversation.")
    chat_delete.add_argument("chat_id", metavar="ID")
    chats.set_defaults(handler=cmd_chats)

    ui = commands.add_parser("ui", help="Serve the chat page (indexes the bundled corpus first).")
    ui.add_argument(
        "--host", default="127.0.0.1", help="Address to serve on (default 127.0.0.1: this machine)."
    )
    ui.add_argument("--port", type=int, default=7860, help="Port (default 7860).")
    ui.add_argument("--model", type=Path, help=Settings.model_fields["model"].description)
    ui.add_argument("--index", dest="ui_index", type=Path, help=argparse.SUPPRESS)
    ui.add_argument(
        "-v", "--verbose", dest="ui_verbose", action="store_true", help=argparse.SUPPRESS
    )
    ui.set_defaults(handler=cmd_ui)

    add_plugin_commands(commands)
    return parser


PLUGIN_GROUP = "paper_assistant.commands"
# Commands that other distributions add through PLUGIN_GROUP, and where they come from.
KNOWN_PLUGINS = {
    "eval": "the evaluation tools",
    "bench": "the benchmarks",
}


def add_plugin_commands(commands: argparse._SubParsersAction) -> None:
    """Commands registered by installed plugins (entry points in PLUGIN_GROUP).

    The evaluation and benchmark code is not part of the product wheel: it installs from
    a checkout (`pip install -e benchmarks/`) and adds `assistant eval` and `assistant
    bench` here. Without it those names still parse, and say how to get them.
    """
    added = set()
    for entry_point in entry_points(group=PLUGIN_GROUP):
        entry_point.load()(commands)
        added.add(entry_point.name)
    for name, what in KNOWN_PLUGINS.items():
        if name not in added:
            missing = commands.add_parser(name, help=f"({what}: not installed)", add_help=False)
            missing.add_argument("rest", nargs=argparse.REMAINDER)
            missing.set_defaults(handler=_not_installed(name, what))


def _not_installed(name: str, what: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        raise AssistantError(
            f"`assistant {name}` comes with {what}, which are not installed: in a checkout "
            "of the project run `pip install -e benchmarks/` (make setup does)."
        )

    return handler


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # `python app.py --index X -v` passes these after the subcommand.
    args.index = getattr(args, "ui_index", None) or args.index
    args.verbose = getattr(args, "ui_verbose", False) or args.verbose
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.handler(args)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "Interrupted. The index is consistent; run the same command again to finish.",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
