"""Photo sizes at the edge of the decode budget."""

from __future__ import annotations

import math

from audit import photos


def under_budget(bytes_per_pixel: int) -> tuple[int, int]:
    """The largest 4:3 photo (within 1 %) whose decode fits DECODE_BUDGET at that cost per pixel."""
    return four_by_three(photos.DECODE_BUDGET / bytes_per_pixel * 0.99)


def four_by_three(pixels: float) -> tuple[int, int]:
    width = int(math.sqrt(pixels * 4 / 3))
    return width, int(width * 3 / 4)
