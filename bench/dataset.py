"""The benchmark data sets: demo data of a given size in a temporary data folder, built in a child
process so the generator's own memory peak does not count against the app's."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 20)  # every benchmark's data is counted from this day: same data on every run
SEED = 42


@dataclass(frozen=True)
class Dataset:
    folder: Path
    stores: int
    weeks: int
    audits: int
    lines: int
    build_seconds: float
    build_peak_mb: float

    @property
    def database(self) -> Path:
        return self.folder / "audit.duckdb"


def use_folder(prefix: str) -> Path:
    """A new temporary data folder, made the process's AUDIT_DATA_DIR (photos go there too)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["AUDIT_DATA_DIR"] = str(folder)
    return folder


def _generate(folder: Path, stores: int, weeks: int, photos: int) -> dict:
    os.environ["AUDIT_DATA_DIR"] = str(folder)
    from audit.db import Database
    from audit.demo import generate_demo

    db = Database(folder / "audit.duckdb")
    summary = generate_demo(db, stores=stores, weeks=weeks, seed=SEED, photos=photos, today=TODAY)
    db.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"audits": summary.audits, "lines": summary.lines, "peak_mb": peak_mb}


def build(stores: int, weeks: int, photos: int = 0) -> Dataset:
    """Demo data for `stores` × `weeks` (and `photos` recent visits with photos) in a new folder, made by a
    fresh interpreter, so its peak memory is the build's alone."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench_{stores}x{weeks}_"))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.dataset", str(folder), str(stores), str(weeks), str(photos)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    built = json.loads(done.stdout.strip().splitlines()[-1])
    return Dataset(
        folder, stores, weeks, built["audits"], built["lines"], time.perf_counter() - started, built["peak_mb"]
    )


if __name__ == "__main__":  # the child: python -m bench.dataset FOLDER STORES WEEKS PHOTOS
    folder, *sizes = sys.argv[1:]
    print(json.dumps(_generate(Path(folder), *map(int, sizes))))
