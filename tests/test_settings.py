"""Settings derived from the machine."""

from __future__ import annotations

import os

import pytest

from assistant.config import Settings


@pytest.mark.parametrize(("cores", "generation"), [(1, 1), (2, 1), (4, 3), (16, 15)])
def test_generation_leaves_a_core_for_the_rest_of_the_machine(monkeypatch, cores, generation):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    settings = Settings(threads=0)
    assert settings.generation_threads == generation
    assert settings.cpu_threads == cores  # the embedder (ingest, one query) uses them all


def test_a_thread_count_set_by_the_user_is_used_everywhere():
    settings = Settings(threads=2)
    assert settings.generation_threads == settings.cpu_threads == 2


@pytest.mark.parametrize(
    ("cached", "prompt", "fresh"),
    [
        ([], [1, 2, 3], 3),  # nothing cached: the whole prompt
        ([1, 2, 3, 9, 9], [1, 2, 3, 4, 5], 2),  # the shared system prefix is not evaluated
        ([1, 2, 3], [1, 2, 3], 1),  # llama.cpp re-evaluates the last token at least
        ([7, 2, 3], [1, 2, 3], 3),  # a prefix must start at the first token
    ],
)
def test_fresh_prompt_tokens_are_those_past_the_cached_prefix(cached, prompt, fresh):
    from assistant.models.local import _fresh

    assert _fresh(cached, prompt) == fresh
