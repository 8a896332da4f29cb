"""Command-line tasks: python -m audit {init, import, demo, plan, user, sweep-photos, export, backup, restore} ..."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date
from typing import cast

from audit import config, i18n
from audit.db import Database, DatabaseLocked, schema_version
from audit.errors import UserFacingError
from audit.opening import open_database

# Each command imports what it runs inside its function: `init` or `user add` start in a fraction of a second
# without loading the demo generator, pandas-heavy imports or the PDF machinery.


def _progress_bar(fraction: float, message: str) -> None:
    width = 30
    filled = int(width * min(max(fraction, 0.0), 1.0))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:6.1%} {message[:60]:<60}")
    if fraction >= 1.0:
        sys.stderr.write("\n")
    sys.stderr.flush()


def cmd_init(db: Database, args: argparse.Namespace) -> int:
    print(f"Database {db.path} at schema version {schema_version(db.cursor())}")
    return 0


def cmd_import(db: Database, args: argparse.Namespace) -> int:
    from audit.masterdata import run_import_cli

    return run_import_cli(db, args.kind, args.file, args.lang)


def cmd_demo(db: Database, args: argparse.Namespace) -> int:
    from audit.demo import generate_demo

    summary = generate_demo(
        db,
        stores=args.stores,
        weeks=args.weeks,
        seed=args.seed,
        photos=args.photos,
        lang=args.lang,
        progress=_progress_bar,
    )
    print(summary)
    return 0


def cmd_user_add(db: Database, args: argparse.Namespace) -> int:
    from audit.users import create_user

    password = args.password or getpass.getpass("Password: ")
    create_user(db, args.username, args.name or args.username, args.role, password, args.dealer)
    print(i18n.t("users.added", args.lang, username=args.username.strip().lower()))
    return 0


def cmd_sweep_photos(db: Database, args: argparse.Namespace) -> int:
    from audit import photos

    rows = photos.forget_unused_rows(db, args.grace)
    files = photos.sweep_orphans(db, older_than_seconds=args.grace)
    print(f"Removed {rows} unused photo rows and {files} files no row refers to.")
    return 0


def cmd_plan(db: Database, args: argparse.Namespace) -> int:
    from audit import plans

    week = plans.week_start(plans.parse_day(args.week))
    result = plans.generate_week(
        db,
        None,
        week,
        level=args.level,
        merchandisers=args.merchandiser or None,
        replace=args.replace,
        hours=args.hours,
    )
    print(i18n.t("plans.cli_done", args.lang, week=week.isoformat(), **result.counts(args.lang)))
    if result.skipped:
        print(i18n.t("plans.cli_skipped", args.lang, names=", ".join(result.skipped)))
    if result.unplaced:  # what the grades ask for but found no room: the manager decides what gives
        visits = i18n.t("count.visits", args.lang, n=result.unplaced_visits)
        print(i18n.t("plans.cli_unplaced", args.lang, visits=visits))
        for left in result.unplaced:
            reason = result.unplaced_reason(left.reason, args.lang)
            print(f"  {left.merchandiser}  {left.store_code}  {left.visits}  {reason}")
    return 0


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from None


def cmd_export(db: Database, args: argparse.Namespace) -> int:
    """Write one dealer's summary to --out, or every dealer's to a folder or a .zip (--all-dealers)."""
    from pathlib import Path

    from audit import auth, exports

    if args.as_user:
        viewer = auth.get_user(db, args.as_user.strip().lower())
        if viewer is None:
            raise exports.ExportError("export.error.no_user", username=args.as_user)
    else:  # whoever runs the command can read the database file: they see what an administrator sees
        viewer = auth.User("command-line", "command line", "admin", None, args.lang)
    start, end = args.date_from, args.date_to
    if start is None or end is None:
        from audit.filters import default_period_for  # the period every page opens with

        default_start, default_end = default_period_for(db)
        start, end = start or default_start, end or default_end
    out = Path(args.out)
    if not args.all_dealers:
        request = exports.ExportRequest(args.dealer, start, end, args.lang, args.format)
        file = exports.export(db, viewer, request)
        target = out / file.name if out.is_dir() else out
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.data)
        print(i18n.t("export.cli.written", args.lang, path=str(target), size=f"{len(file.data):,}"))
        return 0
    files = exports.export_all(
        db,
        viewer,
        start,
        end,
        args.lang,
        args.format,
        progress=lambda done, total, name: _progress_bar(done / max(total, 1), name),
    )
    if out.suffix.lower() == ".zip":
        archive = exports.zip_files(files, out.name)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(archive.data)
        print(i18n.t("export.cli.written", args.lang, path=str(out), size=f"{len(archive.data):,}"))
        return 0
    out.mkdir(parents=True, exist_ok=True)
    written = 0  # files is a generator (one dealer at a time): counted as written
    for file in files:
        (out / file.name).write_bytes(file.data)
        written += 1
    print(i18n.t("export.cli.written_all", args.lang, n=written, path=str(out)))
    return 0


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f}"


def cmd_backup(args: argparse.Namespace) -> int:
    """The database and its photos into a new folder. With AUDIT_DATABASE_URL, pg_dump of the shared database:
    no DuckDB copy of it is opened (a replica on this machine may hold its own)."""
    from audit import backup

    url = config.database_url()
    if url:
        done = backup.backup_postgres(url, args.dir)
    else:
        db = open_database(config.database_path())
        try:
            done = backup.backup(db, args.dir)
        finally:
            db.close()
    print(
        i18n.t(
            "backup.done",
            args.lang,
            path=str(done.path),
            version=done.schema_version,
            audits=done.audits,
            photos=done.photos,
            size=_megabytes(done.bytes),
            seconds=f"{done.seconds:.1f}",
        )
    )
    if done.missing:
        print(
            i18n.t("backup.photos_missing", args.lang, n=len(done.missing), names=", ".join(done.missing)),
            file=sys.stderr,
        )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from audit import backup

    done, aside = backup.restore(args.dir, replace=args.replace)
    if done.database is not None:  # into PostgreSQL: what it held is kept in a schema
        if aside:
            print(i18n.t("backup.set_aside_postgres", args.lang, schema=str(aside), database=done.database))
        where, message = {"database": done.database}, "backup.restored_postgres"
    else:
        if aside:
            print(i18n.t("backup.set_aside", args.lang, path=str(aside)))
        where, message = {"path": str(done.path)}, "backup.restored"
    print(
        i18n.t(
            message,
            args.lang,
            **where,
            version=done.schema_version,
            audits=done.audits,
            photos=done.photos,
            seconds=f"{done.seconds:.1f}",
        )
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m audit", description=__doc__)
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default="en", help="language of messages")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("init", help="create or upgrade the database").set_defaults(run=cmd_init)

    imp = sub.add_parser("import", help="import master data from CSV or XLSX")
    imp.add_argument("kind", choices=("dealers", "stores", "products", "competitors", "pop_types", "users"))
    imp.add_argument("file")
    imp.set_defaults(run=cmd_import)

    demo = sub.add_parser("demo", help="fill an empty database with demo data")
    demo.add_argument("--stores", type=int, default=200)
    demo.add_argument("--weeks", type=int, default=26)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--photos", type=int, default=400, help="how many recent audits get drawn photos")
    demo.set_defaults(run=cmd_demo)

    plan = sub.add_parser("plan", help="plan a week's visits from the grade frequencies (from today on)")
    plan.add_argument("--week", required=True, help="any day of the week, YYYY-MM-DD")
    plan.add_argument("--merchandiser", action="append", help="only this merchandiser (repeatable); default all")
    plan.add_argument(
        "--level",
        choices=("high", "low"),
        default="high",
        help="upper (A 3, B 2 a week, C ~3 a month) or lower end (A 2, B 1, C ~2 a month)",
    )
    plan.add_argument("--replace", action="store_true", help="plan afresh what is already planned from today on")
    plan.add_argument(
        "--hours",
        type=float,
        help="hours in a working day: no day is planned with more visit and "
        "travel time than this (default: audit.plans.WORKDAY_HOURS, 8)",
    )
    plan.set_defaults(run=cmd_plan)

    sweep = sub.add_parser("sweep-photos", help="remove photos no audit or draft refers to")
    sweep.add_argument("--grace", type=float, default=3600, help="keep anything younger than this many seconds")
    sweep.set_defaults(run=cmd_sweep_photos)

    export = sub.add_parser("export", help="a dealer's audit summary as PDF, XLSX or CSV")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--dealer", help="dealer code")
    which.add_argument("--all-dealers", action="store_true", help="every dealer, to a folder or a .zip (--out)")
    export.add_argument(
        "--from", dest="date_from", type=_date, help="first day, YYYY-MM-DD (default: the period every page opens with)"
    )
    export.add_argument("--to", dest="date_to", type=_date, help="last day, YYYY-MM-DD (default: the latest audit)")
    export.add_argument("--format", choices=("pdf", "xlsx", "csv"), default="pdf")
    export.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        default=argparse.SUPPRESS,
        help="language of the summary (and of messages); default en",
    )
    export.add_argument("--out", required=True, help="file (or folder) to write; with --all-dealers a folder or a .zip")
    export.add_argument(
        "--as",
        dest="as_user",
        help="export as this account, limited to what it may see (a dealer account: its own stores only)",
    )
    export.set_defaults(run=cmd_export)

    back = sub.add_parser("backup", help="copy the database and its photos into a new or empty folder")
    back.add_argument("dir")
    back.set_defaults(run_without_database=cmd_backup, in_app="backup.in_app")

    restore = sub.add_parser(
        "restore", help="restore a backup into the data folder (which holds no database or photos yet)"
    )
    restore.add_argument("dir")
    restore.add_argument(
        "--replace",
        action="store_true",
        help="move the current database and photos aside into a before-restore-* folder first",
    )
    restore.set_defaults(run_without_database=cmd_restore)

    user = sub.add_parser("user", help="manage accounts").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="add an account (asks for the password unless --password)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=("merchandiser", "manager", "dealer", "admin"))
    add.add_argument("--name", help="display name")
    add.add_argument("--dealer", help="dealer code, for a dealer account")
    add.add_argument("--password")
    add.set_defaults(run=cmd_user_add)
    return parser


def _run(args: argparse.Namespace) -> int:
    if hasattr(args, "run_without_database"):
        return cast(int, args.run_without_database(args))  # argparse's Namespace holds Any
    db = open_database(config.database_path())
    try:
        return cast(int, args.run(db, args))
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except DatabaseLocked as locked:
        print(locked.message(args.lang), file=sys.stderr)
        if hasattr(args, "in_app"):
            print(i18n.t(args.in_app, args.lang), file=sys.stderr)
        return 2
    except UserFacingError as error:
        print(error.message(args.lang), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
