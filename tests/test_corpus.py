"""Corpus readers: the bundled files, every format, LaTeX cleaning and bad input of all kinds."""

from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path

import pytest

from assistant.config import BUNDLED_CORPUS_DIR
from assistant.corpus.cleaning import clean_text
from assistant.corpus.reading import (
    EXTENSIONS,
    FORMATS,
    detect_format,
    iter_file,
    read_corpus,
    source_label,
)
from assistant.errors import CorpusError
from assistant.records import Paper, Problem, SourceRef

ABSTRACT = "We study a problem in considerable depth and report what we found about it."
OTHER = "A second abstract, about something else entirely, with its own results."


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def at(path: Path, position: str) -> SourceRef:
    return SourceRef(source_label(path), position)


def only_problem(result, path: Path) -> Problem:
    assert len(result.problems) == 1, result.problems
    problem = result.problems[0]
    assert problem.path == source_label(path)
    return problem


# --- The bundled corpus ----------------------------------------------------------------------

SHARED_TITLES = {
    "RAD-DINO: Exploring Scalable Medical Image Encoders Beyond Text Supervision",
    "Preference-Oriented Supervised Fine-Tuning: Favoring Target Model Over Aligned Large "
    "Language Models",
    "Automated Data Curation for Robust Language Model Fine-Tuning",
    "ASFT: Aligned Supervised Fine-Tuning through Absolute Likelihood",
    "LLMTune: Accelerate Database Knob Tuning with Large Language Models",
    "Self-supervised Learning for Large-scale Item Recommendations",
}


@pytest.fixture(scope="module")
def bundled():
    return read_corpus([BUNDLED_CORPUS_DIR])


def test_bundled_files_read_completely(bundled):
    per_file = {
        name: list(iter_file(BUNDLED_CORPUS_DIR / name))
        for name in ("daily_papers_mar14.txt", "daily_papers_oct09.txt")
    }
    assert [len(items) for items in per_file.values()] == [98, 88]
    assert all(isinstance(item, Paper) for items in per_file.values() for item in items)
    assert bundled.problems == []
    assert bundled.files == ["data/daily_papers_mar14.txt", "data/daily_papers_oct09.txt"]
    assert len(bundled.papers) == 180
    assert sum(len(paper.sources) for paper in bundled.papers) == 186


def test_bundled_titles_dates_and_shared_papers(bundled):
    by_title = {paper.title: paper for paper in bundled.papers}
    segprompt = by_title[
        "SegPrompt: Boosting Open-world Segmentation via Category-level Prompt Learning"
    ]
    assert segprompt.date == "Oct 9"
    assert segprompt.sources == [SourceRef("data/daily_papers_oct09.txt", "line 13")]
    assert "AstroM$^3$: A self-supervised multimodal model for astronomy" in by_title
    shared = {paper.title for paper in bundled.papers if len(paper.sources) > 1}
    assert shared == SHARED_TITLES
    for title in SHARED_TITLES:
        paper = by_title[title]
        assert [source.path for source in paper.sources] == [
            "data/daily_papers_mar14.txt",
            "data/daily_papers_oct09.txt",
        ]
        assert paper.date == "Mar 14"  # the first record's
        for source in paper.sources:
            lines = (BUNDLED_CORPUS_DIR.parent / source.path).read_text().split("\n")
            assert lines[int(source.position.split()[1]) - 1] == title


def test_bundled_abstracts_are_clean(bundled):
    abstracts = [paper.abstract for paper in bundled.papers]
    for residue in ("\\", "~(", "ourdataset~", "{", "}", "$"):
        assert not [text for text in abstracts if residue in text], residue
    joined = "\n".join(abstracts)
    assert "as high as 89.7% charge neutrality" in joined
    assert "masked language modeling (MLM)" in joined
    assert "shows 5% to 10% relative WER" in joined
    assert "(e.g. relying on GPT-4" in joined
    assert "(e.g. text prompts" in joined
    assert "Missing & Exploited Children" in joined
    assert "ourdataset consists of" in joined and "ourdataset is highly" in joined
    assert "https://github.com/gblackout/LogicLLaMA." in joined
    assert "https://huggingface.co/datasets/medexanon/Medex, and" in joined
    assert "by ~5% on MMLU" in joined
    assert all(clean_text(text) == text for text in abstracts)


# --- clean_text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (r"as high as 89.7\% charge", "as high as 89.7% charge"),
        (r"modeling~(MLM) and shows~5\% to~1", "modeling (MLM) and shows 5% to 1"),
        (r"(e.g.\ relying on GPT-4", "(e.g. relying on GPT-4"),
        (r"(\eg text prompts, \ie this", "(e.g. text prompts, i.e. this"),
        (r"Missing \& Exploited \_ \# \$", "Missing & Exploited _ # $"),
        (r"\ourdataset~ consists; \ourdataset~is", "ourdataset consists; ourdataset is"),
        ("by ~5% on MMLU (~3 points)", "by ~5% on MMLU (~3 points)"),
        ("AstroM$^3$ and $\\alpha$-tuning", "AstroM^3 and alpha-tuning"),
        ("$x^{2}_{i}$ grows", "x^2_i grows"),
        (r"\textbf{bold} \emph{\textit{nested}} \texttt{code}", "bold nested code"),
        (
            r"see \url{https://a.org/x_y} or \href{https://b.org}{the site}",
            "see https://a.org/x_y or the site",
        ),
        (r"as shown~\cite{smith2020, doe} in Fig.~\ref{fig:a}", "as shown in Fig."),
        (
            "at https://github.com/gblackout/LogicLLaMA{{small https://github.com/gblackout/LogicLLaMA}}.",
            "at https://github.com/gblackout/LogicLLaMA.",
        ),
        (
            "https://huggingface.co/datasets/m/Medex{huggingface.co/datasets/m/Medex}, and",
            "https://huggingface.co/datasets/m/Medex, and",
        ),
        ("legal reasoning}. Further", "legal reasoning. Further"),
        ("Q&amp;A &lt;tag&gt; AT&T &notes", "Q&A <tag> AT&T &notes"),
        ('G\\"odel, Cram\\\'er and na\\"{\\i}ve', "Gödel, Cramér and naïve"),
        ("tabs\tand\nnew  lines\x00\x07 here\u200b", "tabs and new lines here"),
        ("costs $5 and $10 today", "costs $5 and $10 today"),
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),  # NFC
        ("", ""),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean
    assert clean_text(clean) == clean


@pytest.mark.parametrize(
    "raw",
    [
        r"\$x\$ and &amp;amp;lt; and {{{\textbf{}}}} \\\\ ~~ $$ $ \ { } ~",
        "\ud800 lone surrogate \x85 \ufeff",
        "{" * 5000 + "\\" * 5000 + "$" * 5000 + "~" * 5000,
        "x" * 200_000,
    ],
)
def test_clean_text_is_idempotent_on_odd_input(raw):
    once = clean_text(raw)
    assert clean_text(once) == once


def test_clean_text_survives_random_text():
    chars = "\\{}$~&;#^_% \n\tabcXYZ019.,()[]<>/é\u200b"
    rng = random.Random(7)
    for _ in range(300):
        raw = "".join(rng.choice(chars) for _ in range(rng.randrange(60)))
        once = clean_text(raw)
        assert clean_text(once) == once, raw


# --- Formats -----------------------------------------------------------------------------------


def test_hf_daily_sections_noise_and_dates(tmp_path):
    path = write(
        tmp_path / "daily.txt",
        "new\n\nSubscribe\n\nDaily Papers\n\nOctober 9, 2024\n\n"
        f"First  Title:\t  A Study\n\n{ABSTRACT}\n\nUpvote\n\n42\n\nSubmitted by someone\n\n"
        f"Mar 14\n\nSecond Title\n\n{OTHER}\n",
    )
    result = read_corpus([path])
    assert result.problems == []
    first, second = result.papers
    assert (first.title, first.abstract, first.date) == (
        "First Title: A Study",
        ABSTRACT,
        "October 9, 2024",
    )
    assert first.sources == [at(path, "line 9")]
    assert (second.title, second.date, second.sources) == (
        "Second Title",
        "Mar 14",
        [at(path, "line 21")],
    )


def test_hf_daily_broken_structure_resyncs(tmp_path):
    long_text = "Long " * 80
    path = write(
        tmp_path / "broken.txt",
        f"Stray text before any date\n\nMore stray text\n\nOct 9\n\n{long_text}\n\n"
        f"Lost Title\n\nGood Title\n\n{ABSTRACT}\n\nLast Title\n",
    )
    result = read_corpus([path])
    assert [paper.title for paper in result.papers] == ["Good Title"]
    assert result.papers[0].sources == [at(path, "line 11")]
    assert [(problem.position, problem.message.split(";")[0]) for problem in result.problems] == [
        ("line 1", "text before the first date line (such as 'Oct 9')"),
        ("line 7", "abstract with no title line before it"),
        ("line 9", "entry 'Lost Title' has no abstract"),
        ("line 15", "entry 'Last Title' has no abstract"),
    ]


ARXIV_RECORD = {
    "id": "0704.0001",
    "submitter": "Pavel Nadolsky",
    "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
    "title": "Calculation of prompt diphoton production cross sections at Tevatron and\n"
    "  LHC energies",
    "abstract": "  A fully differential calculation in perturbative quantum chromodynamics"
    " is\npresented.\n",
    "categories": "hep-ph",
    "doi": "10.1103/PhysRevD.76.013009",
    "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
    "update_date": "2008-11-13",
    "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""], ["Yuan", "C. -P.", "Jr"]],
}


def test_jsonl_arxiv_snapshot_shape(tmp_path):
    second = {
        "id": "hep-th/9901001",
        "authors": "A. One, B. Two and C. Three",
        "title": "Second",
        "summary": OTHER,
        "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
    }
    third = {
        "title": "Third",
        "abstract": ABSTRACT,
        "id": "42",
        "url": "https://x.org/p",
        "year": 2021,
    }
    path = write(
        tmp_path / "a.jsonl",
        "\n".join(json.dumps(r) for r in (ARXIV_RECORD, second, third)) + "\n\n",
    )
    result = read_corpus([path])
    assert result.problems == []
    first, second_paper, third_paper = result.papers
    assert (
        first.title
        == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert (
        first.abstract
        == "A fully differential calculation in perturbative quantum chromodynamics is presented."
    )
    assert first.authors == ["C. Balázs", "E. L. Berger", "C. -P. Yuan Jr"]
    assert (first.arxiv_id, first.url, first.date) == (
        "0704.0001",
        "https://arxiv.org/abs/0704.0001",
        "2007-04-02",  # the first version's date, not update_date: papers are cited by it
    )
    assert first.sources == [at(path, "line 1")]
    assert second_paper.authors == ["A. One", "B. Two", "C. Three"]
    assert (second_paper.abstract, second_paper.date) == (OTHER, "2007-04-02")
    assert second_paper.url == "https://arxiv.org/abs/hep-th/9901001"
    assert (third_paper.arxiv_id, third_paper.url, third_paper.date) == (
        None,
        "https://x.org/p",
        "2021",
    )


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        # The first version's date wins over update_date and any later version.
        (
            {
                "versions": [
                    {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
                    {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"},
                ],
                "update_date": "2008-11-13",
                "year": 2009,
            },
            "2007-04-02",
        ),
        ({"versions": [{"created": "spring 2007"}], "update_date": "2008-11-13"}, "spring 2007"),
        ({"versions": [], "update_date": "2008-11-13", "year": 2009}, "2008-11-13"),
        ({"versions": [{"version": "v1"}], "update_date": "2008-11-13"}, "2008-11-13"),
        ({"published": "2020-05-01", "year": 2020}, "2020-05-01"),
        ({"year": 2021}, "2021"),
        ({}, None),
    ],
)
def test_arxiv_date_is_the_first_versions(tmp_path, dates, expected):
    record = {"title": "Dated", "abstract": ABSTRACT, **dates}
    (paper,) = read_corpus([write(tmp_path / "a.jsonl", json.dumps(record) + "\n")]).papers
    assert paper.date == expected


@pytest.mark.parametrize(
    "document",
    [
        json.dumps(
            [{"title": "One", "abstract": ABSTRACT}, {"title": "Two", "abstract": OTHER}], indent=2
        ),
        json.dumps(
            {
                "papers": [
                    {"title": "One", "abstract": ABSTRACT},
                    {"title": "Two", "abstract": OTHER},
                ]
            }
        ),
    ],
)
def test_json_array_positions_are_entries(tmp_path, document):
    path = write(tmp_path / "a.json", document)
    result = read_corpus([path])
    assert result.problems == []
    assert [(paper.title, paper.sources) for paper in result.papers] == [
        ("One", [at(path, "entry 1")]),
        ("Two", [at(path, "entry 2")]),
    ]


def test_json_single_object_and_doi_url(tmp_path):
    record = {
        "Title": "One",
        "Abstract": ABSTRACT,
        "doi": "10.1/xyz",
        "authors": [{"name": "A. B."}],
    }
    path = write(tmp_path / "one.json", json.dumps(record, indent=1))
    (paper,) = read_corpus([path]).papers
    assert (paper.url, paper.authors, paper.sources) == (
        "https://doi.org/10.1/xyz",
        ["A. B."],
        [at(path, "entry 1")],
    )


def test_json_file_holding_json_lines_is_streamed_as_lines(tmp_path):
    path = write(
        tmp_path / "arxiv-metadata-snapshot.json",
        json.dumps(ARXIV_RECORD) + "\n" + json.dumps({"title": "Two", "abstract": OTHER}) + "\n",
    )
    result = read_corpus([path])
    assert result.problems == []
    assert [paper.sources for paper in result.papers] == [
        [at(path, "line 1")],
        [at(path, "line 2")],
    ]


def test_csv_columns_multiline_fields_and_metadata(tmp_path):
    path = write(
        tmp_path / "papers.csv",
        " Title ,SUMMARY,Authors,Year,ID\n"
        f'"A Multi\nLine Title","{ABSTRACT}","Doe, Jane; Roe, Rick",2023,2310.01234v2\n'
        "\n"
        f'Plain,"{OTHER}","Ann One and Bob Two",,17\n',
    )
    result = read_corpus([path])
    assert result.problems == []
    first, second = result.papers
    assert (first.title, first.abstract, first.authors) == (
        "A Multi Line Title",
        ABSTRACT,
        ["Doe, Jane", "Roe, Rick"],
    )
    assert (first.date, first.arxiv_id, first.sources) == (
        "2023",
        "2310.01234v2",
        [at(path, "line 2")],
    )
    assert (second.authors, second.arxiv_id, second.sources) == (
        ["Ann One", "Bob Two"],
        None,
        [at(path, "line 5")],
    )


BIB = r"""
@comment{ ignored {entirely} }
@string{ jmlr = "Journal of ML" }
@preamble{ "\newcommand{\x}{y}" }

@Article{smith2023,
  Title = {{BERT} for {M}{\"u}ller's {Data}},
  author = {Smith, John and M{\"u}ller, Anna and {Barnes and Noble}},
  journal = jmlr,
  abstract = {We use {nested {braces}} and 95\% of $\alpha$ data.},
  year = 2023, month = oct,
  eprint = {2310.00001}, archivePrefix = {arXiv},
  doi = {10.5/abc},
}
@inproceedings{quoted,
  title = "Quoted " # {Title},
  abstract = "An abstract in quotes, with {a brace} inside it.",
  url = {https://example.org/p},
  doi = {10.5/def}
}
@misc{noabstract, title = {No Abstract Here}}
"""


def test_bibtex_fields_and_skipped_entries(tmp_path):
    path = write(tmp_path / "refs.bib", BIB)
    result = read_corpus([path])
    first, second = result.papers
    assert first.title == "BERT for Müller's Data"
    assert first.abstract == "We use nested braces and 95% of alpha data."
    assert first.authors == ["John Smith", "Anna Müller", "Barnes and Noble"]
    assert (first.date, first.arxiv_id, first.url) == (
        "2023-10",
        "2310.00001",
        "https://arxiv.org/abs/2310.00001",
    )
    assert first.sources == [at(path, "line 6")]
    assert (second.title, second.url, second.sources) == (
        "Quoted Title",
        "https://example.org/p",
        [at(path, "line 15")],
    )
    problem = only_problem(result, path)
    assert (problem.position, problem.message) == (
        "line 21",
        "entry noabstract has no abstract; skipped",
    )


def test_bibtex_unbalanced_braces_cost_only_that_entry(tmp_path):
    path = write(
        tmp_path / "broken.bib",
        f"@article{{good1, title={{One}}, abstract={{{ABSTRACT}}}}}\n"
        f"@article{{broken, title={{Two, abstract={{{OTHER}}}}}\n"
        f"@article{{good2, title={{Three}}, abstract={{{OTHER}}}, doi={{10.9/z}}}}\n"
        "@article{tail, title={Never closed\n",
    )
    result = read_corpus([path])
    assert [(paper.title, paper.url) for paper in result.papers] == [
        ("One", None),
        ("Three", "https://doi.org/10.9/z"),
    ]
    assert [
        (problem.position, problem.message.split(" is ")[0]) for problem in result.problems
    ] == [
        ("line 2", "entry broken"),
        ("line 4", "entry tail"),
    ]
    assert "unbalanced" in result.problems[1].message


def test_format_override_beats_extension(tmp_path):
    path = write(tmp_path / "notes.txt", json.dumps({"title": "One", "abstract": ABSTRACT}) + "\n")
    assert detect_format(path) == "hf-daily"
    assert detect_format(path, "jsonl") == "jsonl"
    result = read_corpus([path], fmt="jsonl")
    assert [paper.title for paper in result.papers] == ["One"] and result.problems == []


def test_detect_format_errors_name_the_file_and_choices(tmp_path):
    assert set(EXTENSIONS.values()) == set(FORMATS)
    with pytest.raises(
        CorpusError, match=r"notes\.dat.*--format \(hf-daily, jsonl, json, csv, bibtex\)"
    ):
        detect_format(tmp_path / "notes.dat")
    with pytest.raises(CorpusError, match="Unknown format 'xml'"):
        read_corpus([tmp_path], fmt="xml")


def test_folders_recurse_sorted_and_skip_other_files(tmp_path):
    write(tmp_path / "b.jsonl", json.dumps({"title": "B", "abstract": ABSTRACT}) + "\n")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "a.csv", f"title,abstract\nA,{OTHER}\n")
    write(tmp_path / "readme.md", "# not a corpus file")
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / ".hidden" / "c.jsonl", "not read")
    result = read_corpus([tmp_path, tmp_path / "b.jsonl"])
    assert result.problems == []
    assert result.files == [
        source_label(tmp_path / "b.jsonl"),
        source_label(tmp_path / "sub" / "a.csv"),
    ]
    assert [paper.title for paper in result.papers] == ["B", "A"]


def test_source_label_inside_and_outside_the_project(tmp_path):
    assert source_label(BUNDLED_CORPUS_DIR / "x.txt") == "data/x.txt"
    assert source_label(tmp_path / "x.txt") == str((tmp_path / "x.txt").resolve())


def test_duplicates_merge_across_formats(tmp_path):
    csv_path = write(
        tmp_path / "a.csv", f"title,abstract,authors\nDeep Nets: A Survey!,{ABSTRACT},Ann One\n"
    )
    record = {
        "title": "deep nets -- a survey",
        "abstract": OTHER,
        "id": "2101.00001",
        "update_date": "2021-01-01",
        "authors": "Someone Else",
    }
    jsonl_path = write(tmp_path / "b.jsonl", json.dumps(record) + "\n")
    result = read_corpus([csv_path, jsonl_path, csv_path])
    (paper,) = result.papers
    assert (paper.title, paper.abstract, paper.authors) == (
        "Deep Nets: A Survey!",
        ABSTRACT,
        ["Ann One"],
    )
    assert (paper.date, paper.arxiv_id, paper.url) == (
        "2021-01-01",
        "2101.00001",
        "https://arxiv.org/abs/2101.00001",
    )
    assert paper.sources == [at(csv_path, "line 2"), at(jsonl_path, "line 1")]
    assert len(result.files) == 2


# --- Bad input ---------------------------------------------------------------------------------


def test_empty_binary_missing_and_unknown_files_are_problems(tmp_path):
    good = write(
        tmp_path / "good.jsonl", json.dumps({"title": "Good", "abstract": ABSTRACT}) + "\n"
    )
    empty = write(tmp_path / "empty.csv", "  \n\n")
    binary = write(tmp_path / "data.bib", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    unknown = write(tmp_path / "notes.dat", "whatever")
    missing = tmp_path / "missing.jsonl"
    result = read_corpus([empty, binary, unknown, missing, good])
    assert [paper.title for paper in result.papers] == ["Good"]
    found = {(problem.path, problem.position): problem.message for problem in result.problems}
    assert found.keys() == {(source_label(p), None) for p in (empty, binary, unknown, missing)}
    assert found[(source_label(empty), None)] == "file is empty"
    assert "binary" in found[(source_label(binary), None)]
    assert "--format" in found[(source_label(unknown), None)]
    assert found[(source_label(missing), None)] == "no such file or folder"
    assert source_label(unknown) not in result.files and source_label(empty) in result.files


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [("empty.json", "[]", "json"), ("header.txt", "Daily Papers\n\nOct 9\n", "hf-daily")],
)
def test_a_file_with_no_papers_says_so(tmp_path, name, content, fmt):
    path = write(tmp_path / name, content)
    problem = only_problem(read_corpus([path]), path)
    assert (problem.position, problem.message) == (None, f"no papers found when read as {fmt}")


def test_cp1252_file_is_read_with_a_warning_naming_the_line(tmp_path, caplog):
    content = f"title,abstract\nPlain,{ABSTRACT}\nCaf\xe9 Society,{OTHER}\n".encode("cp1252")
    path = write(tmp_path / "legacy.csv", content)
    result = read_corpus([path])
    assert [paper.title for paper in result.papers] == ["Plain", "Café Society"]
    problem = only_problem(result, path)
    assert problem.position == "line 3" and "0xe9" in problem.message
    assert str(problem) in caplog.text


def test_utf8_bom_is_accepted(tmp_path):
    path = write(tmp_path / "bom.csv", f"\ufefftitle,abstract\nOne,{ABSTRACT}\n".encode())
    result = read_corpus([path])
    assert [paper.title for paper in result.papers] == ["One"] and result.problems == []


def test_truncated_last_json_line_keeps_the_good_lines(tmp_path):
    lines = [json.dumps({"title": f"Paper {i}", "abstract": ABSTRACT}) for i in range(3)]
    path = write(tmp_path / "a.jsonl", "\n".join(lines) + '\n{"title": "Paper Gam')
    result = read_corpus([path])
    assert len(result.papers) == 3
    problem = only_problem(result, path)
    assert problem.position == "line 4" and problem.message.startswith("not valid JSON")
    assert str(problem).startswith(f"{source_label(path)}:line 4: not valid JSON (")


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"title": "No Abstract"}, "entry has no abstract; skipped"),
        ({"title": "Blank", "abstract": "  \n "}, "entry has no abstract; skipped"),
        ({"abstract": ABSTRACT}, "entry has no title; skipped"),
        ({"title": ["not", "text"], "abstract": ABSTRACT}, "entry has no title; skipped"),
    ],
)
def test_entries_without_title_or_abstract_are_skipped(tmp_path, record, message):
    path = write(
        tmp_path / "a.json", json.dumps([{"title": "Good", "abstract": ABSTRACT}, record, 7])
    )
    result = read_corpus([path])
    assert [paper.title for paper in result.papers] == ["Good"]
    assert [(p.position, p.message) for p in result.problems] == [
        ("entry 2", message),
        ("entry 3", "not a JSON object; skipped"),
    ]


def test_csv_without_abstract_column_names_the_columns(tmp_path):
    path = write(tmp_path / "a.csv", "Title,Body\nOne,Text\n")
    problem = only_problem(read_corpus([path]), path)
    assert problem.position == "line 1"
    assert "'title', 'body'" in problem.message and "abstract" in problem.message


def test_deeply_nested_and_huge_json_are_problems_not_crashes(tmp_path):
    good = json.dumps({"title": "Good", "abstract": ABSTRACT})
    path = write(
        tmp_path / "a.jsonl", "\n".join([good, "[" * 100_000, "1" * 10_000, '{"title": 1}']) + "\n"
    )
    result = read_corpus([path])
    assert [paper.title for paper in result.papers] == ["Good"]
    assert [(p.position, p.message[:14]) for p in result.problems] == [
        ("line 2", "not valid JSON"),
        ("line 3", "not valid JSON"),
        ("line 4", "entry has no a"),
    ]
    whole = write(tmp_path / "deep.json", "[" * 100_000)
    assert "not valid JSON" in only_problem(read_corpus([whole]), whole).message


@pytest.mark.parametrize("name", ["x.txt", "x.jsonl", "x.json", "x.csv", "x.bib"])
def test_random_bytes_never_crash(tmp_path, name):
    rng = random.Random(name)
    noise = bytes(rng.randrange(256) for _ in range(20_000))
    for content in (
        noise,
        noise.replace(b"\0", b""),
        noise.replace(b"\0", b"").replace(b"\n", b""),
    ):
        path = write(tmp_path / name, content)
        result = read_corpus([path])
        assert result.problems and all(
            problem.path == source_label(path) for problem in result.problems
        )


def test_strict_raises_listing_every_problem(tmp_path):
    path = write(
        tmp_path / "a.jsonl",
        '{"title": "No abstract"}\n{"broken\n' + json.dumps({"title": "Ok", "abstract": ABSTRACT}),
    )
    missing = tmp_path / "missing.csv"
    with pytest.raises(CorpusError) as raised:
        read_corpus([path, missing], strict=True)
    lines = str(raised.value).splitlines()
    assert lines[1:] == [
        f"{source_label(path)}:line 1: entry has no abstract; skipped",
        f"{source_label(path)}:line 2: not valid JSON "
        "(Unterminated string starting at: column 2); skipped",
        f"{source_label(missing)}: no such file or folder",
    ]
    assert read_corpus([tmp_path / "a.jsonl"], strict=False).papers


def test_jsonl_is_streamed_not_loaded_whole(tmp_path):
    record = json.dumps({"title": "T", "abstract": "word " * 200})
    path = write(
        tmp_path / "big.jsonl", "\n".join(record.replace('"T"', f'"T{i}"') for i in range(12_000))
    )
    assert path.stat().st_size > 12_000_000
    tracemalloc.start()
    try:
        count = sum(1 for item in iter_file(path) if isinstance(item, Paper))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 12_000
    assert peak < 2_000_000
