"""Dealer summary exports: a dealer with 50 stores and a quarter (13 weeks) of audits, every audit with a
store-front photo and every other one a shelf photo as well.

    .venv/bin/python -m bench.exports [--runs 3]

Targets (issue 6): PDF ≤ 10 s, XLSX ≤ 5 s. Medians of --runs after one warm-up run, in the calling process
(one core for the export; the machine has two). On its own this builds 400 stores × 13 weeks;
`python -m bench` runs the same measurement on the field-scale data set.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from bench.dataset import TODAY, use_folder
from bench.report import markdown_table
from bench.timing import median_seconds

DEALER = "D01"
STORES = 50
QUARTER_WEEKS = 13
FORMATS = ("pdf", "xlsx", "csv")


@dataclass(frozen=True)
class ExportFigures:
    runs: int
    dealer: str
    stores: int
    audits: int
    findings: int
    photos: int
    start: date
    end: date
    seconds: dict[str, float]  # per format
    megabytes: dict[str, float]
    pdf_pages: int | None


def quarter(today: date = TODAY) -> tuple[date, date]:
    return today - timedelta(weeks=QUARTER_WEEKS) + timedelta(days=1), today


def _photo(args) -> tuple:
    """Draw, process and store one photo; returns its photos row."""
    from audit import demo, photos

    seed, section, caption, taken_at = args
    rng = np.random.default_rng(seed)
    image = (
        demo.draw_storefront(rng, caption, caption, size=(640, 480))
        if section == "store"
        else demo.draw_shelf(rng, caption, size=(640, 480))
    )
    processed = photos.process_photo(demo._camera_jpeg(image, taken_at, "bench", 31.2, 121.4))
    photos.save_files(processed)
    return (*photos.photo_row(processed), datetime.now())


def give_dealer_stores(db, dealer: str = DEALER, stores: int = STORES) -> None:
    """Make `dealer` supply exactly the first `stores` stores by code."""
    with db.write() as cur:
        others = cur.execute("SELECT min(code) FROM dealers WHERE code <> ?", [dealer]).fetchall()[0][0]
        cur.execute("UPDATE stores SET dealer_code = ? WHERE dealer_code = ?", [others, dealer])
        cur.execute(
            "UPDATE stores SET dealer_code = ? WHERE code IN (SELECT code FROM stores ORDER BY code LIMIT ?)",
            [dealer, stores],
        )


def attach_photos(db, dealer: str, start: date, end: date) -> None:
    """A store-front photo for each of the dealer's audits in the period, a shelf photo for every other."""
    from audit import photos

    audits = db.query_df(
        """SELECT a.id, a.store_code, a.started_at FROM audits a JOIN stores s ON s.code = a.store_code
           WHERE s.dealer_code = ? AND a.visit_date BETWEEN ? AND ? ORDER BY a.id""",
        [dealer, start, end],
    )
    orders, links = [], []
    for number, audit in enumerate(audits.itertuples()):
        for section in ("store", "shelf") if number % 2 else ("store",):
            orders.append(
                (
                    number * 2 + (section == "shelf"),
                    section,
                    f"{audit.store_code} {section}",
                    audit.started_at.to_pydatetime() + timedelta(minutes=3),
                )
            )
            links.append((audit.id, section))
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = list(pool.map(_photo, orders))
    frame = pd.DataFrame(rows, columns=[*photos.PHOTO_COLUMNS, "created_at"]).drop_duplicates("sha256")
    frame["phash"] = frame.phash.astype(np.int64)
    linked = pd.DataFrame(
        [(audit_id, row[0], section) for (audit_id, section), row in zip(links, rows, strict=True)],
        columns=["audit_id", "photo_sha256", "section"],
    )
    with db.write() as cur:
        cur.register("bench_photos", frame)
        cur.execute(f"INSERT INTO photos ({', '.join(frame.columns)}) SELECT * FROM bench_photos")
        cur.register("bench_links", linked)
        cur.execute("INSERT INTO audit_photos (audit_id, photo_sha256, section) SELECT * FROM bench_links")


def measure(db, viewer, runs: int, dealer: str = DEALER, today: date = TODAY) -> ExportFigures:
    """Each format of the dealer's summary for the quarter up to `today`, in Chinese."""
    from audit import exports
    from audit.exports.summary import build_summary

    start, end = quarter(today)
    summary = build_summary(db, viewer, exports.ExportRequest(dealer, start, end))
    timed, files = {}, {}
    for fmt in FORMATS:
        request = exports.ExportRequest(dealer, start, end, "zh", fmt)
        timed[fmt], files[fmt] = median_seconds(lambda request=request: exports.export(db, viewer, request), runs)
    try:
        import pypdfium2

        pages = len(pypdfium2.PdfDocument(files["pdf"].data))
    except ImportError:  # a test dependency; the count is only for the report
        pages = None
    return ExportFigures(
        runs,
        dealer,
        summary.stores_supplied,
        summary.audits_done,
        len(summary.findings),
        len(summary.photos),
        start,
        end,
        timed,
        {fmt: len(file.data) / 1024 / 1024 for fmt, file in files.items()},
        pages,
    )


def rows(figures: ExportFigures) -> list[list[str]]:
    """Report rows: export, median, size, target."""
    pages = f" ({figures.pdf_pages} pages)" if figures.pdf_pages else ""
    names = {"pdf": f"PDF{pages}", "xlsx": "XLSX", "csv": "CSV (audit lines)"}
    targets = {"pdf": "≤ 10 s", "xlsx": "≤ 5 s", "csv": ""}
    return [
        [names[fmt], f"{figures.seconds[fmt]:.2f} s", f"{figures.megabytes[fmt]:.1f} MB", targets[fmt]]
        for fmt in FORMATS
    ]


def describe(figures: ExportFigures) -> str:
    return (
        f"dealer {figures.dealer}: {figures.stores} stores, {figures.audits:,} audits {figures.start} – "
        f"{figures.end}, {figures.findings:,} findings, {figures.photos:,} photos"
    )


def run(runs: int) -> None:
    folder = use_folder("bench_exports_")
    from audit import auth
    from audit.db import Database
    from audit.demo import generate_demo

    db = Database(folder / "audit.duckdb")
    generate_demo(db, stores=400, weeks=QUARTER_WEEKS, photos=0, today=TODAY)
    give_dealer_stores(db)
    attach_photos(db, DEALER, *quarter())
    figures = measure(db, auth.get_user(db, "manager"), runs)
    print(describe(figures) + "\n")
    print(markdown_table([f"export (Chinese), median of {runs}", "time", "size", "target"], rows(figures)))
    db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    run(parser.parse_args().runs)
