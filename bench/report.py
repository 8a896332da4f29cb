"""Writing results down: Markdown tables and a description of the machine that measured them."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3


def machine() -> str:
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("duckdb", "pandas", "numpy", "pillow"))
    return (
        f"{_cpu_model()}, {os.cpu_count()} cores, {_memory_gb():.0f} GB RAM; {platform.system()} "
        f"{platform.release()}; Python {sys.version.split()[0]}; {versions}"
    )


def load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())
