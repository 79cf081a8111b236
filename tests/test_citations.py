"""Citation markers: parsed, invented ids dropped, renumbered by first use, streamed safely."""

from __future__ import annotations

import pytest

from assistant.answer.citations import CitationRewriter, is_bare_citation


def rewrite(text: str, given: set[int], pieces: int = 1) -> tuple[str, list[int]]:
    rewriter = CitationRewriter(given)
    size = max(1, len(text) // pieces)
    out = "".join(rewriter.feed(text[i : i + size]) for i in range(0, len(text), size))
    out += rewriter.finish()
    assert out == rewriter.text
    return out, rewriter.order


def test_renumbers_by_first_use():
    assert rewrite("A [3]. B [1]. C [3].", {1, 2, 3}) == ("A [1]. B [2]. C [1].", [3, 1])


def test_drops_invented_ids():
    assert rewrite("A [7]. B [2].", {1, 2}) == ("A. B [1].", [2])


@pytest.mark.parametrize(
    "marker", ["[1, 2]", "[1][2]", "[Source 1, Source 2]", "[S1; S2]", "[1 and 2]"]
)
def test_understands_the_forms_small_models_use(marker):
    assert rewrite(f"Claim {marker}.", {1, 2})[0] in ("Claim [1][2].", "Claim [1] [2].")


@pytest.mark.parametrize("pieces", [1, 3, 7, 40])
def test_markers_split_across_stream_pieces(pieces):
    text = "SegPrompt improves AR by 6.1% [2]; the benchmark is new [1] [9]."
    assert rewrite(text, {1, 2}, pieces) == (
        "SegPrompt improves AR by 6.1% [1]; the benchmark is new [2].",
        [2, 1],
    )


def test_plain_brackets_are_left_alone():
    assert rewrite("Use the [MASK] token and [unclosed text", {1})[0] == (
        "Use the [MASK] token and [unclosed text"
    )


@pytest.mark.parametrize("text", ["[1]", " [1]. ", "Source [1].", "[1][2]"])
def test_bare_citations(text):
    assert is_bare_citation(text)


def test_an_answer_is_not_bare():
    assert not is_bare_citation("It improves AR by 6.1% [1].")
