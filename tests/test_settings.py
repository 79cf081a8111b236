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
