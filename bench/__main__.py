"""Field-scale benchmarks in one run: the dashboard pages (our calls against their raw SQL and a pandas
baseline), growth with the store count, audit submit with six 12-megapixel photos, dealer exports and
peak memory, written to docs/benchmarks.md.

    .venv/bin/python -m bench                       # 5,000 stores × 104 weeks (about 15 million SKU lines)
    .venv/bin/python -m bench --stores 30 --weeks 3 --growth 10,30 --runs 1 --out /tmp/b.md   # a smoke run

Data sets are built by the demo generator in temporary folders, removed at the end (--keep keeps them).
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import sys
import time
from pathlib import Path

from bench import dataset, document, exports, growth, page_bench, pages, submit
from bench.report import load_average, machine

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def _sizes(text: str) -> list[int]:
    return sorted({int(part) for part in text.split(",") if part.strip()})


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", type=int, default=5000, help="stores in the main data set (default 5000)")
    parser.add_argument("--weeks", type=int, default=104, help="weeks of audits (default 104)")
    parser.add_argument(
        "--growth",
        type=_sizes,
        default=[500, 1500, 5000],
        help="store counts for the growth measurement (default 500,1500,5000)",
    )
    parser.add_argument("--photos", type=int, default=200, help="recent visits with demo photos (default 200)")
    parser.add_argument("--runs", type=int, default=5, help="timed rounds per page after a warm-up (default 5)")
    parser.add_argument("--submit-runs", type=int, default=3)
    parser.add_argument("--export-runs", type=int, default=3)
    parser.add_argument("--megapixels", type=float, default=12, help="size of the six submitted photos (default 12)")
    parser.add_argument("--out", type=Path, default=DOCS, help="report file (default docs/benchmarks.md)")
    parser.add_argument("--keep", action="store_true", help="keep the data folders")
    return parser.parse_args(argv)


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv: list[str] | None = None) -> document.Run:
    args = parse(argv)
    started, load_before = time.perf_counter(), load_average()
    command = " ".join([".venv/bin/python -m bench", *map(shlex.quote, sys.argv[1:] if argv is None else argv)])
    built: dict[int, dataset.Dataset] = {}
    try:
        for stores in sorted({*args.growth, args.stores}):
            say(f"building {stores:,} stores × {args.weeks} weeks")
            built[stores] = dataset.build(stores, args.weeks, photos=args.photos)
        say("growth: the overview at " + ", ".join(map(str, args.growth)) + " stores")
        points = growth.measure([built[n] for n in args.growth], args.runs)

        data = built[args.stores]
        os.environ["AUDIT_DATA_DIR"] = str(data.folder)
        from audit.auth import get_user
        from audit.db import Database

        db = Database(data.database)
        say("pages: our calls, their raw SQL and the pandas baseline")
        pages_run = page_bench.measure(db, pages.cases(db, dataset.TODAY), args.runs)
        say("submit with six photos")
        submitted = submit.measure(db, get_user(db, "merch01"), args.submit_runs, args.megapixels)
        say("dealer exports")
        exports.give_dealer_stores(db, exports.DEALER, min(exports.STORES, args.stores))
        exports.attach_photos(db, exports.DEALER, *exports.quarter(dataset.TODAY))
        exported = exports.measure(db, get_user(db, "manager"), args.export_runs)
        planned = db.query_one("SELECT count(*) FROM planned_visits")[0]
        db.close()
        run = document.Run(
            command=command,
            machine=machine(),
            load_before=load_before,
            load_after=load_average(),
            minutes=(time.perf_counter() - started) / 60,
            data=data,
            planned_visits=planned,
            database_mb=data.database.stat().st_size / 1024 / 1024,
            pages=pages_run,
            growth=points,
            submit=submitted,
            exports=exported,
            peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        )
        document.write(args.out, document.render(run))
        say(f"written to {args.out} ({run.minutes:.1f} minutes)")
        return run
    finally:
        if not args.keep:
            for data in built.values():
                shutil.rmtree(data.folder, ignore_errors=True)


if __name__ == "__main__":
    main()
