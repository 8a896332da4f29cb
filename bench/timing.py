"""Timing: medians over repeated runs after a warm-up, several contenders measured side by side."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def seconds(action: Callable[[], object]) -> tuple[float, object]:
    """How long one call takes, and what it returned."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def rounds(contenders: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Seconds of each contender in each of `runs` rounds, after one warm-up round. Every round runs each
    contender once, in turn, so a change in the machine's load hits all of them alike."""
    timings: dict[str, list[float]] = {name: [] for name in contenders}
    for round_number in range(runs + 1):
        for name, action in contenders.items():
            elapsed, _ = seconds(action)
            if round_number:  # round 0 warms caches and code paths up
                timings[name].append(elapsed)
    return timings


def median_seconds(action: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median seconds of `runs` calls after a warm-up call, and what the last call returned."""
    results = []
    timings = rounds({"only": lambda: results.append(action())}, runs)["only"]
    return statistics.median(timings), results[-1]
