"""Property-based tests of every corpus reader: whatever the bytes, no crash, no damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.config import Settings
from assistant.corpus.reading import EXTENSIONS, FORMATS, iter_file
from assistant.errors import CorpusError
from assistant.index.ingest import ingest
from assistant.index.store import PaperIndex
from assistant.records import Paper, Problem
from tests.corpora import PAPERS, write_daily
from tests.fakes import FakeEmbeddings

FORMAT_EXTENSIONS = [".txt", ".jsonl", ".json", ".csv", ".bib"]  # one per format
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

odd_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=300
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | odd_text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["title", "abstract", "authors", "x"]), children, max_size=4
        )
    ),
    max_leaves=20,
)


def read_all(path: Path) -> list[Paper | Problem]:
    items = list(iter_file(path))
    for item in items:
        assert isinstance(item, Paper | Problem)
        if isinstance(item, Paper):
            assert item.title.strip() and item.abstract.strip()
    return items


@pytest.mark.parametrize("extension", FORMAT_EXTENSIONS)
@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_crash_a_reader(tmp_path, extension, data):
    path = tmp_path / f"random{extension}"
    path.write_bytes(data)
    read_all(path)


@pytest.mark.parametrize("extension", FORMAT_EXTENSIONS)
@FUZZ
@given(text=odd_text, title=odd_text, abstract=odd_text)
def test_odd_unicode_never_crashes_a_reader(tmp_path, extension, text, title, abstract):
    path = tmp_path / f"odd{extension}"
    record = {"title": title, "abstract": abstract}
    bodies = {
        ".txt": f"Oct 9\n\n{title}\n\n{abstract}\n\n{text}\n",
        ".jsonl": json.dumps(record) + "\n" + text + "\n",
        ".json": json.dumps([record, text]),
        ".csv": f'title,abstract\n"{title}","{abstract}"\n{text}\n',
        ".bib": f"@article{{k, title={{{title}}}, abstract={{{abstract}}}}}\n{text}",
    }
    path.write_text(bodies[extension], encoding="utf-8")
    read_all(path)


@FUZZ
@given(records=st.lists(json_values, max_size=5))
def test_arbitrary_json_records_never_crash(tmp_path, records):
    (tmp_path / "any.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (tmp_path / "any.json").write_text(json.dumps(records))
    read_all(tmp_path / "any.jsonl")
    read_all(tmp_path / "any.json")


@pytest.mark.parametrize("depth", [50, 5000, 200_000])
def test_deeply_nested_json_is_a_problem_not_a_crash(tmp_path, depth):
    for extension in (".json", ".jsonl"):
        path = tmp_path / f"deep{extension}"
        path.write_text("[" * depth + "]" * depth + "\n")
        assert all(isinstance(item, Problem) for item in read_all(path))


@pytest.mark.parametrize("extension", FORMAT_EXTENSIONS)
def test_huge_fields_are_read_or_refused(tmp_path, extension):
    title, abstract = "A Paper With a Huge Abstract", "word " * 400_000  # 2 MB
    record = {"title": title, "abstract": abstract}
    bodies = {
        ".txt": f"Oct 9\n\n{title}\n\n{abstract}\n\n",
        ".jsonl": json.dumps(record) + "\n",
        ".json": json.dumps([record]),
        ".csv": f"title,abstract\n{title},{abstract}\n",
        ".bib": f"@article{{k, title={{{title}}}, abstract={{{abstract}}}}}\n",
    }
    path = tmp_path / f"huge{extension}"
    path.write_text(bodies[extension], encoding="utf-8")
    read_all(path)


@FUZZ
@given(data=st.binary(max_size=3000), extension=st.sampled_from(FORMAT_EXTENSIONS))
def test_bad_input_never_damages_the_index(tmp_path_factory, data, extension):
    folder = tmp_path_factory.mktemp("fuzz-index")
    settings = Settings(vectorstore_dir=folder / "vectorstore", ingest_batch_papers=4)
    index = PaperIndex(settings, FakeEmbeddings())
    ingest([write_daily(folder / "good.txt", PAPERS)], settings, index=index, progress=False)
    before = {cid: meta for cid, meta, _ in index.iter_chunks()}
    bad = folder / f"bad{extension}"
    bad.write_bytes(data)
    try:
        ingest([bad], settings, index=index, strict=True, progress=False)
    except CorpusError:
        assert {cid: meta for cid, meta, _ in index.iter_chunks()} == before
    else:  # the bytes happened to hold papers: the old ones are all still there
        after = {cid: meta for cid, meta, _ in index.iter_chunks()}
        assert before.keys() <= after.keys()


def test_every_format_is_fuzzed():
    assert {EXTENSIONS[extension] for extension in FORMAT_EXTENSIONS} == set(FORMATS)
