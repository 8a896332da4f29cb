"""Codes cannot become paths (issue 13): import refuses codes with path characters, and every file or ZIP
entry named from data is a plain name, even for a code that reached the database before the rule existed."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from audit import auth, demo, users
from audit.codes import is_valid_code
from audit.exports import ExportRequest, export, export_all, zip_files
from audit.filenames import safe_file_name
from audit.masterdata import apply_import, format_problem, prepare_import
from audit.opening import open_database
from tests.helpers.exports import END, START, export_cli
from tests.helpers.paths import ROOT

SAMPLES = ROOT / "data" / "samples"
# Codes a database made by an older version may hold: each would leave its folder, hide, or collide.
LEGACY_CODES = [
    "D9/../../x",
    "..\\..\\evil",
    "/etc/passwd",
    "..",
    ".hidden",
    "D9/x",
    "D9_x",
    "tab\there",
    "rtl\u202egpj.exe",
    "冒号:问号?星号*",
]
BAD_CODES = ["D9/../../x", "..\\x", ".hidden", "a..b", "-x", "a:b", "a\tb", "rtl\u202ecod", "x" * 41, "店/铺"]
GOOD_CODES = ["T0001", "D-01", "sku_12.5", "Far West", "华东一店", "00123", "x" * 40]


def plain(name: str) -> bool:
    """A name that stays in its folder whatever system unpacks it: one component, nothing hidden or special."""
    return (
        name == Path(name).name
        and "/" not in name
        and "\\" not in name
        and ".." not in name
        and not name.startswith((".", " "))
        and name.isprintable()
        and "\u202e" not in name
        and not any(c in name for c in ':*?"<>|')
        and len(name.encode()) <= 255
    )


# ---------------------------------------------------------------- the import rule


@pytest.mark.parametrize(
    "kind, header",
    [
        ("dealers", "code,name_en,name_zh\n"),
        ("products", None),
        ("competitors", "code,name_en\n"),
        ("pop_types", "code,name_en\n"),
        ("stores", "code,name,channel,grade,region\n"),
    ],
)
def test_import_refuses_codes_with_path_characters_naming_row_and_value_in_both_languages(db, kind, header):
    tail = {
        "dealers": ",经销商,经销商",
        "products": ",P,P,B,drinks,1",
        "competitors": ",C",
        "pop_types": ",Poster",
        "stores": ",店,modern,A,E",
    }[kind]
    header = header or "code,name_en,name_zh,brand,category,rrp\n"
    rows = "".join(f'"{code}"{tail}\n' for code in [*BAD_CODES, "OK1"])
    preview = prepare_import(db, kind, (header + rows).encode(), f"{kind}.csv")
    assert [(p.row, p.params["value"]) for p in preview.problems] == [(n + 2, code) for n, code in enumerate(BAD_CODES)]
    first = preview.problems[0]
    assert format_problem(first, "en") == (
        "Row 2, column “code”: “D9/../../x” cannot be a code: use at most 40 letters (Chinese too) or digits, with "
        "dots, dashes, underscores or spaces between them, starting with a letter or digit, never two dots in a "
        "row, no slashes."
    )
    assert format_problem(first, "zh").startswith("第 2 行") and "“D9/../../x”不能用作编码" in format_problem(
        first, "zh"
    )
    with pytest.raises(ValueError):  # a file with any problem writes nothing
        apply_import(db, preview)
    assert db.query_one(f"SELECT count(*) FROM {kind}")[0] == 0


def test_a_new_region_named_with_path_characters_is_refused_a_known_one_is_not(db):
    data = "code,name,channel,grade,region\nS1,店,modern,A,East/../x\nS2,店,modern,A,华东\nS3,店,modern,A,Far West\n"
    preview = prepare_import(db, "stores", data.encode(), "stores.csv")
    assert [(p.row, p.column, p.params["value"]) for p in preview.problems] == [(2, "region", "East/../x")]
    assert "“East/../x”不能用作编码" in format_problem(preview.problems[0], "zh")
    assert preview.new_regions == []  # nothing is created while the file has a problem


def test_codes_companies_use_are_accepted(db):
    assert all(is_valid_code(code) for code in GOOD_CODES)
    rows = "".join(f"{code},{code},{code}\n" for code in GOOD_CODES)
    preview = prepare_import(db, "dealers", f"code,name_en,name_zh\n{rows}".encode(), "dealers.csv")
    assert preview.problems == []
    apply_import(db, preview)
    assert {c for (c,) in db.cursor().execute("SELECT code FROM dealers").fetchall()} == set(GOOD_CODES)


def test_the_sample_files_and_the_demo_use_only_codes_the_rule_accepts(db):
    for kind in ("dealers", "users", "products", "competitors", "pop_types", "stores"):
        preview = prepare_import(db, kind, (SAMPLES / f"{kind}.csv").read_bytes(), f"{kind}.csv")
        assert preview.problems == [], [format_problem(p, "en") for p in preview.problems]
        apply_import(db, preview)
    preview = prepare_import(db, "stores", (SAMPLES / "stores_gbk.csv").read_bytes(), "stores_gbk.csv")
    assert preview.problems == []
    demo_codes = [code for code, *_ in (*demo.DEALERS, *demo.COMPETITORS, *demo.POP_TYPES, *demo.REGIONS)]
    assert all(map(is_valid_code, demo_codes)), [c for c in demo_codes if not is_valid_code(c)]


def test_demo_store_and_product_codes_pass_the_rule(demo_db):
    codes = demo_db.query_df("SELECT code FROM stores UNION ALL SELECT code FROM products")["code"].tolist()
    assert len(codes) > 40 and all(map(is_valid_code, codes))


def test_user_names_with_path_characters_are_refused_by_import_and_the_admin_form(db):
    data = "username,display_name,role,password\n../x,X,manager,long-enough-1\na/b,Y,manager,long-enough-1\n"
    preview = prepare_import(db, "users", data.encode(), "users.csv")
    assert [(p.row, p.code, p.params["value"]) for p in preview.problems] == [
        (2, "username_invalid", "../x"),
        (3, "username_invalid", "a/b"),
    ]
    assert "“../x”不是有效的用户名" in format_problem(preview.problems[0], "zh")
    for name in ("../x", "a/b", "a\\b", ".x"):
        with pytest.raises(users.UserError) as refused:
            users.create_user(db, name, "X", "manager", "long-enough-1")
        assert refused.value.key == "users.error.username_invalid"
    assert db.query_one("SELECT count(*) FROM users")[0] == 0


# ---------------------------------------------------------------- file names made from data


@pytest.mark.parametrize("code", LEGACY_CODES)
def test_a_file_name_from_any_code_is_one_plain_name(code):
    name = safe_file_name(f"audit-summary_{code}_2026-10-20_2026-11-20_en", "pdf")
    assert plain(name) and name.startswith("audit-summary_") and name.endswith("_2026-10-20_2026-11-20_en.pdf")


def test_a_name_made_of_accepted_codes_is_left_as_it_is():
    for code in GOOD_CODES:
        assert (
            safe_file_name(f"audit-summary_{code}_2026-10-20_en", "xlsx") == f"audit-summary_{code}_2026-10-20_en.xlsx"
        )
    assert (
        plain(safe_file_name("华" * 300, "pdf")) and plain(safe_file_name("..", "..")) and plain(safe_file_name("", ""))
    )


def add_legacy_dealers(path: Path, codes: list[str]) -> None:
    """Dealers written straight into the database, as an older version (or a hand edit) could have."""
    database = open_database(path)
    with database.write() as cur:
        cur.executemany(
            "INSERT INTO dealers (code, name_en, name_zh, region_code) VALUES (?, ?, ?, 'E')",
            [[code, f"Legacy {n}", f"旧经销商{n}"] for n, code in enumerate(codes)],
        )
    database.close()


def test_all_dealers_to_a_folder_writes_only_inside_it(demo_dir, tmp_path):
    add_legacy_dealers(demo_dir / "audit.duckdb", LEGACY_CODES)
    root = tmp_path / "exports"
    folder = root / "a" / "DIR"
    (folder / "audit-summary_D9").mkdir(parents=True)  # what D9/../../x needed to write to root/a/x_…
    assert export_cli(None, folder, "csv", period=(START, END)) == 0
    written = [Path(top, name) for top, _, names in os.walk(root) for name in names]
    assert len(written) == 8 + len(LEGACY_CODES)  # every dealer, none overwriting another
    assert all(path.parent == folder and plain(path.name) for path in written), written
    assert sorted(p.name for p in root.iterdir()) == ["a"] and sorted(p.name for p in (root / "a").iterdir()) == ["DIR"]
    # One dealer to the folder: its file lands in it too.
    assert export_cli("D9/../../x", folder, "csv", period=(START, END)) == 0
    assert {Path(top) for top, _, names in os.walk(root) if names} == {folder}


def test_the_zip_of_all_dealers_has_plain_distinct_entries(demo_dir):
    add_legacy_dealers(demo_dir / "audit.duckdb", LEGACY_CODES)
    database = open_database(demo_dir / "audit.duckdb")
    try:
        manager = auth.get_user(database, "manager")
        archive = zip_files(export_all(database, manager, START, END, "en", "csv"), "all.zip")
        names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
        one = export(database, manager, ExportRequest("D9/../../x", START, END, "zh", "csv"))
    finally:
        database.close()
    assert len(names) == len({n.casefold() for n in names}) == 8 + len(LEGACY_CODES)
    assert all(plain(name) for name in names), names
    assert "audit-summary_D01_2026-10-20_2026-11-20_en.csv" in names  # good codes keep their names
    assert plain(one.name) and one.name == "audit-summary_D9_._._x_2026-10-20_2026-11-20_zh.csv"
