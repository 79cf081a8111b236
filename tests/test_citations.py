"""Citation markers stripped in every form small models use; sentences cut whole while
streaming; numbers given by first use."""

from __future__ import annotations

import pytest

from assistant.answer.citations import Numbering, SentenceStream, strip_markers


@pytest.mark.parametrize(
    "marker", ["[1]", "[1, 2]", "[1][2]", "[Source 1, Source 2]", "[S1; S2]", "[1 and 2]"]
)
def test_strips_the_forms_small_models_use(marker):
    assert strip_markers(f"Claim {marker}.") == "Claim."


def test_plain_brackets_are_left_alone():
    text = "Use the [MASK] token and [unclosed text"
    assert strip_markers(text) == text


@pytest.mark.parametrize("pieces", [1, 3, 7, 40])
def test_sentences_come_whole_however_the_stream_is_cut(pieces):
    text = "SegPrompt improves AR by 6.1% [2]. The benchmark is new.\nIt has 3 splits."
    stream = SentenceStream()
    size = max(1, len(text) // pieces)
    sentences = [s for i in range(0, len(text), size) for s in stream.feed(text[i : i + size])]
    assert [*sentences, *stream.finish()] == [
        "SegPrompt improves AR by 6.1% [2].",
        "The benchmark is new.",
        "It has 3 splits.",
    ]


def test_numbers_follow_first_use():
    numbering = Numbering()
    assert numbering.mark([3]) == "[1]"
    assert numbering.mark([1, 3]) == "[1][2]"
    assert numbering.mark([3]) == "[1]" and numbering.order == [3, 1]
