"""Servers started as child processes on free loopback ports (benchmarks and tests)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    """Until ``url`` answers 200; fails with the server's log if it exits or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout} s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def running(command: list[str], url: str, log: Path, env: dict | None = None) -> Iterator[None]:
    """``command`` running until the block ends, once ``url`` answers."""
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
        try:
            wait_for(url, process, log)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[int]:
    """`chroma run` (chromadb's own server) on a free port; yields the port."""
    port = free_port()
    path.mkdir(parents=True, exist_ok=True)
    command = [str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    with running([*command, "--port", str(port)], url, path.parent / f"{path.name}.log"):
        yield port
