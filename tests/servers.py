"""Servers the integration tests start themselves, on free loopback ports."""

from paper_bench.processes import BIN, chroma_server, free_port, running

__all__ = ["BIN", "chroma_server", "free_port", "running"]
