"""The `assistant` command line: ingest, stats, search, ask, eval and bench."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.evaluation import QUESTION_TYPES

log = logging.getLogger(__name__)


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "index", None):
        overrides["vectorstore_dir"] = args.index
    return Settings(**overrides)


def cmd_ingest(args: argparse.Namespace) -> int:
    from assistant.ingest import ingest

    settings = _settings(args)
    result = ingest(
        args.paths,
        settings,
        fmt=args.format,
        strict=args.strict,
        prune=args.prune,
        rebuild=args.rebuild,
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
        f"{report.seconds:.1f} s, {rate:.1f} papers/s."
    )
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from assistant.ingest import rebuild

    result = rebuild(args.paths, _settings(args), progress=not args.quiet)
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
    from assistant.index import open_index

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
    from assistant.index import open_index
    from assistant.retrieval import HybridSearch

    settings = _settings(args)
    search = HybridSearch(open_index(settings), settings)
    started = time.perf_counter()
    hits = search.search(args.query, args.k)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if args.json:
        print(json.dumps({"results": [hit.as_dict() for hit in hits]}, ensure_ascii=False))
        return 0
    if not hits:
        print("No papers indexed. Run `assistant ingest` first.")
    for rank, hit in enumerate(hits, start=1):
        print(f"{rank}. {hit.title}  (score {hit.score:.4f})")
        print(f"   {hit.snippet}")
    print(f"({elapsed_ms:.0f} ms)", file=sys.stderr)
    return 0


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


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.pipeline import Answer, answer_json_line, build_engine

    settings = _settings(args)
    if args.model:
        settings = settings.model_copy(update={"model": args.model})
    questions = _questions(args)
    if not questions:
        raise AssistantError("No question given.")
    engine = build_engine(settings)
    for question in questions:
        if args.json:
            print(answer_json_line(engine.ask(question)), flush=True)
            continue
        for item in engine.stream(question):
            if isinstance(item, Answer):
                _print_answer_tail(item)
            else:
                print(item, end="", flush=True)
        print()
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from functools import partial

    from assistant import evaluation
    from assistant.ingest import ingest
    from assistant.pipeline import build_engine

    settings = _settings(args)
    if args.model:
        settings = settings.model_copy(update={"model": args.model})
    questions = evaluation.load_questions(args.questions, args.types)[: args.limit or None]
    engine = build_engine(settings)
    if not engine.search.chunks.ids:
        print("The index is empty: indexing the bundled corpus first.", file=sys.stderr)
        ingest(None, settings, index=engine.index, progress=False)
        engine.search.refresh()
    indexed = {metadata["title"] for metadata in engine.search.chunks.metadata}
    if missing := evaluation.missing_gold_titles(questions, indexed):
        print(
            f"warning: {len(missing)} gold title(s) are not in the index (they count as "
            f"misses), e.g. {missing[0]!r}",
            file=sys.stderr,
        )

    def progress(number: int, result: evaluation.QuestionResult) -> None:
        state = "abstained" if result.abstained else f"{len(result.cited_titles)} cited"
        print(
            f"[{number}/{len(questions)}] {result.id} {result.type}: {state}, "
            f"{result.timings.get('total_ms', 0):.0f} ms",
            file=sys.stderr,
        )

    results = evaluation.evaluate(
        partial(evaluation.run_engine_question, engine), questions, progress
    )
    report = evaluation.build_report(results)
    report["questions_file"] = str(args.questions)
    report["model"] = engine.model.describe()
    paths = evaluation.write_report(report, args.out)
    print(evaluation.format_table(report))
    print(f"\nWrote {', '.join(map(str, paths))}")
    return 0


def _csv(kind: type) -> Callable[[str], tuple]:
    return lambda text: tuple(kind(item) for item in text.split(",") if item.strip())


def bench_options(args: argparse.Namespace):
    """The benchmark sizes the flags ask for: quick or full, with any size overridden."""
    from assistant.bench.runner import EXTRA_PARTS, PARTS, BenchOptions

    known = (*PARTS, *EXTRA_PARTS)
    unknown = set(args.parts or ()) - set(known)
    if unknown:
        raise AssistantError(
            f"Unknown part(s) {', '.join(sorted(unknown))}; parts: {', '.join(known)}"
        )
    changes = {
        key: value
        for key, value in {
            "parts": args.parts,
            "repeats": args.repeats,
            "ingest_papers": args.ingest_papers,
            "retrieval_sizes": args.retrieval_sizes,
            "questions": args.questions,
            "seed": args.seed,
            "work_dir": args.work_dir,
        }.items()
        if value is not None
    }
    return BenchOptions.quick(**changes) if args.quick else BenchOptions(**changes)


def cmd_bench(args: argparse.Namespace) -> int:
    from assistant.bench.runner import render_markdown, run_bench, write_results

    settings = _settings(args)
    if args.model:
        settings = settings.model_copy(update={"model": args.model})
    options = bench_options(args)
    results = run_bench(
        settings, options, progress=lambda line: print(line, file=sys.stderr, flush=True)
    )
    paths = write_results(results, args.out)
    print(render_markdown(results))
    print(f"Wrote {', '.join(map(str, paths))}")
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
    rebuild.add_argument("--quiet", action="store_true", help="No progress bar.")
    rebuild.set_defaults(handler=cmd_rebuild)

    stats = commands.add_parser("stats", help="Papers, chunks, sources and fingerprint.")
    stats.add_argument("--json", action="store_true", help="Print JSON.")
    stats.set_defaults(handler=cmd_stats)

    search = commands.add_parser("search", help="Find papers (hybrid dense + BM25 search).")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=5, help="How many papers (default 5).")
    search.add_argument("--json", action="store_true", help="Print JSON.")
    search.set_defaults(handler=cmd_search)

    ask = commands.add_parser("ask", help="Answer questions with citations (local model).")
    ask.add_argument(
        "questions", nargs="+", help="One or more questions; '-' reads one per line from stdin."
    )
    ask.add_argument("--json", action="store_true", help="One JSON object per question.")
    ask.add_argument("--model", type=Path, help=Settings.model_fields["model"].description)
    ask.set_defaults(handler=cmd_ask)

    evaluate = commands.add_parser(
        "eval", help="Score answers, citations, abstentions and latency on a question set."
    )
    evaluate.add_argument("questions", type=Path, help="JSON Lines, e.g. eval/dev_questions.jsonl.")
    evaluate.add_argument(
        "--out", type=Path, default=Path("eval/out"), help="Report folder (default eval/out)."
    )
    evaluate.add_argument("--limit", type=int, help="Only the first N questions.")
    evaluate.add_argument(
        "--types", nargs="+", choices=QUESTION_TYPES, help="Only questions of these types."
    )
    evaluate.add_argument("--model", type=Path, help=Settings.model_fields["model"].description)
    evaluate.set_defaults(handler=cmd_eval)

    bench = commands.add_parser(
        "bench", help="Benchmarks: model path, ingest, retrieval at scale, naive baseline."
    )
    bench.add_argument(
        "--parts",
        type=_csv(str),
        help="Comma-separated parts to run: model,ingest,retrieval,baseline (the default) and "
        "scale,index_server,sessions (serving and 100k-paper ingest; only when named).",
    )
    bench.add_argument(
        "--quick",
        action="store_true",
        help="Small sizes (300 synthetic papers, 1k and 5k chunks, 10 questions, 3 repeats): "
        "a few minutes.",
    )
    bench.add_argument("--repeats", type=int, help="Model path: runs of each side (full: 9).")
    bench.add_argument(
        "--ingest-papers", type=int, help="Synthetic papers to ingest (full: 10000)."
    )
    bench.add_argument(
        "--retrieval-sizes",
        type=_csv(int),
        help="Comma-separated index sizes in chunks (full: 1000,10000,100000).",
    )
    bench.add_argument(
        "--questions", type=int, help="Baseline: dev questions answered (full: all)."
    )
    bench.add_argument("--seed", type=int, help="Seed of the synthetic text (default 0).")
    bench.add_argument(
        "--work-dir",
        type=Path,
        help="Where indexes are built and cached (default: <cache_dir>/bench).",
    )
    bench.add_argument(
        "--out",
        type=Path,
        default=Path("benchmarks"),
        help="Folder for results.json, results.md and baseline.png (default benchmarks).",
    )
    bench.add_argument("--model", type=Path, help=Settings.model_fields["model"].description)
    bench.set_defaults(handler=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
