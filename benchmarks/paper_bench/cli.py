"""`assistant eval` and `assistant bench`, added to the command line as a plugin.

The product wheel holds neither: this distribution (benchmarks/pyproject.toml) registers
these two commands in the ``paper_assistant.commands`` entry-point group.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from assistant.config import Settings
from assistant.errors import AssistantError
from paper_bench.evaluation import QUESTION_TYPES


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {"model": args.model} if args.model else {}
    if getattr(args, "index", None):
        overrides["vectorstore_dir"] = args.index
    return Settings(**overrides)


def cmd_eval(args: argparse.Namespace) -> int:
    from functools import partial

    from assistant.answer.engine import build_engine
    from assistant.index.ingest import ingest
    from paper_bench import evaluation

    settings = _settings(args)
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
        if result.unsupported_shown:
            state += f", {result.unsupported_shown} unsupported sentence(s) shown"
        print(
            f"[{number}/{len(questions)}] {result.id} {result.type}: {state}, "
            f"{result.timings.get('total_ms', 0):.0f} ms",
            file=sys.stderr,
        )

    ask, system, model = partial(evaluation.run_engine_question, engine), "assistant", None
    if args.naive:
        ask, model = _naive(settings, engine.index.embeddings)
        system = "naive"
    results = evaluation.evaluate(ask, questions, progress)
    report = evaluation.build_report(results, system=system)
    report["questions_file"] = str(args.questions)
    report["model"] = (model or engine.model).describe()
    paths = evaluation.write_report(report, args.out)
    print(evaluation.format_table(report))
    print(f"\nWrote {', '.join(map(str, paths))}")
    return 0


def _naive(settings: Settings, embeddings):
    """LangChain's tutorial RAG over the bundled corpus, in a temporary folder, with the
    same model: the baseline the assistant is measured against on any question set."""
    import tempfile
    from functools import partial

    from assistant.corpus.reading import read_corpus
    from assistant.models.local import LocalModel
    from paper_bench.comparison import NAIVE_N_CTX
    from paper_bench.naive import NaiveRAG

    model = LocalModel(settings.model_copy(update={"n_ctx": NAIVE_N_CTX}))
    naive = NaiveRAG(embeddings, model, Path(tempfile.mkdtemp(prefix="naive-rag-")))
    naive.index(read_corpus(settings.corpus_paths).papers)
    ask = partial(
        naive.answer, max_tokens=settings.max_answer_tokens, temperature=settings.temperature
    )
    return ask, model


def _csv(kind: type) -> Callable[[str], tuple]:
    return lambda text: tuple(kind(item) for item in text.split(",") if item.strip())


def bench_options(args: argparse.Namespace):
    """The benchmark sizes the flags ask for: quick or full, with any size overridden."""
    from paper_bench.runner import EXTRA_PARTS, PARTS, BenchOptions

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
            "questions_file": args.questions_file,
            "work_dir": args.work_dir,
        }.items()
        if value is not None
    }
    return BenchOptions.quick(**changes) if args.quick else BenchOptions(**changes)


def cmd_bench(args: argparse.Namespace) -> int:
    from paper_bench.runner import render_markdown, run_bench, write_results

    settings = _settings(args)
    options = bench_options(args)
    results = run_bench(
        settings, options, progress=lambda line: print(line, file=sys.stderr, flush=True)
    )
    paths = write_results(results, args.out)
    print(render_markdown(results))
    print(f"Wrote {', '.join(map(str, paths))}")
    return 0


def add_eval(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser(
        "eval", help="Score answers, citations, abstentions and latency on a question set."
    )
    evaluate.add_argument("questions", type=Path, help="JSON Lines, e.g. eval/dev_questions.jsonl.")
    evaluate.add_argument(
        "--out", type=Path, default=Path("eval/out"), help="Report folder (default eval/out)."
    )
    evaluate.add_argument("--limit", type=int, help="Only the first N questions.")
    evaluate.add_argument(
        "--naive",
        action="store_true",
        help="Score LangChain's tutorial RAG (same model, bundled corpus) instead: the baseline.",
    )
    evaluate.add_argument(
        "--types", nargs="+", choices=QUESTION_TYPES, help="Only questions of these types."
    )
    evaluate.add_argument("--model", type=Path, help=Settings.model_fields["model"].description)
    evaluate.set_defaults(handler=cmd_eval)


def add_bench(commands: argparse._SubParsersAction) -> None:
    bench = commands.add_parser(
        "bench", help="Benchmarks: model path, ingest, retrieval at scale, naive baseline."
    )
    bench.add_argument(
        "--parts",
        type=_csv(str),
        help="Comma-separated parts to run: model,ingest,retrieval,baseline (the default) and "
        "scale,index_server,sessions,bm25,speculative,threads,scope (serving, 100k-paper "
        "ingest, bm25s against bm25.py, decoding, scoped search; only when named).",
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
    bench.add_argument(
        "--questions-file",
        type=Path,
        help="Baseline: the question set (default eval/dev_questions.jsonl), e.g. "
        "eval/heldout2_questions.jsonl.",
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
