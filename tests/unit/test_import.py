"""Master-data import: encodings, header languages, XLSX, every bad row reported in both languages,
all-or-nothing, upsert by code, the sample files, accounts."""

from __future__ import annotations

import io
import re
import time

import pytest
from openpyxl import Workbook

from audit import auth, i18n, masterdata
from audit.db import Database
from audit.masterdata import (
    SPECS,
    accepted_columns,
    apply_import,
    format_problem,
    prepare_import,
    read_table,
    result_lines,
    run_import_cli,
)
from tests.helpers.paths import SAMPLES

SAMPLE_ORDER = [
    ("dealers", "dealers.csv"),
    ("users", "users.csv"),
    ("stores", "stores.csv"),
    ("stores", "stores_gbk.csv"),
    ("products", "products.csv"),
    ("competitors", "competitors.csv"),
    ("pop_types", "pop_types.csv"),
]


@pytest.fixture
def seeded(db) -> Database:
    """A dealer D01 and a merchandiser zhang.min, as store files refer to them."""
    do_import(db, "dealers", "code,name_en,name_zh\nD01,Huamei Trading,华美商贸\n".encode())
    do_import(db, "users", "username,display_name,role,password\nzhang.min,张敏,业务员,long-enough-1\n".encode())
    return db


def do_import(db, kind: str, data: bytes, filename: str = "file.csv"):
    preview = prepare_import(db, kind, data, filename)
    assert preview.problems == [], [format_problem(p, "en") for p in preview.problems]
    return apply_import(db, preview)


def messages(db, kind: str, data: bytes, lang: str, filename: str = "file.csv") -> list[str]:
    return [format_problem(p, lang) for p in prepare_import(db, kind, data, filename).problems]


def one(db, sql: str, params=None):
    return db.query_one(sql, params or [])


def count(db, table: str) -> int:
    return one(db, f"SELECT count(*) FROM {table}")[0]


def xlsx(build) -> bytes:
    book = Workbook()
    build(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- encodings and delimiters

STORES_ZH = (
    "门店编码,门店名称,渠道,等级,大区,城市,纬度,经度\nS1,好又多超市（天河店）,现代通路,A,华南,广州,23.13,113.32\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_each_encoding_reads_chinese_back_from_the_database(db, encoding):
    do_import(db, "stores", STORES_ZH.encode(encoding))
    assert one(db, "SELECT name, channel, grade, region_code, city, latitude FROM stores WHERE code = 'S1'") == (
        "好又多超市（天河店）",
        "modern",
        "A",
        "S",
        "广州",
        23.13,
    )
    assert one(db, "SELECT name_en, name_zh FROM regions") == ("South", "华南")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_comma_semicolon_and_tab_separated_files(db, delimiter):
    header = delimiter.join(["code", "name", "channel", "grade", "region", "address"])
    row = delimiter.join(["S3", "小店", "special", "b", "East", '"人民路1号, 2楼"'])
    do_import(db, "stores", f"{header}\n{row}\n".encode())
    assert one(db, "SELECT name, channel, grade, address FROM stores WHERE code = 'S3'") == (
        "小店",
        "special",
        "B",
        "人民路1号, 2楼",
    )


def test_codes_and_phone_numbers_stay_text(db):
    do_import(db, "stores", "code,name,channel,grade,region,phone\n00123,小店,modern,A,East,0755-0001\n".encode())
    assert one(db, "SELECT code, phone FROM stores") == ("00123", "0755-0001")


# ---------------------------------------------------------------- headers and values in either language


def test_chinese_and_english_headers_and_values_give_the_same_store(seeded):
    english = (
        "Store Code,Name,Channel,Grade,Region,Category,Sub-channel,Ownership,Latitude,Longitude,"
        "Dealer Code,Merchandiser\n"
        "S1,联华超市,traditional,b,East,wholesale_t1,grocery,private,31.2,121.4,D01,zhang.min\n"
    )
    chinese = (
        "*门店编码,门店名称 *,通路,门店等级,区域,客户类别,业态,所有制,纬度（度）,经度,经销商编码,业务员\n"
        "S2,联华超市,传统通路,B级,East,一批,便利店,私营,31.2,121.4,d01,Zhang.Min\n"
    )
    do_import(seeded, "stores", english.encode())
    do_import(seeded, "stores", chinese.encode("gbk"))
    columns = (
        "name, channel, grade, region_code, category, sub_channel, ownership, latitude, longitude, dealer_code,"
        " merchandiser"
    )
    first = one(seeded, f"SELECT {columns} FROM stores WHERE code = 'S1'")
    assert first == (
        "联华超市",
        "traditional",
        "B",
        "E",
        "wholesale_t1",
        "grocery",
        "private",
        31.2,
        121.4,
        "D01",
        "zhang.min",
    )
    assert one(seeded, f"SELECT {columns} FROM stores WHERE code = 'S2'") == first


def test_full_width_headers_and_values_are_understood(db):
    data = "门店编码＊,门店名称,渠道（必填）,等级,大区\nS1,小店,ＭＯＤＥＲＮ,Ａ,华东\n".encode()
    do_import(db, "stores", data)
    assert one(db, "SELECT channel, grade FROM stores") == ("modern", "A")


def test_prices_channel_lists_and_name_fallback(db):
    data = (
        "产品编码,英文名称,中文名称,品牌,品类,建议零售价（元）,必备渠道\n"
        'P1,Green Tea,,Qingquan,beverages,"¥1,234.50",传统、现代\n'
        "P2,,矿泉水,Qingquan,beverages,￥12,全部\n"
        "P3,Chips,薯片,Cuile,snacks,12元,modern|special\n"
        "P4,Soap,肥皂,Jingrou,care,RMB 8.5,\n"
    ).encode()
    do_import(db, "products", data)
    rows = db.query_df("SELECT code, name_en, name_zh, rrp, must_stock_channels FROM products ORDER BY code")
    assert rows["name_en"].tolist() == ["Green Tea", "矿泉水", "Chips", "Soap"]
    assert rows["name_zh"].tolist() == ["Green Tea", "矿泉水", "薯片", "肥皂"]
    assert [float(p) for p in rows["rrp"]] == [1234.5, 12.0, 12.0, 8.5]
    assert [list(c) for c in rows["must_stock_channels"]] == [
        ["traditional", "modern"],
        ["traditional", "modern", "special"],
        ["modern", "special"],
        [],
    ]


def test_region_maps_to_an_existing_one_by_code_or_either_name_and_unknown_ones_are_created(db):
    with db.write() as cur:
        cur.execute("INSERT INTO regions VALUES ('E', 'East', '华东')")
    data = (
        "code,name,channel,grade,region\nS1,a,modern,A,E\nS2,b,modern,A,east\nS3,c,modern,A,华东\n"
        "S4,d,modern,A,Far West\nS5,e,modern,A,far west\nS6,f,modern,A,西北\nS7,g,modern,A,Northwest\n"
    ).encode()
    preview = prepare_import(db, "stores", data, "s.csv")
    assert preview.new_regions == [("Far West", "Far West", "Far West"), ("NW", "Northwest", "西北")]
    result = apply_import(db, preview)
    assert result_lines(result, "zh")[-1] == "已新建区域：Far West、西北。"
    assert db.query_df("SELECT region_code FROM stores ORDER BY code")["region_code"].tolist() == [
        "E",
        "E",
        "E",
        "Far West",
        "Far West",
        "NW",
        "NW",
    ]
    assert one(db, "SELECT name_en, name_zh FROM regions WHERE code = 'NW'") == ("Northwest", "西北")


def test_every_header_names_one_field_only():
    for spec in SPECS.values():
        owners = {}
        for f in spec.fields:
            for key in f.header_keys():
                owners.setdefault(key, set()).add(f.name)
        assert {k: v for k, v in owners.items() if len(v) > 1} == {}, spec.name


def test_accepted_columns_say_what_a_file_needs():
    stores = accepted_columns("stores", "zh").set_index("column")
    assert stores.loc["code", "column_zh"] == "门店编码"
    assert set(stores.index[stores["required"]]) == {"code", "name", "channel", "grade", "region"}
    assert stores.loc["channel", "values"] == "传统通路、现代通路、特殊通路"
    assert accepted_columns("users", "en").set_index("column").loc["role", "values"] == (
        "merchandiser, manager, dealer, admin"
    )


# ---------------------------------------------------------------- XLSX


def _store_sheet(grade_of_last_row: str):
    def build(sheet):
        sheet.append(["门店清单 2026"])
        sheet.merge_cells("A1:G1")  # a title row across the top
        sheet.append(["门店信息", None, None, "位置", None, "等级", "大区"])  # group headings above the header
        sheet.merge_cells("A2:C2")
        sheet.merge_cells("D2:E2")
        sheet.merge_cells("F2:F3")  # "等级" spans both header rows
        sheet.merge_cells("G2:G3")
        sheet.append(["门店编码", "门店名称", "渠道", "纬度", "经度"])
        sheet.append([123, "美佳超市", "传统", 31.23, 121.47, "B", "华东"])  # row 4; code typed as a number
        sheet.append(["00124", "联华超市", "现代", 30.5, 120.1, "A"])  # row 5
        sheet.merge_cells("G4:G5")  # one region cell for both stores
        sheet.append([])  # row 6: empty
        sheet.append(["00125", "百佳超市", "特殊", None, None, grade_of_last_row, "华南"])  # row 7

    return xlsx(build)


def test_xlsx_with_title_row_merged_headers_and_an_empty_row(db):
    table = read_table(_store_sheet("C"), "stores.xlsx", "stores")
    assert list(table.columns) == ["门店编码", "门店名称", "渠道", "纬度", "经度", "等级", "大区"]
    assert table.index.tolist() == [4, 5, 7]
    do_import(db, "stores", _store_sheet("C"), "stores.xlsx")
    rows = db.cursor().execute("SELECT code, name, channel, grade, region_code, latitude FROM stores ORDER BY code")
    assert rows.fetchall() == [
        ("00124", "联华超市", "modern", "A", "E", 30.5),
        ("00125", "百佳超市", "special", "C", "S", None),
        ("123", "美佳超市", "traditional", "B", "E", 31.23),
    ]


def test_xlsx_problems_name_the_spreadsheet_row(db):
    assert messages(db, "stores", _store_sheet("Z"), "en", "stores.xlsx") == [
        "Row 7, column “等级”: “Z” is not one of: A, B, C."
    ]
    assert messages(db, "stores", _store_sheet("Z"), "zh", "stores.xlsx") == [
        "第 7 行，“等级”列：“Z”不是以下之一：A、B、C。"
    ]


# ---------------------------------------------------------------- every bad row, in both languages

BAD_STORES = (
    "{code},{name},{channel},{grade},{region},{latitude},{longitude},{dealer},{merchandiser}\n"
    "S1,好店,modern,A,华东,31.2,121.4,D01,zhang.min\n"
    "S2,,traditional,D,华东,31.2,121.4,D01,zhang.min\n"
    "S1,重复店,现代,B,华东,95,abc,D09,nobody\n"
    "S4,渠道错,网店,C,华东,,,,\n"
)


def test_bad_store_rows_are_all_reported_in_english(seeded):
    headers = dict(
        code="code",
        name="name",
        channel="channel",
        grade="grade",
        region="region",
        latitude="latitude",
        longitude="longitude",
        dealer="dealer",
        merchandiser="merchandiser",
    )
    assert messages(seeded, "stores", BAD_STORES.format(**headers).encode(), "en") == [
        "Row 3, column “name”: a value is required.",
        "Row 3, column “grade”: “D” is not one of: A, B, C.",
        "Row 4, column “code”: “S1” also appears in row 2.",
        "Row 4, column “latitude”: 95 is outside -90 to 90.",
        "Row 4, column “longitude”: “abc” is not a number.",
        "Row 4, column “dealer”: dealer “D09” does not exist; import dealers first.",
        "Row 4, column “merchandiser”: “nobody” is not a merchandiser account; import users first.",
        "Row 5, column “channel”: “网店” is not one of: traditional, modern, special.",
    ]


def test_bad_store_rows_are_all_reported_in_chinese(seeded):
    headers = dict(
        code="门店编码",
        name="门店名称",
        channel="渠道",
        grade="等级",
        region="大区",
        latitude="纬度",
        longitude="经度",
        dealer="经销商编码",
        merchandiser="业务员",
    )
    assert messages(seeded, "stores", BAD_STORES.format(**headers).encode("gbk"), "zh") == [
        "第 3 行，“门店名称”列：不能为空。",
        "第 3 行，“等级”列：“D”不是以下之一：A、B、C。",
        "第 4 行，“门店编码”列：“S1”与第 2 行重复。",
        "第 4 行，“纬度”列：95 超出 -90 至 90 的范围。",
        "第 4 行，“经度”列：“abc”不是数字。",
        "第 4 行，“经销商编码”列：经销商“D09”不存在，请先导入经销商。",
        "第 4 行，“业务员”列：“nobody”不是业务员账号，请先导入用户。",
        "第 5 行，“渠道”列：“网店”不是以下之一：传统通路、现代通路、特殊通路。",
    ]


def test_a_merchandiser_must_be_a_merchandiser_account(seeded):
    do_import(seeded, "users", "username,display_name,role,password\nboss,Boss,经理,long-enough-1\n".encode())
    data = "code,name,channel,grade,region,merchandiser\nS1,店,modern,A,E,boss\n".encode()
    assert messages(seeded, "stores", data, "en") == [
        "Row 2, column “merchandiser”: “boss” is not a merchandiser account; import users first."
    ]


def test_missing_and_repeated_columns_are_file_level_problems(db):
    data = b"code,name,channel\nS1,a,modern\n"
    assert messages(db, "stores", data, "en") == ["The file lacks required columns: grade, region."]
    assert messages(db, "stores", data, "zh") == ["文件缺少必需的列：等级（grade）、区域（region）。"]
    twice = "code,门店编码,name,channel,grade,region\nS1,S1,a,modern,A,E\n".encode()
    assert messages(db, "stores", twice, "en") == ["Columns “code”, “门店编码” mean the same thing; keep only one."]
    assert messages(db, "stores", twice, "zh") == ["“code”、“门店编码”这几列含义相同，请只保留一列。"]


def test_unknown_columns_are_ignored_and_listed(db):
    preview = prepare_import(db, "stores", b"code,name,channel,grade,region,wechat\nS1,a,modern,A,E,x\n", "s.csv")
    assert preview.ok and preview.ignored_columns == ["wechat"]


def test_bad_product_rows(db):
    data = (
        "code,name_en,name_zh,brand,category,rrp,must_stock_channels\n"
        "P1,Tea,茶,Q,bev,0,modern\n"
        'P2,,,Q,bev,abc,"modern;网店"\n'
    ).encode()
    assert messages(db, "products", data, "en") == [
        "Row 2, column “rrp”: “0” is not a price above zero.",
        "Row 3, column “name_en”: a value is required.",
        "Row 3, column “name_zh”: a value is required.",
        "Row 3, column “rrp”: “abc” is not a price above zero.",
        "Row 3, column “must_stock_channels”: “网店” is not one of: traditional, modern, special.",
    ]


def test_bad_user_rows_in_both_languages(db):
    do_import(db, "dealers", "code,name_en,name_zh\nD01,Huamei,华美\n".encode())
    data = (
        "username,display_name,role,dealer_code,password\n"
        "Bad Name!,X,manager,,long-enough-1\n"
        "d1,Dealer One,dealer,,long-enough-1\n"
        "d2,Dealer Two,经销商,D99,long-enough-1\n"
        "m1,Merch,业务员,,\n"
        "m2,Merch Two,业务员,,short\n"
        "x1,X,boss,,long-enough-1\n"
    ).encode()
    assert messages(db, "users", data, "en") == [
        "Row 2, column “username”: “Bad Name!” is not a valid user name"
        " (2–32 letters, digits, dot, dash or underscore).",
        "Row 3, column “dealer_code”: a dealer account needs the code of an existing dealer.",
        "Row 4, column “dealer_code”: dealer “D99” does not exist; import dealers first.",
        "Row 5, column “password”: a new user needs a password.",
        "Row 6, column “password”: the password must have at least 8 characters.",
        "Row 7, column “role”: “boss” is not one of: merchandiser, manager, dealer, admin.",
    ]
    assert messages(db, "users", data, "zh")[1:] == [
        "第 3 行，“dealer_code”列：经销商账号必须填写已存在的经销商编码。",
        "第 4 行，“dealer_code”列：经销商“D99”不存在，请先导入经销商。",
        "第 5 行，“password”列：新用户必须设置密码。",
        "第 6 行，“password”列：密码至少需要 8 个字符。",
        "第 7 行，“role”列：“boss”不是以下之一：业务员、品牌经理、经销商、管理员。",
    ]
    no_password_column = b"username,display_name,role\nm3,Merch Three,merchandiser\n"
    assert messages(db, "users", no_password_column, "en") == ["Row 2: a new user needs a password."]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "stores.xls", "Choose a .csv or .xlsx file."),
        (
            b"PK\x03\x04 not really a workbook",
            "stores.xlsx",
            "The file could not be read as CSV (UTF-8 or GBK) or XLSX.",
        ),
        (b"code,name\n\x80\xff", "stores.csv", "The file could not be read as CSV (UTF-8 or GBK) or XLSX."),
        (b"", "stores.csv", "The file has no data rows."),
        (b"code,name,channel,grade,region\n\n,,,,\n", "stores.csv", "The file has no data rows."),
    ],
)
def test_unreadable_files_say_why(db, data, filename, message):
    assert messages(db, "stores", data, "en", filename) == [message]


# ---------------------------------------------------------------- all or nothing


def test_one_bad_row_writes_nothing(seeded):
    data = (
        b"code,name,channel,grade,region\nS1,a,modern,A,New Region\nS2,b,modern,A,New Region\n"
        b"S3,c,modern,Z,New Region\nS4,d,modern,A,New Region\n"
    )
    preview = prepare_import(seeded, "stores", data, "s.csv")
    assert len(preview.problems) == 1
    with pytest.raises(ValueError):
        apply_import(seeded, preview)
    assert count(seeded, "stores") == 0
    assert count(seeded, "regions") == 0


def test_a_failure_while_writing_rolls_everything_back(db):
    preview = prepare_import(db, "stores", b"code,name,channel,grade,region\nS1,a,modern,A,Far West\n", "s.csv")
    assert preview.ok and preview.new_regions == [("Far West", "Far West", "Far West")]
    preview.frame.loc[2, "grade"] = "Z"  # slips past the checks: the database refuses it mid-transaction
    with pytest.raises(Exception, match="CHECK constraint failed|violates check constraint"):  # DuckDB | PostgreSQL
        apply_import(db, preview)
    assert count(db, "stores") == 0
    assert count(db, "regions") == 0  # the region inserted first is rolled back too


# ---------------------------------------------------------------- re-import


def test_reimport_updates_by_code_without_duplicates_and_leaves_absent_columns_alone(db):
    first = (
        "code,name,channel,grade,region,city,latitude,longitude,active\n"
        "S1,老店,traditional,B,E,上海,31.2,121.4,否\nS2,二店,modern,C,E,杭州,30.2,120.1,\n"
    ).encode()
    do_import(db, "stores", first)
    second = "code,name,channel,grade,region,active\nS1,老店,traditional,A,E,\nS3,新店,special,C,E,\n".encode()
    preview = prepare_import(db, "stores", second, "s.csv")
    assert (preview.to_create, preview.to_update) == (1, 1)
    result = apply_import(db, preview)
    assert (result.created, result.updated) == (1, 1)
    assert count(db, "stores") == 3
    assert one(db, "SELECT grade, city, latitude, longitude, active FROM stores WHERE code = 'S1'") == (
        "A",
        "上海",
        31.2,
        121.4,
        False,
    )  # grade updated; city, coordinates and (blank) active kept
    assert one(db, "SELECT active FROM stores WHERE code = 'S3'") == (True,)  # a blank active is active when new
    third = "code,name,channel,grade,region,city\nS1,老店,traditional,A,E,\n".encode()
    do_import(db, "stores", third)
    assert one(db, "SELECT city, latitude FROM stores WHERE code = 'S1'") == (None, 31.2)  # a blank cell clears


def test_reimported_products_update_lists_and_prices(db):
    do_import(
        db,
        "products",
        "code,name_en,name_zh,brand,category,rrp,must_stock_channels\nP1,Tea,茶,Q,bev,3.50,modern\n".encode(),
    )
    do_import(db, "products", b"code,rrp,name_en,brand,category,must_stock_channels\nP1,4,Tea,Q,bev,\n")
    assert count(db, "products") == 1
    name_zh, rrp, channels = one(db, "SELECT name_zh, rrp, must_stock_channels FROM products")
    assert (name_zh, float(rrp), list(channels)) == ("茶", 4.0, [])


# ---------------------------------------------------------------- users


def test_users_import_hashes_passwords_and_reimport_keeps_or_changes_them(db):
    do_import(db, "dealers", "code,name_en,name_zh\nD01,Huamei,华美\n".encode())
    do_import(
        db,
        "users",
        (
            "用户名,姓名,角色,经销商编码,密码,语言\n"
            "Zhang.Wei,张伟,业务员,,first-password,中文\n"
            "huamei,华美商贸,经销商,D01,dealer-password,\n"
        ).encode("gbk"),
    )
    stored = one(db, "SELECT password_hash FROM users WHERE username = 'zhang.wei'")[0]
    assert stored.startswith("$argon2") and "first-password" not in stored
    user = auth.authenticate(db, "zhang.wei", "first-password")
    assert (user.display_name, user.role, user.language) == ("张伟", "merchandiser", "zh")
    assert auth.authenticate(db, "huamei", "dealer-password").dealer_code == "D01"

    result = do_import(
        db,
        "users",
        "username,display_name,role,password\nzhang.wei,张伟伟,merchandiser,\n"
        "huamei,华美,manager,new-password-2\n".encode(),
    )
    assert (result.created, result.updated) == (0, 2)
    assert auth.authenticate(db, "zhang.wei", "first-password").display_name == "张伟伟"  # blank keeps it
    assert auth.authenticate(db, "huamei", "dealer-password") is None
    assert auth.authenticate(db, "huamei", "new-password-2").dealer_code is None  # no longer a dealer
    assert auth.authenticate(db, "zhang.wei", "first-password").language == "zh"  # absent column kept
    assert count(db, "users") == 2


def test_preview_masks_passwords_and_names_the_action(db):
    preview = prepare_import(
        db, "users", b"username,display_name,role,password\nm1,M,merchandiser,long-enough-1\n", "u.csv"
    )
    table = preview.as_stored("zh")
    assert table[["_row", "_action", "username", "password"]].values.tolist() == [[2, "新增", "m1", "••••••"]]
    assert preview.rows == [2] and (preview.to_create, preview.to_update) == (1, 0)


# ---------------------------------------------------------------- samples, command line, size


def test_sample_files_import_cleanly_in_order_into_an_empty_database(db):
    for kind, name in SAMPLE_ORDER:
        preview = prepare_import(db, kind, (SAMPLES / name).read_bytes(), name)
        assert preview.ok, (name, [format_problem(p, "en") for p in preview.problems])
        assert preview.ignored_columns == [], name
        assert apply_import(db, preview).created == len(preview.rows) > 0
    assert count(db, "stores") == 13
    store = one(db, "SELECT name, channel, category, sub_channel, grade, merchandiser FROM stores WHERE code = 'T0102'")
    assert store == ("百佳便利店", "traditional", "other", "grocery", "C", "li.qiang")
    assert db.query_df("SELECT code FROM regions ORDER BY code")["code"].tolist() == ["E", "N", "S"]
    assert auth.authenticate(db, "wang.lei", "change-me-123").role == "merchandiser"
    assert list(one(db, "SELECT must_stock_channels FROM products WHERE code = 'P403'")[0]) == ["traditional", "modern"]


def test_sample_readme_documents_every_column_of_every_kind():
    text = (SAMPLES / "README.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    for kind, spec in SPECS.items():
        assert kind in sections, kind
        for f in spec.fields:
            assert f"`{f.name}`" in sections[kind] and f.label_zh in sections[kind], (kind, f.name)


def test_command_line_import_reports_in_the_chosen_language(db, tmp_path, capsys):
    assert run_import_cli(db, "dealers", SAMPLES / "dealers.csv", "zh") == 0
    assert capsys.readouterr().out.splitlines() == [
        "导入完成：新增 3 条，更新 0 条。",
        "已新建区域：华东、华南、华北。",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,channel,grade,region,wechat\nS1,Shop,modern,Q,East,x\n", encoding="utf-8")
    assert run_import_cli(db, "stores", bad, "en") == 1
    assert capsys.readouterr().out.splitlines() == [
        "Columns not recognised (ignored): “wechat”",
        "Row 2, column “grade”: “Q” is not one of: A, B, C.",
        "1 problem found; nothing was imported.",
    ]
    assert run_import_cli(db, "stores", tmp_path / "missing.csv", "zh") == 1
    assert capsys.readouterr().out.strip() == f"找不到文件：{tmp_path / 'missing.csv'}"
    assert count(db, "stores") == 0


def test_a_hundred_thousand_stores_import_in_bulk(seeded):
    lines = ["code,name,channel,grade,region,latitude,longitude,dealer,merchandiser"]
    lines += [
        f"S{i:06d},门店{i},{('modern', '传统', 'special')[i % 3]},{'ABC'[i % 3]},{('华东', '华南')[i % 2]},"
        f"{30 + i / 1e6:.6f},120.5,D01,zhang.min"
        for i in range(100_000)
    ]
    started = time.monotonic()
    result = do_import(seeded, "stores", "\n".join(lines).encode())
    assert time.monotonic() - started < 30  # row-by-row inserts would take many minutes
    assert (result.created, count(seeded, "stores")) == (100_000, 100_000)
    assert one(seeded, "SELECT channel, grade, region_code FROM stores WHERE code = 'S099999'") == ("modern", "A", "S")


def test_the_import_preview_names_every_column_in_the_users_language():
    from audit.ui.import_panel import preview_headers

    for kind in masterdata.KINDS:
        headers = preview_headers(kind, "zh")
        assert headers["_action"] == "操作" and headers["_row"] == i18n.t("import.row", "zh")
        assert all(field.label_zh in headers[field.name] for field in masterdata.SPECS[kind].fields)
