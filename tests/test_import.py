"""Master-data import: encodings, header languages, every bad row reported, all-or-nothing, upsert."""
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from audit import auth
from audit.masterdata import apply_import, format_problem, prepare_import

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
STORE_HEADER_EN = "code,name,channel,grade,region,city,latitude,longitude\n"
STORE_HEADER_ZH = "门店编码,门店名称,渠道,等级,大区,城市,纬度,经度\n"
CHINESE_ROW = "S1,好又多超市（天河店）,现代通路,A,华南,广州,23.13,113.32\n"


def do_import(db, kind, data: bytes, filename="file.csv"):
    plan = prepare_import(db, kind, data, filename)
    assert plan.problems == [], [format_problem(p, "en") for p in plan.problems]
    return apply_import(db, plan)


def messages(db, kind, data: bytes, lang="en", filename="file.csv"):
    plan = prepare_import(db, kind, data, filename)
    return [format_problem(p, lang) for p in plan.problems]


def store(db, code):
    return db.query_one("SELECT name, channel, grade, region_code, city, latitude FROM stores WHERE code = ?", [code])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_each_encoding_reads_chinese_correctly(db, encoding):
    do_import(db, "stores", (STORE_HEADER_ZH + CHINESE_ROW).encode(encoding))
    assert store(db, "S1") == ("好又多超市（天河店）", "modern", "A", "S", "广州", 23.13)


def test_english_and_chinese_headers_give_the_same_rows(db):
    do_import(db, "stores", (STORE_HEADER_EN + "S2,Corner Shop,traditional,c,South,Guangzhou,23.1,113.2\n").encode())
    do_import(db, "stores", (STORE_HEADER_ZH + CHINESE_ROW).encode("gbk"))
    assert store(db, "S2") == ("Corner Shop", "traditional", "C", "S", "Guangzhou", 23.1)
    assert db.query_one("SELECT count(*) FROM regions")[0] == 1  # "South" and "华南" are one region


def test_semicolon_separated_csv(db):
    do_import(db, "stores", "code;name;channel;grade;region\nS3;Shop;special;B;East\n".encode())
    assert store(db, "S3")[:4] == ("Shop", "special", "B", "E")


def test_xlsx_with_a_merged_title_row_and_empty_rows(db):
    book = Workbook()
    sheet = book.active
    sheet.append(["门店清单 2026"])
    sheet.merge_cells("A1:E1")
    sheet.append(["门店编码", "门店名称", "渠道", "等级", "大区"])
    sheet.append(["00123", "美佳超市", "传统", "B", "华东"])
    sheet.append([None, None, None, None, None])
    sheet.append(["00124", "联华超市", "现代", "A", "华东"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = do_import(db, "stores", buffer.getvalue(), "stores.xlsx")
    assert result.created == 2
    assert store(db, "00123")[:3] == ("美佳超市", "traditional", "B")  # the leading zeros stay


def test_every_bad_row_is_reported_with_row_column_and_reason_in_both_languages(db):
    data = (STORE_HEADER_EN
            + "S1,Good,modern,A,East,Shanghai,31.2,121.4\n"
            + "S2,Bad grade,modern,D,East,Shanghai,31.2,121.4\n"
            + "S3,,shop,A,East,Shanghai,95,abc\n"
            + "S1,Again,modern,A,East,Shanghai,31.2,121.4\n").encode()
    assert messages(db, "stores", data) == [
        "Row 3, column “grade”: “D” is not one of: A, B, C.",
        "Row 4, column “name”: a value is required.",
        "Row 4, column “channel”: “shop” is not one of: traditional, modern, special.",
        "Row 4, column “latitude”: 95 is outside -90 to 90.",
        "Row 4, column “longitude”: “abc” is not a number.",
        "Row 5, column “code”: code S1 also appears in row 2.",
    ]
    assert messages(db, "stores", data, "zh")[:2] == [
        "第 3 行，“grade”列：“D”不是以下之一：A, B, C。",
        "第 4 行，“name”列：不能为空。",
    ]


def test_missing_required_columns_are_named(db):
    assert messages(db, "stores", b"code,name\nS1,Shop\n") == [
        "The file lacks required columns: channel / 渠道, grade / 等级, region_code / 区域."
    ]
    assert messages(db, "stores", b"code,name\nS1,Shop\n", "zh")[0].startswith("文件缺少必需的列：channel / 渠道")


def test_unknown_dealer_and_merchandiser_are_refused(db):
    data = (STORE_HEADER_EN.strip() + ",dealer_code,merchandiser\n" + "S1,Shop,modern,A,East,,,,D99,nobody\n").encode()
    assert messages(db, "stores", data) == [
        "Row 2, column “dealer_code”: dealer “D99” does not exist; import dealers first.",
        "Row 2, column “merchandiser”: “nobody” is not a merchandiser account; import users first.",
    ]


def test_an_import_with_one_bad_row_writes_nothing(db):
    data = (STORE_HEADER_EN + "S1,Fine,modern,A,NewRegion,,,\n" + "S2,Broken,modern,Z,East,,,\n").encode()
    plan = prepare_import(db, "stores", data, "s.csv")
    assert len(plan.problems) == 1
    with pytest.raises(ValueError):
        apply_import(db, plan)
    assert db.query_one("SELECT count(*) FROM stores")[0] == 0
    assert db.query_one("SELECT count(*) FROM regions")[0] == 0


def test_reimport_updates_by_code_and_leaves_absent_columns_alone(db):
    do_import(db, "stores", (STORE_HEADER_EN + "S1,Old name,modern,A,East,Shanghai,31.2,121.4\n").encode())
    result = do_import(db, "stores", b"code,name,channel,grade,region\nS1,New name,traditional,B,East\n")
    assert (result.created, result.updated) == (0, 1)
    assert db.query_one("SELECT count(*) FROM stores")[0] == 1
    assert store(db, "S1") == ("New name", "traditional", "B", "E", "Shanghai", 31.2)


def test_prices_with_currency_signs_and_thousands_separators(db):
    data = ("code,name_en,name_zh,brand,category,rrp,must_stock_channels\n"
            "P1,Tea,茶,Q,drinks,¥3.50,传统;现代\n"
            "P2,Soap,皂,Q,care,\"1,039.00 元\",modern\n"
            "P3,Free,免费,Q,care,0,modern\n").encode()
    assert messages(db, "products", data) == ["Row 4, column “rrp”: “0” is not a price above zero."]
    do_import(db, "products", data.rsplit(b"P3", 1)[0])
    rows = db.cursor().execute("SELECT code, rrp::DOUBLE, must_stock_channels FROM products ORDER BY code").fetchall()
    assert rows == [("P1", 3.5, ["modern", "traditional"]), ("P2", 1039.0, ["modern"])]


def test_users_import_hashes_passwords_and_checks_dealer_accounts(db):
    do_import(db, "dealers", "code,name_en,name_zh\nD01,Huamei,华美\n".encode())
    data = ("username,display_name,role,dealer_code,password\n"
            "Zhang.Min,张敏,业务员,,change-me-123\n"
            "huamei,华美,dealer,,change-me-123\n"
            "newbie,新人,manager,,\n").encode()
    assert messages(db, "users", data) == [
        "Row 3, column “dealer_code”: a dealer account needs a dealer code.",
        "Row 4, column “password”: a new user needs a password.",
    ]
    do_import(db, "users", data.replace(b"dealer,,", b"dealer,D01,").replace(b"manager,,", b"manager,,secret-pass"))
    assert auth.authenticate(db, "zhang.min", "change-me-123").role == "merchandiser"
    assert auth.get_user(db, "huamei").dealer_code == "D01"
    stored = db.query_one("SELECT password_hash FROM users WHERE username = 'newbie'")[0]
    assert stored.startswith("$argon2") and "secret-pass" not in stored
    # Re-importing without a password keeps the old one.
    do_import(db, "users", "username,display_name,role\nzhang.min,张敏敏,merchandiser\n".encode())
    assert auth.authenticate(db, "zhang.min", "change-me-123").display_name == "张敏敏"


def test_files_that_are_not_tables_get_a_clear_message(db):
    assert messages(db, "stores", b"\x89PNG\r\n\x1a\n\x00\x00", filename="photo.png") == ["Choose a .csv or .xlsx file."]
    assert messages(db, "stores", b"not a zip", filename="stores.xlsx") == [
        "The file could not be read as CSV (UTF-8 or GBK) or XLSX."]
    assert messages(db, "stores", STORE_HEADER_EN.encode()) == ["The file has no data rows."]


def test_sample_files_import_cleanly_in_the_documented_order(db):
    for kind, name in [("dealers", "dealers.csv"), ("users", "users.csv"), ("stores", "stores.csv"),
                       ("stores", "stores_gbk.csv"), ("products", "products.csv"),
                       ("competitors", "competitors.csv"), ("pop_types", "pop_types.csv")]:
        do_import(db, kind, (SAMPLES / name).read_bytes(), name)
    assert db.query_one("SELECT count(*) FROM stores")[0] == 13
    assert db.query_one("SELECT name, sub_channel, region_code FROM stores WHERE code = 'T0101'") == (
        "永辉超市（福田店）", "supermarket_chain", "S")
