"""References out: BibTeX, RIS and CSL-JSON from stored records, and `assistant cite`."""

from __future__ import annotations

import hashlib
import json
import re

import bibtexparser
import pytest
import rispy

import assistant.answer.engine
import assistant.index.store
from assistant.answer.engine import Engine
from assistant.cli import cite_text, main
from assistant.corpus.reading import read_corpus
from assistant.errors import AssistantError
from assistant.index.chunking import paper_metadata
from assistant.index.ingest import ingest
from assistant.records import Paper, SourceRef, paper_id_for
from assistant.references import (
    FORMATS,
    reference_fields,
    reference_list,
    render,
    split_name,
    to_bibtex,
    to_csl_json,
    to_ris,
)
from assistant.retrieval.hybrid import HybridSearch
from tests.corpora import ZEBRA_PAPERS, write_daily
from tests.fakes import FakeChatModel

# bibtexparser 1.4 calls pyparsing by its old names; pyparsing 3.3 warns on each call.
pytestmark = pytest.mark.filterwarnings("ignore::pyparsing.warnings.PyparsingDeprecationWarning")

KEY = re.compile(r"[a-z0-9]+_[0-9a-f]{4}")


def metadata(title: str, **fields) -> dict[str, str]:
    """What the index stores for a paper with these fields (as paper_metadata writes it)."""
    paper = Paper(
        title=title,
        abstract="An abstract.",
        sources=[SourceRef("data/corpus.jsonl", "line 1")],
        **fields,
    )
    return paper_metadata(paper)


# (record, what its reference must hold): with and without year, authors, arXiv id and url.
CASES = {
    "arxiv": (
        metadata(
            "Calculation of Prompt Diphoton Production at the LHC",
            authors=["C. Balázs", "E. L. Berger", "C. -P. Yuan Jr"],
            date="2007-04-02",
            arxiv_id="0704.0001",
            url="https://arxiv.org/abs/0704.0001",
        ),
        {"year": 2007, "families": ["Balázs", "Berger", "Yuan"], "key": "balazs2007"},
    ),
    "daily-papers": (
        metadata("SegPrompt: Boosting Open-world Segmentation", date="Oct 9"),
        {"year": None, "families": [], "key": "segpromptoct9"},
    ),
    "doi-url-year-only": (
        metadata(
            "The Art of Things",
            authors=["Ludwig van Beethoven"],
            date="2021",
            url="https://doi.org/10.1103/PhysRevD.76.013009",
        ),
        {"year": 2021, "families": ["van Beethoven"], "key": "vanbeethoven2021"},
    ),
    "written-date-url": (
        metadata("Zero-Shot Things", date="October 9, 2024", url="https://x.org/p?a=1_2%3F"),
        {"year": 2024, "families": [], "key": "zeroshot2024"},
    ),
    "title-only": (
        metadata("A Title, Nothing Else"),
        {"year": None, "families": [], "key": "titlend"},
    ),
    "authors-no-date": (
        metadata("Team Work", authors=["Research and Development Team", "Ann Bo"]),
        {"year": None, "families": ["Research and Development Team", "Bo"], "key": "research"},
    ),
}

# The inverse of the LaTeX escaping, written out here on its own; braces that protect case go.
LATEX_TEXT = {
    r"\textbackslash{}": "\\",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textasciicircum{}": "^",
    r"\textasciitilde{}": "~",
    r"\%": "%",
    r"\&": "&",
    r"\$": "$",
    r"\#": "#",
    r"\_": "_",
}
LATEX = re.compile("|".join(map(re.escape, LATEX_TEXT)) + "|[{}]")


def latex_to_text(value: str) -> str:
    return LATEX.sub(lambda match: LATEX_TEXT.get(match.group(), ""), value)


def parse_bibtex(text: str) -> list[dict[str, str]]:
    parser = bibtexparser.bparser.BibTexParser(common_strings=False)
    parser.ignore_nonstandard_types = False
    entries = bibtexparser.loads(text, parser).entries
    by_key = {entry["ID"]: entry for entry in entries}
    return [by_key[key] for key in re.findall(r"^@misc\{([^,]+),", text, re.MULTILINE)]


@pytest.mark.parametrize("case", CASES)
def test_reference_fields_hold_only_what_the_record_holds(case):
    record, expected = CASES[case]
    fields = reference_fields(record)
    assert fields["title"] == record["title"]
    assert fields["paper_id"] == record["paper_id"]
    assert KEY.fullmatch(fields["key"]) and fields["key"].startswith(expected["key"])
    assert fields.get("year") == expected["year"]
    assert fields.get("date") == record.get("date")
    assert fields.get("authors", []) == json.loads(record["authors"])
    assert fields.get("arxiv_id") == record.get("arxiv_id")
    assert fields.get("url") == record.get("url")
    assert fields["sources"] == ["data/corpus.jsonl"]
    is_doi_link = (record.get("url") or "").startswith("https://doi.org/")
    assert ("doi" in fields) == is_doi_link
    assert None not in fields.values() and [] not in fields.values() and "" not in fields.values()


@pytest.mark.parametrize("case", CASES)
def test_bibtex_parses_back_with_the_same_title_key_and_fields(case):
    record, expected = CASES[case]
    fields = reference_fields(record)
    (entry,) = parse_bibtex(to_bibtex([record]))
    assert entry["ID"] == fields["key"] and entry["ENTRYTYPE"] == "misc"
    assert latex_to_text(entry["title"]) == record["title"]
    assert entry.get("year") == (str(expected["year"]) if expected["year"] else None)
    assert ("author" in entry) == bool(expected["families"])
    assert entry.get("eprint") == record.get("arxiv_id")
    assert ("archiveprefix" in entry) == ("arxiv_id" in record)
    assert entry.get("url") == record.get("url")
    assert entry.get("doi") == fields.get("doi")
    allowed = {"ID", "ENTRYTYPE", "title", "author", "year", "date", "eprint", "archiveprefix"}
    assert set(entry) <= allowed | {"url", "doi"}


@pytest.mark.parametrize("case", CASES)
def test_ris_round_trips_through_rispy(case):
    record, expected = CASES[case]
    fields = reference_fields(record)
    (entry,) = rispy.loads(to_ris([record]))
    assert (entry["type_of_reference"], entry["id"]) == ("GEN", fields["key"])
    assert entry["title"] == record["title"]
    assert [name.split(",")[0] for name in entry.get("authors", [])] == expected["families"]
    assert entry.get("year") == (str(expected["year"]) if expected["year"] else None)
    assert entry.get("urls") == ([record["url"]] if "url" in record else None)
    assert entry.get("doi") == fields.get("doi")
    assert entry.get("accession_number") == (
        f"arXiv:{record['arxiv_id']}" if "arxiv_id" in record else None
    )


@pytest.mark.parametrize("case", CASES)
def test_csl_json_items_have_the_required_keys(case):
    record, expected = CASES[case]
    (item,) = json.loads(render([record], "csl-json"))
    assert {"id", "type", "title"} <= set(item)
    assert item["id"] == reference_fields(record)["key"]
    assert item["title"] == record["title"]
    assert item["type"] == ("article" if "arxiv_id" in record else "document")
    families = [name.get("family", name.get("literal")) for name in item.get("author", [])]
    assert families == expected["families"]
    issued = item.get("issued", {})
    if expected["year"]:
        assert issued["date-parts"][0][0] == expected["year"]
    else:
        assert "date-parts" not in issued
    assert item.get("URL") == record.get("url")
    assert set(item) <= {"id", "type", "title", "author", "issued", "number", "publisher"} | {
        "URL",
        "DOI",
    }


def test_a_record_with_only_a_title_gives_only_a_title():
    record = CASES["title-only"][0]
    assert set(reference_fields(record)) == {"key", "paper_id", "title", "sources"}
    assert to_bibtex([record]).count(" = ") == 1
    assert [line[:2] for line in to_ris([record]).splitlines()] == ["TY", "ID", "TI", "ER"]
    assert set(to_csl_json([record])[0]) == {"id", "type", "title"}


def test_daily_papers_dates_have_no_year_anywhere():
    record = CASES["daily-papers"][0]
    assert "year" not in reference_fields(record)
    (entry,) = parse_bibtex(to_bibtex([record]))
    assert "year" not in entry and "date" not in entry
    (ris,) = rispy.loads(to_ris([record]))
    assert "year" not in ris and ris["date"] == "///Oct 9"  # RIS: YYYY/MM/DD/other
    assert to_csl_json([record])[0]["issued"] == {"literal": "Oct 9"}


def test_special_characters_are_escaped_and_come_back():
    title = r"50% of {odd} C# & $x_1^2$ ~ \alpha: ZebraNet vs. LHC}"
    record = metadata(title, authors=["Ann O'Neil_Smith", "Bo {Braces} Zhu"])
    text = to_bibtex([record])
    (entry,) = parse_bibtex(text)
    assert latex_to_text(entry["title"]) == title
    assert "{ZebraNet}" in entry["title"] and "{LHC\\textbraceright{}}" in entry["title"]
    names = [latex_to_text(name) for name in entry["author"].split(" and ")]
    assert names == ["Ann O'Neil_Smith", "Bo {Braces} Zhu"]
    title_line = next(line for line in text.splitlines() if "title =" in line)
    assert title_line.count("{") == title_line.count("}")  # BibTeX counts every brace
    (ris,) = rispy.loads(to_ris([record]))
    assert ris["title"] == title
    assert to_csl_json([record])[0]["title"] == title


def test_keys_are_unique_for_the_same_first_author_and_date():
    first = metadata("One Study", authors=["Ann Smith"], date="2020-01-02")
    second = metadata("Another Study", authors=["Ann Smith", "Bo Li"], date="2020-01-02")
    references = reference_list([first, second, first])  # a paper given twice is one reference
    keys = [fields["key"] for fields in references]
    assert len(keys) == 2 and len(set(keys)) == 2
    assert all(KEY.fullmatch(key) and key.startswith("smith2020_") for key in keys)
    assert keys == [entry["ID"] for entry in parse_bibtex(to_bibtex([first, second]))]
    assert keys == [entry["id"] for entry in rispy.loads(to_ris([first, second]))]
    assert keys == [item["id"] for item in to_csl_json([first, second])]
    assert reference_fields(first)["key"] == keys[0]  # stable: the same paper, the same key


def test_keys_that_would_collide_get_a_longer_hash():
    seen: dict[str, str] = {}
    for number in range(100_000):
        title = f"Paper {number}"
        short = hashlib.sha256(paper_id_for(title).encode()).hexdigest()[:4]
        if short in seen:
            break
        seen[short] = title
    records = [metadata(seen[short], authors=["Ann Smith"]), metadata(title, authors=["Ann Smith"])]
    keys = [fields["key"] for fields in reference_list(records)]
    assert len(set(keys)) == 2
    assert all(re.fullmatch(r"smithnd_[0-9a-f]{8}", key) for key in keys)


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("C. -P. Yuan Jr", ("C. -P.", "Yuan", "Jr")),
        ("Ludwig van Beethoven", ("Ludwig", "van Beethoven", "")),
        ("Smith, Ann", ("Ann", "Smith", "")),
        ("Plato", ("", "Plato", "")),
        ("Research and Development Team", ("", "Research and Development Team", "")),
    ],
)
def test_names_split_into_given_family_and_suffix(name, parts):
    assert split_name(name) == parts


def test_arxiv_records_are_cited_by_their_first_versions_date(tmp_path):
    record = {
        "id": "0704.0001",
        "title": "Calculation of prompt diphoton production cross sections",
        "abstract": "A fully differential calculation in perturbative QCD is presented.",
        "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""]],
        "versions": [
            {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
            {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"},
        ],
        "update_date": "2008-11-13",
    }
    path = tmp_path / "arxiv.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (paper,) = read_corpus([path]).papers
    fields = reference_fields(paper_metadata(paper))
    assert (fields["date"], fields["year"]) == ("2007-04-02", 2007)
    assert fields["key"].startswith("balazs2007_")
    (entry,) = parse_bibtex(to_bibtex([paper_metadata(paper)]))
    assert (entry["year"], entry["date"], entry["eprint"]) == ("2007", "2007-04-02", "0704.0001")


# --- The command line -------------------------------------------------------------------------


@pytest.fixture
def zebra_index(tmp_path, settings, fake_index, monkeypatch):
    """ZEBRA_PAPERS in the fake index, which `open_index` hands to the commands."""
    ingest(
        [write_daily(tmp_path / "a.txt", ZEBRA_PAPERS)], settings, index=fake_index, progress=False
    )
    monkeypatch.setattr(assistant.index.store, "open_index", lambda *args, **kwargs: fake_index)
    return fake_index


def test_cite_text_gives_every_format_in_the_order_asked(zebra_index):
    titles = list(ZEBRA_PAPERS)[:2][::-1]
    ids = [paper_id_for(title) for title in titles]
    entries = parse_bibtex(cite_text(zebra_index, ids, "bibtex"))
    assert [latex_to_text(entry["title"]) for entry in entries] == titles
    assert [entry["title"] for entry in rispy.loads(cite_text(zebra_index, ids, "ris"))] == titles
    items = json.loads(cite_text(zebra_index, ids, "csl-json"))
    assert [item["title"] for item in items] == titles
    assert all("year" not in entry for entry in entries)  # the listing says "Oct 9"
    with pytest.raises(AssistantError, match="0123456789abcdef"):
        cite_text(zebra_index, [*ids, "0123456789abcdef"], "bibtex")


@pytest.mark.parametrize("fmt", FORMATS)
def test_cite_command_prints_references(zebra_index, settings, capsys, fmt):
    ids = [paper_id_for(title) for title in ZEBRA_PAPERS]
    assert main(["--index", str(settings.vectorstore_dir), "cite", *ids, "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert out == cite_text(zebra_index, ids, fmt)
    keys = [fields["key"] for fields in reference_list(zebra_index.papers(ids).values())]
    assert len(keys) == 3 and all(key in out for key in keys)


def test_cite_command_names_unknown_ids(zebra_index, capsys):
    known = paper_id_for(next(iter(ZEBRA_PAPERS)))
    assert main(["cite", known, "feedfacefeedface", "0000000000000000"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "feedfacefeedface, 0000000000000000" in captured.err and known not in captured.err


@pytest.fixture
def fake_engine(zebra_index, settings, monkeypatch):
    """`assistant ask` answers with a fake model over the zebra index."""

    def build(reply: str) -> None:
        model = FakeChatModel([reply])
        engine_settings = settings.model_copy(
            update={"min_similarity": 0.2, "similarity_margin": 1.0}
        )
        search = HybridSearch(zebra_index, engine_settings)
        engine = Engine(engine_settings, zebra_index, search, lambda: model)
        monkeypatch.setattr(assistant.answer.engine, "build_engine", lambda _settings: engine)

    return build


QUESTION = "How much does ZebraNet improve zebra stripe mask accuracy?"
REPLY = "ZebraNet improves mask accuracy by 7.5 points [1]."


def test_ask_json_carries_the_cited_papers_fields(fake_engine, capsys):
    fake_engine(REPLY)
    assert main(["ask", "--json", QUESTION]) == 0
    line = json.loads(capsys.readouterr().out)
    cited = [citation["paper_id"] for citation in line["citations"]]
    assert cited and [reference["paper_id"] for reference in line["references"]] == cited
    (reference,) = line["references"]
    assert reference["title"] == "ZebraNet: Segmenting Zebra Stripes"
    assert reference["date"] == "Oct 9" and "year" not in reference
    assert KEY.fullmatch(reference["key"])


def test_ask_cite_prints_the_references_after_the_answer(fake_engine, capsys):
    fake_engine(REPLY)
    assert main(["ask", "--cite", "bibtex", QUESTION]) == 0
    out = capsys.readouterr().out
    answer, _, bibtex = out.partition("@misc{")
    assert "7.5 points [1]" in answer
    (entry,) = parse_bibtex("@misc{" + bibtex)
    assert latex_to_text(entry["title"]) == "ZebraNet: Segmenting Zebra Stripes"


def test_ask_json_and_cite_do_not_mix(capsys):
    with pytest.raises(SystemExit):
        main(["ask", "--json", "--cite", "ris", "q"])
    assert "not allowed with" in capsys.readouterr().err


# --- The library: papers list / show ----------------------------------------------------------


def test_papers_list_shows_every_paper_and_filters(zebra_index, capsys):
    assert main(["papers", "list", "--json"]) == 0
    papers = json.loads(capsys.readouterr().out)["papers"]
    assert [paper["title"] for paper in papers] == sorted(ZEBRA_PAPERS, key=str.lower)
    zebra = next(paper for paper in papers if paper["title"].startswith("ZebraNet"))
    assert zebra["paper_id"] == paper_id_for(zebra["title"])
    assert len(zebra["sources"]) == 1 and zebra["sources"][0].endswith("a.txt")
    assert main(["papers", "list", "--json", "--query", "SAVANNA wildlife"]) == 0
    found = json.loads(capsys.readouterr().out)["papers"]
    assert [paper["title"] for paper in found] == ["Counting Savanna Wildlife from Drones"]
    assert main(["papers", "list", "--json", "--source", "no-such-file"]) == 0
    assert json.loads(capsys.readouterr().out)["papers"] == []


def test_papers_show_prints_the_record_and_abstract(zebra_index, capsys):
    title = "ZebraNet: Segmenting Zebra Stripes"
    assert main(["papers", "show", paper_id_for(title).upper()]) == 0
    out = capsys.readouterr().out
    assert out.startswith(title + "\n") and ZEBRA_PAPERS[title] in out
    assert main(["papers", "show", "feedfacefeedface"]) == 1
    assert "feedfacefeedface" in capsys.readouterr().err
