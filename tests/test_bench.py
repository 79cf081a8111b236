"""Benchmark plumbing with fakes: synthetic text, question samples, distractors, reports."""

from __future__ import annotations

import json

import numpy as np
import pytest
from paper_bench.cli import bench_options
from paper_bench.common import sample_questions
from paper_bench.comparison import compare
from paper_bench.evaluation import Question, QuestionResult
from paper_bench.naive import DONT_KNOW, REFUSAL
from paper_bench.retrieval_scale import JITTER, _add, _distractor_chunks, measure_search
from paper_bench.runner import BenchOptions, render_markdown
from paper_bench.synthetic import COPY_WORDS, SyntheticText

from assistant.answer.prompts import NOT_FOUND
from assistant.cli import build_parser
from assistant.records import Paper, SourceRef, title_key

ABSTRACTS = [
    "We study graph networks for glacier melt. Our model lowers forecast error by 18 percent "
    "on Alpine glaciers. We release the sensor data and the code for every experiment.",
    "We train a language model on protein sequences. It predicts folding stability better "
    "than earlier models. The model and the data are released for every researcher.",
    "We propose a new method for image segmentation with prompts. It improves the average "
    "recall of unseen objects by 5.6 points. Code for every experiment is released.",
]


@pytest.fixture
def text() -> SyntheticText:
    papers = [
        Paper(title, abstract, [SourceRef("t", f"entry {n}")])
        for n, (title, abstract) in enumerate(
            zip(
                ["Graph Networks for Glacier Melt", "Language Models for Protein Folding",
                 "Prompted Models for Segmentation of Unseen Objects"],
                ABSTRACTS,
                strict=True,
            )
        )
    ]  # fmt: skip
    return SyntheticText.from_papers(papers)


def test_synthetic_papers_are_repeatable_unique_and_copy_no_sentence(text):
    papers = text.papers(40, seed=3)
    assert [p.title for p in papers] == [p.title for p in text.papers(40, seed=3)]
    assert len({title_key(p.title) for p in papers}) == 40
    assert not {title_key(p.title) for p in papers} & text.real_titles
    source_words = [a.split() for a in ABSTRACTS]
    copied = {
        tuple(words[i : i + COPY_WORDS])
        for words in source_words
        for i in range(len(words) - COPY_WORDS + 1)
    }
    for paper in papers:
        words = paper.abstract.split()
        assert all(
            tuple(words[i : i + COPY_WORDS]) not in copied
            for i in range(len(words) - COPY_WORDS + 1)
        )


def fake_pool(papers: int, dimensions: int = 8):
    rng = np.random.default_rng(0)
    pool = []
    for n in range(papers):
        vectors = rng.normal(size=(2, dimensions)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        pool.append((f"Pool title {n}", [f"Body {n}a about models.", f"Body {n}b."], vectors))
    return pool


def test_distractors_reuse_the_pool_then_jittered_copies(text):
    pool = fake_pool(3)
    rows = list(_distractor_chunks(11, pool, text, seed=1))
    assert len(rows) == 11 and len({row[0] for row in rows}) == 11
    for chunk_id, vector, document, metadata in rows:
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
        assert document.split("\n", 1)[0] == metadata["title"]
        assert chunk_id.startswith(metadata["paper_id"])
        assert ("abstract" in metadata) == (metadata["chunk"] == 0)
    # The first six chunks are the pool's own; the next ones copy it under new titles.
    assert [row[2] for row in rows[:2]] == ["Pool title 0\nBody 0a about models.",
                                            "Pool title 0\nBody 0b."]  # fmt: skip
    np.testing.assert_allclose(rows[0][1], pool[0][2][0])
    copy_title, copy_body = rows[6][2].split("\n", 1)
    assert copy_body == "Body 0a about models." and copy_title != "Pool title 0"
    assert float(rows[6][1] @ pool[0][2][0]) == pytest.approx(1 / np.sqrt(1 + JITTER**2), abs=0.1)
    assert rows[10][3]["n_chunks"] == 1  # cut to the count asked for


def test_planted_papers_are_found_among_distractors(fake_index, settings, text):
    """The retrieval benchmark's measurement over a fake-embedded index."""
    from assistant.index.ingest import ingest
    from tests.fakes import bag_of_words

    corpus = settings.vectorstore_dir.parent / "planted.jsonl"
    corpus.write_text(
        json.dumps({"title": "Graph Networks for Glacier Melt", "abstract": ABSTRACTS[0]}) + "\n"
    )
    ingest([corpus], settings, index=fake_index, progress=False)
    pool = []
    for paper in text.papers(10, seed=2):
        bodies = [paper.abstract[:200], paper.abstract[200:400] or "more"]
        vectors = np.array([bag_of_words(f"{paper.title}\n{b}") for b in bodies])
        pool.append((paper.title, bodies, vectors))
    _add(fake_index, list(_distractor_chunks(40, pool, text, seed=2)))
    questions = [
        Question("q1", "fact", "How much do graph networks lower glacier melt forecast error?",
                 ("Graph Networks for Glacier Melt",), ("18 percent",)),
        Question("q2", "out_of_collection", "What is the best sourdough recipe?"),
    ]  # fmt: skip
    measured = measure_search(fake_index, settings, questions)
    assert measured["chunks_searched"] == 41
    assert measured["planted_recall@5"] == 1.0 and measured["planted_mrr"] == 1.0
    assert measured["p95_ms"] >= measured["p50_ms"] > 0


def test_sample_questions_takes_types_in_turn():
    questions = [Question(f"{kind}{n}", kind, "?", () if kind == "out_of_collection" else ("T",))
                 for kind in ("fact", "lookup", "out_of_collection") for n in range(3)]  # fmt: skip
    picked = [q.id for q in sample_questions(questions, 4)]
    assert picked == ["lookup0", "fact0", "out_of_collection0", "lookup1"]
    assert len(sample_questions(questions, None)) == 9


@pytest.mark.parametrize(
    ("answer", "abstained"),
    [
        ("I don't know.", True),
        ("I do not know the answer to that.", True),
        ("The context does not mention Chinchilla.", True),
        ("ChrEn has 14k parallel sentences.", False),
    ],
)
def test_naive_baseline_abstention(answer, abstained):
    assert bool(DONT_KNOW.search(answer)) == abstained


def result(system, qid, answer, cited, abstained=False, **timings):
    return QuestionResult(qid, "fact", "?", answer, abstained, cited, cited, ["A"], ["5.6"],
                          timings)  # fmt: skip


def test_compare_by_hand():
    assistant = [
        result("a", "q1", "5.6 [1]", ["A"], retrieval_ms=5, first_text_ms=10, ttft_ms=1000,
               total_ms=2000),
        result("a", "q2", "Not found", [], True, retrieval_ms=5, first_text_ms=20, total_ms=20),
    ]  # fmt: skip
    naive = [
        result("n", "q1", "It is 5.6.", ["A", "B"], retrieval_ms=5, first_text_ms=3000,
               ttft_ms=3000, total_ms=5000),
        result("n", "q2", "No idea", ["B"], retrieval_ms=5, first_text_ms=5000, ttft_ms=5000,
               total_ms=6000),
    ]  # fmt: skip
    assistant[0].timings.update(first_quote_ms=8, fresh_prompt_tokens=120)
    naive[0].timings["fresh_prompt_tokens"] = 600
    summary = compare(assistant, naive)
    first = summary["first_text_median_ms"]
    assert (first["assistant"], first["naive"], first["ratio"]) == (15.0, 4000.0, 0.004)
    assert (first["assistant_p90"], first["naive_p90"]) == (19.0, 4800.0)
    # Only q1 reached the assistant's model: 1000 against the naive 3000 on that question.
    assert summary["model_ttft_median_ms"]["ratio"] == pytest.approx(0.333)
    assert summary["model_ttft_median_ms"]["questions"] == 1
    # The quote came at 8 ms on q1, where the naive first token took 3000.
    quote = summary["timings"]["first_quote_ms"]
    assert (quote["assistant"], quote["naive"], quote["questions"]) == (8.0, 3000.0, 1)
    assert summary["timings"]["fresh_prompt_tokens"]["ratio"] == pytest.approx(0.2)
    assert summary["scores"]["keyword_accuracy"] == {"assistant": 0.5, "naive": 0.5}
    assert summary["scores"]["citation_precision_gold"] == {"assistant": 1.0, "naive": 1 / 3}


def test_markdown_has_a_section_per_part_run():
    results = {
        "date": "2025-01-01T00:00:00+00:00",
        "machine": {"cpu": "CPU", "cores": 2, "memory_gib": 8.0, "backend": "CPU",
                    "llama_cpp_python": "0.3.36", "load_average": [1.0, 1.0, 1.0]},
        "settings": {"threads": 2, "top_k": 5},
        "retrieval": {"sizes": [{"chunks_searched": 1000, "distractor_chunks": 470, "p50_ms": 20,
                                 "distractors_really_embedded": 470,
                                 "p95_ms": 30, "refresh_s": 0.5, "planted_recall@5": 0.9,
                                 "planted_mrr": 0.8}]},
    }  # fmt: skip
    text = render_markdown(results)
    assert "Hybrid search at scale" in text and "| 1000 | 470 (0) | 20 | 30 |" in text
    assert "Model path" not in text and "naive" not in text


def test_bench_options_from_the_command_line():
    parser = build_parser()
    full = bench_options(parser.parse_args(["bench"]))
    assert full == BenchOptions()
    assert full.parts == ("model", "ingest", "retrieval", "baseline")
    assert full.retrieval_sizes == (1000, 10000, 100000) and full.ingest_papers == 10000
    args = parser.parse_args(
        ["bench", "--parts", "model,retrieval", "--quick", "--retrieval-sizes", "1000,3000"]
    )
    quick = bench_options(args)
    assert quick.parts == ("model", "retrieval") and quick.retrieval_sizes == (1000, 3000)
    assert quick.repeats == 3 and quick.questions == 10 and quick.ingest_papers == 300


def test_bench_command_refuses_an_unknown_part(capsys):
    from assistant.cli import main

    assert main(["bench", "--parts", "model,speed"]) == 1
    assert "Unknown part(s) speed" in capsys.readouterr().err


def test_scale_projection_by_hand(tmp_path, monkeypatch):
    """Real sample 10 papers/s (0.1 s a paper); the stand-in slows from 1000 to 100 papers/s
    between the sample and the largest size (+0.009 s a paper): 0.109 s a paper."""
    import paper_bench.ingest_rate as ingest_rate
    from paper_bench.scale import bench_scale

    rates = {"scale-100-hashing": 1000.0, "scale-100-minilm": 10.0, "scale-1000-hashing": 100.0}

    def fake_child(name, corpus, work_dir, embedder="minilm"):
        measured = {"papers": 1, "chunks": 2, "seconds": 1.0, "peak_rss_mb": 100.0}
        return {**measured, "papers_per_s": rates[name], "embedder": embedder}

    monkeypatch.setattr(ingest_rate, "ingest_in_child", fake_child)
    monkeypatch.setattr(ingest_rate, "write_synthetic_corpus", lambda *a: None)
    for size in (100, 1000):
        (tmp_path / f"synthetic-{size}-seed0.jsonl").touch()
    result = bench_scale(None, (1000,), 100, 0, tmp_path, lambda message: None)
    assert set(result["runs"]) == {"100_hashing", "100_minilm", "1000_hashing"}
    assert result["real_seconds_per_paper"] == pytest.approx(0.109)
    assert result["projected_hours"] == {"100k papers": 3.0, "1M papers": 30.3}


def test_peak_memory_is_the_workers_own():
    """A child of a large process reports its own peak, not the parent's (ru_maxrss would)."""
    import subprocess
    import sys

    ballast = bytearray(300 * 1024 * 1024)
    code = "from paper_bench.ingest_rate import _peak_rss_mb; print(_peak_rss_mb())"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert float(child.stdout) < 200 and len(ballast)


def test_markdown_of_the_serving_and_scale_parts():
    run = {"papers": 10, "chunks": 25, "seconds": 2.0, "papers_per_s": 5.0}
    results = {
        "date": "2026-11-21",
        "machine": {
            "cpu": "cpu",
            "cores": 2,
            "memory_gib": 24,
            "backend": "CPU",
            "llama_cpp_python": "0.3.36",
            "load_average": [0.5],
        },
        "settings": {"threads": 2, "top_k": 5},
        "scale": {
            "runs": {
                "10_minilm": {**run, "embedder": "minilm", "chunks_per_s": 12.5, "peak_rss_mb": 300}
            },
            "projected_hours": {"100k papers": 5.6, "1M papers": 55.6},
            "real_seconds_per_paper": 0.2,
        },
        "index_server": {
            "embedded": {"p50_ms": 10.0, "p95_ms": 12.0, "n": 9},
            "server": {"p50_ms": 12.0, "p95_ms": 15.0, "n": 9},
            "ratio_p50": 1.2,
        },
        "sessions": {
            "sessions": 2,
            "questions": 4,
            "answered": 4,
            "wrong_or_mixed_replies": [],
            "answers_per_minute": 12.0,
            "answer_latency": {"p50_ms": 4000.0, "p95_ms": 9000.0, "n": 4},
            "find_latency_idle": {"p50_ms": 100.0, "p95_ms": 120.0, "n": 5},
            "find_latency_while_answering": {"p50_ms": 150.0, "p95_ms": 200.0, "n": 7},
        },
    }
    text = render_markdown(results)
    assert "5.6 h for 100k papers" in text and "| 10 | minilm | 25 |" in text
    assert "| Chroma server | 12.0 | 15.0 |" in text
    assert "| find papers, while answers are written | 150 | 200 | 7 |" in text
    assert "Answered 4 of 4; replies with the wrong or mixed question: 0" in text


def test_the_cache_lock_is_exclusive_while_held(tmp_path):
    import fcntl

    from paper_bench.common import cache_lock

    lock = tmp_path / "x.lock"
    # Another open file asking without waiting is refused while the lock is held...
    with cache_lock(lock), lock.open("w") as other, pytest.raises(BlockingIOError):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with lock.open("w") as other:  # ...and granted once it is released.
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_a_run_leaves_no_scratch_folder(settings, tmp_path):
    from paper_bench.runner import run_bench

    lines = []
    results = run_bench(settings, BenchOptions(parts=(), work_dir=tmp_path / "w"), lines.append)
    assert results["machine"]["cores"] >= 1 and list(results["options"]["parts"]) == []
    assert list((tmp_path / "w").iterdir()) == []


def test_bm25_comparison_reports_both_engines_and_their_overlap():
    from paper_bench.bm25_compare import bench_bm25

    result = bench_bm25((300,), queries=5, seed=0, progress=lambda line: None)
    assert result["queries"] == 5 and result["top_k"] == 40
    [size] = result["sizes"]
    assert size["chunks"] == 300 and size["tokens"] > 300 * 30
    for engine in ("bm25_py", "bm25s"):
        assert size["build_s"][engine] > 0
        assert 0 < size["query"][engine]["p50_ms"] <= size["query"][engine]["p95_ms"]
    assert size["ratio_build"] > 0 and size["ratio_p50"] > 0
    assert 0 <= size["top10_overlap"]["min"] <= size["top10_overlap"]["mean"] <= 1
    text = render_markdown(
        {
            "date": "d",
            "machine": {
                "cpu": "cpu",
                "cores": 2,
                "memory_gib": 24,
                "backend": "CPU",
                "llama_cpp_python": "x",
                "load_average": [0.5],
            },
            "settings": {"threads": 2, "top_k": 5},
            "bm25": result,
        }
    )
    assert "### BM25:" in text and "| 300 |" in text


@pytest.mark.parametrize(
    ("reply", "refusal"),
    [
        (NOT_FOUND, True),
        ("The sources do not mention the backbone.", True),
        ("There is not enough information to answer.", True),
        ("I cannot answer that from these sources.", True),
        ("SegPrompt improves AR by 5.6% [1].", False),
        ("The model does not use labels at test time [1].", False),
    ],
)
def test_the_naive_baselines_refusals(reply, refusal):
    assert bool(REFUSAL.search(reply)) is refusal


def test_markdown_of_the_decoding_parts():
    results = {
        "date": "2026-11-30",
        "machine": {"cpu": "cpu", "cores": 2, "memory_gib": 24, "backend": "CPU",
                    "llama_cpp_python": "0.3.36", "load_average": [0.5]},
        "settings": {"threads": 2, "top_k": 5},
        "speculative": {
            "questions": 10, "modelled": 8, "draft_tokens": 10, "identical_answers": 8,
            "questions_file": "eval/heldout2_questions.jsonl",
            "gen_tokens_per_s": {"off": 40.0, "on": 50.0, "ratio": 1.25},
            "total_ms": {"off": 5000.0, "on": 4500.0, "ratio": 0.9},
        },
        "threads": {"repeats": 3, "prompt_chars": 100, "rows": [
            {"threads": 1, "another_process_busy": True, "ttft_ms": 900.0,
             "gen_tokens_per_s": 30.0},
        ]},
    }  # fmt: skip
    text = render_markdown(results)
    assert "8 of 10 questions of heldout2_questions.jsonl reach the model" in text
    assert "| generation (tokens/s) | 40.00 | 50.00 | 1.250 |" in text
    assert "| identical answers | 8 of 8 | | |" in text
    assert "| 1 | yes | 900 | 30.00 |" in text


def test_scoped_search_is_measured_against_unscoped_with_each_scope(fake_index, settings, tmp_path):
    from paper_bench.scope_latency import measure_scopes

    from assistant.index.ingest import ingest
    from tests.corpora import PAPERS, ZEBRA_PAPERS, write_daily

    files = [
        write_daily(tmp_path / "daily_papers_a.txt", ZEBRA_PAPERS),
        write_daily(tmp_path / "daily_papers_b.txt", PAPERS),
    ]
    ingest(files, settings, index=fake_index, progress=False)
    questions = [Question("q1", "fact", "How are zebra stripes segmented?")]
    measured = measure_scopes(fake_index, settings, questions, seed=0)
    rows = {row["scope"]: row for row in measured["scopes"]}
    assert list(rows) == [
        "unscoped",
        "one file (daily_papers_a.txt)",
        "all files but that one",
        "5 chosen papers",
    ]
    assert [row["papers_admitted"] for row in rows.values()] == [6, 3, 3, 5]
    assert rows["unscoped"]["p50_ratio_to_unscoped"] == 1.0
    results = {
        "date": "2026-11-30",
        "machine": {"cpu": "cpu", "cores": 2, "memory_gib": 24, "backend": "CPU",
                    "llama_cpp_python": "0.3.36", "load_average": [0.5]},
        "settings": {"threads": 2, "top_k": 5},
        "scope": {"sizes": [{"target_chunks": 6, **measured}]},
    }  # fmt: skip
    text = render_markdown(results)
    assert "| 6 | 6 | one file (daily_papers_a.txt) | 3 |" in text
