"""What every stage of the demo generator shares: its errors and summary, the bulk insert, drawing in
proportions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from audit.errors import UserFacingError

Progress = Callable[[float, str], None]
LINE_CHUNK_AUDITS = 40_000  # ≈ 1 million lines per chunk: bounded memory, few round trips
STREAMS = ("master", "stores", "audits", "lines", "competitors", "photos", "plans")  # append only
NO_TEXT = np.array(None, dtype=object)  # np.where's NULL for a text column


class DemoError(UserFacingError):
    """Demo data cannot be generated here."""


@dataclass(frozen=True)
class DemoSummary:
    stores: int
    audits: int
    lines: int
    photos: int
    users: int

    def __str__(self) -> str:
        return (
            f"Demo data: {self.stores:,} stores, {self.audits:,} audits, {self.lines:,} SKU lines, "
            f"{self.photos:,} photos, {self.users:,} users"
        )


def _quota(rng: np.random.Generator, n: int, weights: Sequence[float]) -> np.ndarray:
    """n category indices in exactly the given proportions (largest remainder), in random order:
    a small demo still shows the intended shares."""
    exact = np.asarray(weights, dtype=float) * n
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(counts - exact, kind="stable")[: n - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.arange(len(counts)), counts))


T = TypeVar("T")


def _pick(rng: np.random.Generator, options: Sequence[T], weights: Sequence[float] | None = None) -> T:
    """One element of a list (rng.choice would turn tuples into arrays and strings into numpy strings)."""
    return options[int(rng.choice(len(options), p=weights))]
