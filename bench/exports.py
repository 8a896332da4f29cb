"""Dealer summary exports: a dealer with 50 stores and a quarter (13 weeks) of audits, every audit with a
store-front photo and every other one a shelf photo as well.

    .venv/bin/python -m bench.exports [--runs 3]

Targets (issue 6): PDF ≤ 10 s, XLSX ≤ 5 s. Medians of --runs after one warm-up run, in the calling process
(one core for the export; the machine has two).
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

TODAY = date(2026, 11, 20)
DEALER = "D01"
STORES = 50


def _photo(args) -> tuple:
    """Draw, process and store one photo; returns its photos row."""
    from audit import demo, photos

    seed, section, caption, taken_at = args
    rng = np.random.default_rng(seed)
    image = (demo.draw_storefront(rng, caption, caption, size=(640, 480)) if section == "store"
             else demo.draw_shelf(rng, caption, size=(640, 480)))
    processed = photos.process_photo(demo._camera_jpeg(image, taken_at, "bench", 31.2, 121.4))
    photos.save_files(processed)
    return (*photos.photo_row(processed), datetime.now())


def build(folder: Path):
    from audit.db import Database
    from audit.demo import generate_demo
    from audit import photos

    db = Database(folder / "audit.duckdb")
    generate_demo(db, stores=400, weeks=13, photos=0, today=TODAY)
    with db.write() as cur:  # the dealer supplies exactly 50 stores
        cur.execute("UPDATE stores SET dealer_code = 'D02' WHERE dealer_code = ?", [DEALER])
        cur.execute("UPDATE stores SET dealer_code = ? WHERE code IN (SELECT code FROM stores ORDER BY code LIMIT ?)",
                    [DEALER, STORES])
    audits = db.query_df(
        """SELECT a.id, a.store_code, a.started_at FROM audits a JOIN stores s ON s.code = a.store_code
           WHERE s.dealer_code = ? ORDER BY a.id""", [DEALER])
    orders, links = [], []
    for number, audit in enumerate(audits.itertuples()):
        for section in ("store", "shelf") if number % 2 else ("store",):
            orders.append((number * 2 + (section == "shelf"), section, f"{audit.store_code} {section}",
                           audit.started_at.to_pydatetime() + timedelta(minutes=3)))
            links.append((audit.id, section))
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = list(pool.map(_photo, orders))
    frame = pd.DataFrame(rows, columns=[*photos.PHOTO_COLUMNS, "created_at"]).drop_duplicates("sha256")
    frame["phash"] = frame.phash.astype(np.uint64)
    linked = pd.DataFrame([(audit_id, row[0], section) for (audit_id, section), row in zip(links, rows)],
                          columns=["audit_id", "photo_sha256", "section"])
    with db.write() as cur:
        cur.register("bench_photos", frame)
        cur.execute(f"INSERT INTO photos ({', '.join(frame.columns)}) SELECT * FROM bench_photos")
        cur.register("bench_links", linked)
        cur.execute("INSERT INTO audit_photos (audit_id, photo_sha256, section) SELECT * FROM bench_links")
    return db


def run(runs: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench_exports_"))
    os.environ["AUDIT_DATA_DIR"] = str(folder)
    from audit import auth, exports
    from audit.exports.summary import build_summary

    started = time.perf_counter()
    db = build(folder)
    print(f"set-up (demo data, {STORES} stores for {DEALER}, photos): {time.perf_counter() - started:.0f} s\n")
    manager = auth.get_user(db, "manager")
    start, end = TODAY - timedelta(weeks=13) + timedelta(days=1), TODAY
    summary = build_summary(db, manager, exports.ExportRequest(DEALER, start, end))
    results = {}
    for fmt in ("pdf", "xlsx", "csv"):
        request = exports.ExportRequest(DEALER, start, end, "zh", fmt)
        timings = []
        for attempt in range(runs + 1):  # the first run warms up
            begun = time.perf_counter()
            file = exports.export(db, manager, request)
            if attempt:
                timings.append(time.perf_counter() - begun)
        results[fmt] = (statistics.median(timings), len(file.data))
    pages = None
    try:
        import pypdfium2

        pages = len(pypdfium2.PdfDocument(exports.export(db, manager, exports.ExportRequest(
            DEALER, start, end, "zh", "pdf")).data))
    except ImportError:  # a test dependency; the count is only for the report
        pass
    print(f"dealer {DEALER}: {summary.stores_supplied} stores, {summary.audits_done:,} audits "
          f"{start} – {end}, {len(summary.findings):,} findings, {len(summary.photos):,} photos\n")
    print("| export (Chinese) | median of {0} | size | target |\n|---|---|---|---|".format(runs))
    print(f"| PDF{f' ({pages} pages)' if pages else ''} | {results['pdf'][0]:.2f} s | "
          f"{results['pdf'][1] / 1024 / 1024:.1f} MB | ≤ 10 s |")
    print(f"| XLSX | {results['xlsx'][0]:.2f} s | {results['xlsx'][1] / 1024 / 1024:.1f} MB | ≤ 5 s |")
    print(f"| CSV (audit lines) | {results['csv'][0]:.2f} s | {results['csv'][1] / 1024 / 1024:.1f} MB | |")
    db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    run(parser.parse_args().runs)
