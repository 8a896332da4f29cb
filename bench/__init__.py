"""Benchmarks: run with `python -m bench.<name>`; they measure, tests don't."""
