"""Metadata questions answered from the paper's record: which fields a question asks for,
and the sentences written from the record (a missing field is said to be missing)."""

from __future__ import annotations

import json

import pytest

from assistant.answer.metadata import asked_fields, metadata_answer
from assistant.retrieval.hybrid import PaperHit

SEGPROMPT = "SegPrompt: Boosting Open-World Segmentation via Category-level Prompt Learning"


@pytest.mark.parametrize(
    ("question", "fields"),
    [
        ("When was SegPrompt published?", ["date"]),
        ("what year did the spin paper come out", ["date"]),
        ("When was RemoteCLIP relased?", ["date"]),  # typo
        ("SegPrompt was publised when?", ["date"]),  # typo
        ("What is the publication date of SegPrompt?", ["date"]),
        ("When is the SegPrompt paper from?", ["date"]),
        ("how old is the spin paper?", ["date"]),
        ("date on the google self-supervised item recommendations paper?", ["date"]),
        ("LG-ANNA-Embedding report, what day was it posted in the digest?", ["date"]),
        ("Was SegPrompt published in 2023?", ["date"]),
        ("who wrote attention is all you need?", ["authors"]),
        ("Who are the authors of SegPrompt?", ["authors"]),
        ("Who's the author of RemoteCLIP?", ["authors"]),
        ("author of attention is all you need", ["authors"]),
        ("List the autors of the SPIN paper.", ["authors"]),  # typo
        ("Who are SegPrompt's authors?", ["authors"]),
        ("Who is the RemoteCLIP paper by?", ["authors"]),
        ("what's the arxiv id of the spin paper", ["arxiv_id"]),
        ("ArXiv number of SegPrompt?", ["arxiv_id"]),
        ("Is SPIN on arXiv?", ["arxiv_id"]),
        ("arxiv link for SegPrompt", ["arxiv_id", "url"]),
        ("Give me the link to the RemoteCLIP paper", ["url"]),
        ("where can i read the SegPrompt paper?", ["url"]),
        ("What's the URL of SegPrompt?", ["url"]),
        ("where does the RemoteCLIP paper come from (which file)?", ["source"]),
        ("Which file is SegPrompt in?", ["source"]),
        ("What is the source file of SPIN?", ["source"]),
        ("Who wrote SegPrompt and when was it published?", ["date", "authors"]),
        ("which daily papers file contains 'The Best Instruction-Tuning Data'?", ["source"]),
        ("jumpstarting surgical computer vision - date in the collection?", ["date"]),
        ("which daily list had LLMTune?", ["date"]),
        ("ASFT paper: which of the two lists is it on?", ["date"]),
        ("github link for the CLEAR paper + which list(s) it shows up in?", ["date", "url"]),
        ("link to the deep ignorance paper + which list is it in?", ["date", "url"]),
        ("the okapi one, got a github link?", ["url"]),
        ("got a link to the okapi code/resources?", ["url"]),
        (
            "give me the link to the medprompt paper + the date it showed up in the feed",
            ["date", "url"],
        ),
        ("rad-dino - which of the two daily files is it in?", ["date"]),
        # Not metadata: facts about the work, or words that only look like the cues.
        ("When does SegPrompt fail?", []),
        ("When is debate helpful for weak supervision?", []),
        ("who benefits from weak-to-strong generalization?", []),
        ("what data did the authors use?", []),
        ("What do the authors of SegPrompt claim?", []),
        ("What did SegPrompt's authors find?", []),
        ("Who is helped by the authors' method?", []),
        ("Who is the student model supervised by?", []),
        ("Who proposed SPIN?", []),  # a lookup: which paper
        ("Is there a link between debate and weak-to-strong generalization?", []),
        ("Which paper links images to text?", []),
        ("Does the model take a URL as input?", []),
        ("Where does the improvement of SegPrompt come from?", []),
        ("What is the source of SPIN's gains?", []),
        ("Is the RemoteCLIP code open source?", []),
        ("What file format does the loader read?", []),
        ("which image file types does the loader read?", []),
        ("which papers list results on GSM8K?", []),
        ("how does the date in the prompt change answers?", []),
        ("How many papers were published on segmentation?", []),
        ("Which models were released by OpenAI?", []),
        ("What public datasets does RemoteCLIP use?", []),
        ("Which papers on arXiv study segmentation?", []),
        ("How is the model trained when labels are noisy?", []),
        ("what list of baselines did they use?", []),
        ("link prediction on graphs: which paper?", []),
        ("what was the date it was trained up to?", []),
        ("which of the two models is better?", []),
        ("does the model read code links?", []),
        ("which paper links code to docs?", []),
        ("which of the two image files does the model see first?", []),
        ("what is the effect of the date on the model?", []),
    ],
)
def test_asked_fields(question, fields):
    assert asked_fields(question) == fields


def hit(title: str = SEGPROMPT, **metadata: str) -> PaperHit:
    record = {"title": title, "sources": '["data/daily_papers_oct09.txt:line 12"]'}
    record["authors"] = "[]"
    return PaperHit("id", title, 0.1, metadata={**record, **metadata})


@pytest.mark.parametrize(
    ("record", "fields", "answer"),
    [
        ({"date": "Oct 9"}, ["date"],
         f'"{SEGPROMPT}" is dated Oct 9 in the collection (no year is recorded).'),
        ({"date": "2023-10-09"}, ["date"], f'"{SEGPROMPT}" is dated 2023-10-09 in the collection.'),
        ({}, ["date"], f'The record of "{SEGPROMPT}" has no date.'),
        ({}, ["authors"], f'"{SEGPROMPT}" lists no authors in its record.'),
        ({"authors": json.dumps(["Muzhi Zhu", "Hengtao Li", "Hao Chen"])}, ["authors"],
         f'"{SEGPROMPT}" is by Muzhi Zhu, Hengtao Li and Hao Chen.'),
        ({"authors": '["Ada Lovelace"]'}, ["authors"], f'"{SEGPROMPT}" is by Ada Lovelace.'),
        ({}, ["arxiv_id"], f'The record of "{SEGPROMPT}" has no arXiv id.'),
        ({"arxiv_id": "2308.06531"}, ["arxiv_id"],
         f'The arXiv id of "{SEGPROMPT}" is 2308.06531.'),
        ({}, ["url"], f'The record of "{SEGPROMPT}" has no link.'),
        ({"url": "https://arxiv.org/abs/2308.06531"}, ["url"],
         f'The link recorded for "{SEGPROMPT}" is https://arxiv.org/abs/2308.06531.'),
        ({}, ["source"], f'"{SEGPROMPT}" was read from data/daily_papers_oct09.txt (line 12).'),
        ({"sources": '["a.jsonl:line 3", "b.bib:entry 2"]'}, ["source"],
         f'"{SEGPROMPT}" was read from a.jsonl (line 3) and b.bib (entry 2).'),
        ({"sources": "[]"}, ["source"], f'The record of "{SEGPROMPT}" names no source file.'),
        # A paper listed in two files keeps one record: both files are named.
        ({"date": "Mar 14", "sources": '["d/daily_mar14.txt:line 3", "d/daily_oct09.txt:line 9"]'},
         ["date"], f'"{SEGPROMPT}" is dated Mar 14 in the collection (no year is recorded). '
         "It is listed in daily_mar14.txt and daily_oct09.txt."),
        ({"date": "Oct 9"}, ["date", "authors"],
         f'"{SEGPROMPT}" is dated Oct 9 in the collection (no year is recorded). '
         f'"{SEGPROMPT}" lists no authors in its record.'),
        ({}, [], ""),
    ],
)  # fmt: skip
def test_metadata_answer_states_only_what_the_record_holds(record, fields, answer):
    assert metadata_answer(hit(**record), fields) == answer


def test_a_link_the_record_lacks_is_read_from_where_the_abstract_releases_the_code():
    abstract = (
        "We release code at https://github.com/nlp-uoregon/Okapi. Data: "
        "https://huggingface.co/datasets/x/y and https://github.com/nlp-uoregon/Okapi."
    )
    assert metadata_answer(hit(), ["url"], abstract) == (
        f'The record of "{SEGPROMPT}" has no link; its abstract gives '
        "https://github.com/nlp-uoregon/Okapi and https://huggingface.co/datasets/x/y."
    )
    # A recorded link comes first; an abstract without a release link adds nothing.
    recorded = hit(url="https://arxiv.org/abs/1")
    assert metadata_answer(recorded, ["url"], abstract).endswith("is https://arxiv.org/abs/1.")
    no_link = "See our site for details."
    assert metadata_answer(hit(), ["url"], no_link) == f'The record of "{SEGPROMPT}" has no link.'


def test_metadata_answer_quotes_the_title_exactly_and_refuses_unknown_fields():
    title = 'Attention Is All You Need: "Transformers" & more'
    assert metadata_answer(hit(title), ["authors"]).startswith(f'"{title}" lists no')
    with pytest.raises(ValueError, match="venue"):
        metadata_answer(hit(), ["venue"])
