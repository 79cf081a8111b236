"""Benchmarks behind `assistant bench` and BENCHMARKS.md: benchmark code, not the product."""
