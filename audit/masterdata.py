"""Master-data import: dealers, stores, products, competitors, POP types and users from CSV or XLSX.

One generic path, driven by a declarative spec per kind (`SPECS`):

    read_table(data, filename)         bytes -> DataFrame of text, indexed by the row number in the file
    prepare_import(db, kind, data, …)  map headers, parse values, check rows against each other and the
                                       database -> ImportPlan (preview, errors, counts); nothing is written
    apply_import(db, plan)             one transaction: new regions, then one bulk upsert by code

Errors are data (`ImportIssue`: row, column, code, params) rendered by `format_error` in the user's
language. A file with any error writes nothing. Re-importing updates by code (username for users), and
only the columns present in the file are updated on existing rows.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pyarrow as pa
from openpyxl.utils.cell import range_boundaries

from audit.auth import hash_password
from audit.db import Database
from audit.i18n import catalog, t
from audit.users import MIN_PASSWORD_LENGTH, USERNAME_PATTERN

IMPORT_ORDER = ("dealers", "users", "stores", "products", "competitors", "pop_types")
MAX_PRICE = Decimal("99999999.99")  # DECIMAL(10, 2)
HEADER_SEARCH_ROWS = 10  # a title or group-heading row above the real header is skipped
CLI_MAX_ERRORS = 50


# ---------------------------------------------------------------- problems and their messages

class Problem(Exception):
    """One value or file that cannot be imported; code names the message `import.error.<code>`."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class ImportIssue:
    """An error as data. row: as the user sees it in the file (header = row 1); column: as named there."""

    code: str
    row: int | None = None
    column: str | None = None
    params: dict = field(default_factory=dict)


def _join(items: Iterable[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)


def _quoted(items: Iterable[str], lang: str) -> str:
    return _join((f"“{item}”" for item in items), lang)


def format_error(error: ImportIssue, lang: str) -> str:
    """The error as one sentence in lang, prefixed with where it is in the file."""
    params = dict(error.params)
    if "choices" in params:
        params["allowed"] = CHOICES[params["choices"]].allowed(lang)
    if "fields" in params:  # canonical field names of a kind -> column names the user can type
        spec = SPECS[params["kind"]]
        params["columns"] = _join((spec.field(name).display(lang) for name in params["fields"]), lang)
    if "headers" in params:  # column names as written in the file
        params["columns"] = _quoted(params["headers"], lang)
    message = t(f"import.error.{error.code}", lang, **params)
    if error.row is not None and error.column is not None:
        return t("import.at_cell", lang, row=error.row, column=error.column, message=message)
    if error.row is not None:
        return t("import.at_row", lang, row=error.row, message=message)
    return message


# ---------------------------------------------------------------- values

def _key(text: str, brackets: bool = True) -> str:
    """A spelling-tolerant key: NFKC (full-width -> ASCII), case, spaces, _, -, and required markers *."""
    text = unicodedata.normalize("NFKC", str(text))
    if not brackets:
        text = re.sub(r"[(\[【][^)\]】]*[)\]】]", "", text)
    return re.sub(r"[\s_\-*]+", "", text).casefold()


def _fold(text: str) -> str:
    """Key for codes and names looked up in the database: width and case only."""
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


class Choice:
    """A closed (or, strict=False, open) set of stored values with English and Chinese spellings."""

    def __init__(self, name: str, options: dict[Any, tuple[str, ...]], catalog_prefix: str | None = None,
                 strict: bool = True):
        self.name = name  # error code unknown_<name>; CHOICES key
        self.options = options  # stored value -> (English display, Chinese display, other spellings...)
        self.strict = strict
        self._lookup: dict[str, Any] = {}
        for value, spellings in options.items():
            labels = [catalog(lang).get(f"{catalog_prefix}.{value}", "") for lang in ("en", "zh")] if catalog_prefix else []
            for spelling in (str(value), *spellings, *labels):
                if spelling:
                    self._lookup.setdefault(_key(spelling), value)
                    self._lookup.setdefault(_key(spelling, brackets=False), value)

    def parse(self, text: str):
        for candidate in (_key(text), _key(text, brackets=False)):
            if candidate in self._lookup:
                return self._lookup[candidate]
        if not self.strict:
            return text
        raise Problem(f"unknown_{self.name}", value=text, choices=self.name)

    def allowed(self, lang: str) -> str:
        return _join((spellings[1 if lang == "zh" else 0] for spellings in self.options.values()), lang)


CHANNEL = Choice("channel", {
    "traditional": ("traditional", "传统", "传统通路", "传统渠道", "trad"),
    "modern": ("modern", "现代", "现代通路", "现代渠道"),
    "special": ("special", "特殊", "特殊通路", "特殊渠道"),
}, catalog_prefix="channel")
CHOICES = {choice.name: choice for choice in (
    CHANNEL,
    Choice("grade", {g: (g, g, f"{g}级", f"{g}类") for g in ("A", "B", "C")}),
    Choice("category", {
        "agent": ("agent", "代理商", "代理"),
        "wholesale_t1": ("wholesale_t1", "一批", "一批商", "tier1", "t1", "一级批发商"),
        "wholesale_t2": ("wholesale_t2", "二批", "二批商", "tier2", "t2", "二级批发商"),
        "key_retailer": ("key_retailer", "重点零售商", "重点零售"),
        "other": ("other", "其他", "其它"),
    }, catalog_prefix="category"),
    Choice("role", {
        "merchandiser": ("merchandiser", "业务员", "品牌维护员"),
        "manager": ("manager", "品牌经理", "经理", "brand manager"),
        "dealer": ("dealer", "经销商", "distributor"),
        "admin": ("admin", "管理员", "administrator", "系统管理员"),
    }, catalog_prefix="role"),
    Choice("language", {
        "en": ("en", "英文", "english", "英语"),
        "zh": ("zh", "中文", "chinese", "简体中文", "zh-cn", "汉语"),
    }),
    Choice("boolean", {
        True: ("yes", "是", "y", "true", "1", "启用", "有效", "active"),
        False: ("no", "否", "n", "false", "0", "停用", "无效", "inactive"),
    }),
    Choice("sub_channel", {}, catalog_prefix="sub_channel", strict=False),
    Choice("ownership", {}, catalog_prefix="ownership", strict=False),
)}
# The open choices learn their codes from the translation catalog (sub_channel.grocery, ownership.private, ...).
for _open in ("sub_channel", "ownership"):
    CHOICES[_open] = Choice(_open, {
        key.split(".", 1)[1]: (key.split(".", 1)[1], catalog("zh")[key])
        for key in catalog("en") if key.startswith(f"{_open}.")
    }, catalog_prefix=_open, strict=False)

ALL_CHANNELS = tuple(CHANNEL.options)
_LIST_SEPARATORS = re.compile(r"[;,、|]")
_ALL = {_key(word) for word in ("all", "全部", "所有")}


def _channel_list(text: str) -> list[str]:
    """ "traditional;现代" -> ['traditional', 'modern']; "all" / 全部 -> every channel."""
    items = [item.strip() for item in _LIST_SEPARATORS.split(unicodedata.normalize("NFKC", text))]
    channels: list[str] = []
    for item in filter(None, items):
        if _key(item) in _ALL:
            return list(ALL_CHANNELS)
        try:
            channel = CHANNEL.parse(item)
        except Problem:
            raise Problem("unknown_list_channel", value=item, choices="channel") from None
        if channel not in channels:
            channels.append(channel)
    return channels


def _number(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(unicodedata.normalize("NFKC", text))
        except ValueError:
            raise Problem("not_a_number", value=text) from None
        if value != value or not low <= value <= high:
            raise Problem("out_of_range", value=text, min=low, max=high)
        return value

    return parse


_CURRENCY = re.compile(r"rmb|cny|[¥$元,\s]", re.IGNORECASE)  # NFKC turns ￥ into ¥


def _price(text: str) -> float:
    """ "¥1,234.50", "RMB 12", "12元" -> 1234.5, 12.0; must be > 0."""
    cleaned = _CURRENCY.sub("", unicodedata.normalize("NFKC", text))
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise Problem("not_a_number", value=text) from None
    if not value.is_finite():
        raise Problem("not_a_number", value=text)
    if value <= 0:
        raise Problem("price_not_positive", value=text)
    if value > MAX_PRICE:
        raise Problem("out_of_range", value=text, min="0.01", max=f"{MAX_PRICE:,}")
    return float(value.quantize(Decimal("0.01")))


def _username(text: str) -> str:
    name = text.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise Problem("username_invalid", value=text)
    return name


def _password(text: str) -> str:
    if len(text) < MIN_PASSWORD_LENGTH:
        raise Problem("password_short", n=MIN_PASSWORD_LENGTH)
    return text


@dataclass(frozen=True)
class ValueType:
    """How a cell's text becomes a stored value: parse (None = the text as written) and its Arrow type."""

    parse: Callable[[str], Any] | None = None
    arrow: pa.DataType = pa.string()


TEXT = ValueType()
USERNAME = ValueType(_username)
PASSWORD = ValueType(_password)
LATITUDE = ValueType(_number(-90, 90), pa.float64())
LONGITUDE = ValueType(_number(-180, 180), pa.float64())
PRICE = ValueType(_price, pa.float64())
CHANNELS = ValueType(_channel_list, pa.list_(pa.string()))
BOOLEAN = ValueType(CHOICES["boolean"].parse, pa.bool_())


def choice(name: str) -> ValueType:
    return ValueType(CHOICES[name].parse)


@dataclass(frozen=True)
class Lookup:
    """Values that must name something in the database: sql gives (accepted spelling, stored value).

    missing: the error code for a value not found, or None to create it (regions).
    """

    sql: str
    missing: str | None


DEALER = Lookup("SELECT code, code FROM dealers", "unknown_dealer")
MERCHANDISER = Lookup("SELECT username, username FROM users WHERE role = 'merchandiser' AND active",
                      "unknown_merchandiser")
REGION = Lookup("SELECT code, code FROM regions UNION ALL SELECT name_en, code FROM regions"
                " UNION ALL SELECT name_zh, code FROM regions", None)


# ---------------------------------------------------------------- what each kind of file holds

@dataclass(frozen=True)
class Field:
    name: str                         # canonical column name (English header)
    label_zh: str                     # Chinese header
    aliases: tuple[str, ...] = ()     # other accepted headers, English or Chinese
    required: bool = False            # column must be in the file and every row needs a value
    type: ValueType = TEXT
    lookup: Lookup | None = None
    column: str | None = None         # database column, when not the same as name
    fallback: str | None = None       # a blank value (or absent column) takes this field's value
    default: Any = None               # value for a blank cell
    keep_blank: bool = False          # a blank cell keeps an existing row's value (default only for new rows)
    on_write: Callable[[Any], Any] | None = None  # last conversion before writing (password -> hash)

    @property
    def db_column(self) -> str:
        return self.column or self.name

    def display(self, lang: str) -> str:
        return f"{self.label_zh}（{self.name}）" if lang == "zh" else self.name

    def header_keys(self) -> set[str]:
        return {_key(alias) for alias in (self.name, self.label_zh, *self.aliases)}


Rule = Callable[[pd.DataFrame, "RuleContext"], Iterable[tuple[int, str | None, str, dict]]]


@dataclass(frozen=True)
class RuleContext:
    present: frozenset[str]
    is_new: pd.Series


@dataclass(frozen=True)
class KindSpec:
    kind: str
    table: str
    key: str                           # field whose value identifies a row: re-import updates it
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()       # checks across fields of a row: yield (row, field, code, params)
    adjust: Callable[[pd.DataFrame], pd.DataFrame] | None = None  # after validation, before writing

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _names(name_en_aliases: tuple[str, ...], name_zh_label: str, name_zh_aliases: tuple[str, ...]) -> tuple[Field, Field]:
    """English and Chinese names: one of the two is enough, the other copies it."""
    return (
        Field("name_en", "英文名称", ("english_name", "name", "名称(英文)", "英文名", *name_en_aliases),
              required=True, fallback="name_zh"),
        Field("name_zh", name_zh_label, ("chinese_name", "名称", "名称(中文)", "中文名", "中文名称", *name_zh_aliases),
              required=True, fallback="name_en"),
    )


ACTIVE = Field("active", "是否启用", ("enabled", "status", "启用", "状态", "有效"), type=BOOLEAN, default=True,
               keep_blank=True)
REGION_FIELD = Field("region", "区域", ("region_code", "region_name", "大区", "区域编码", "区域名称", "片区"),
                     lookup=REGION, column="region_code")


def _dealer_accounts_name_a_dealer(rows: pd.DataFrame, ctx: RuleContext):
    dealer = rows["dealer"] if "dealer" in rows else pd.Series(None, index=rows.index, dtype=object)
    for row in rows.index[rows["role"].eq("dealer") & dealer.isna()]:
        yield row, "dealer" if "dealer" in ctx.present else None, "dealer_required", {}


def _new_accounts_have_passwords(rows: pd.DataFrame, ctx: RuleContext):
    password = rows["password"] if "password" in rows else pd.Series(None, index=rows.index, dtype=object)
    for row in rows.index[ctx.is_new & password.isna()]:
        yield row, "password" if "password" in ctx.present else None, "password_required", {}


def _only_dealer_accounts_keep_a_dealer(rows: pd.DataFrame) -> pd.DataFrame:
    if "dealer" in rows:
        rows["dealer"] = rows["dealer"].where(rows["role"].eq("dealer"), None)
    return rows


SPECS: dict[str, KindSpec] = {spec.kind: spec for spec in (
    KindSpec("dealers", "dealers", "code", (
        Field("code", "经销商编码", ("dealer_code", "编码", "代码", "编号", "经销商代码", "经销商编号"), required=True),
        *_names((), "中文名称", ("经销商名称", "经销商")),
        REGION_FIELD,
        Field("contact", "联系人", ("contact_name", "contact_person", "联系人姓名")),
        Field("phone", "电话", ("telephone", "tel", "mobile", "联系电话", "手机")),
        Field("email", "邮箱", ("e-mail", "mail", "电子邮箱", "电子邮件")),
    )),
    KindSpec("stores", "stores", "code", (
        Field("code", "门店编码", ("store_code", "门店代码", "门店编号", "编码", "代码", "编号"), required=True),
        Field("name", "门店名称", ("store_name", "名称", "店名", "门店名"), required=True),
        Field("name_en", "英文名称", ("english_name", "门店英文名称", "英文名")),
        Field("address", "地址", ("门店地址", "详细地址")),
        Field("phone", "电话", ("telephone", "tel", "联系电话")),
        Field("contact_name", "联系人", ("contact", "contact_person", "联系人姓名")),
        Field("contact_role", "联系人职务", ("contact_title", "职务", "联系人角色")),
        Field("ownership", "所有制", ("ownership_type", "所有制形式", "经营性质"), type=choice("ownership")),
        Field("category", "门店类别", ("store_category", "客户类别", "客户类型", "类别"), type=choice("category")),
        Field("channel", "渠道", ("sales_channel", "通路", "渠道类型"), required=True, type=choice("channel")),
        Field("sub_channel", "子渠道", ("subchannel", "业态", "细分渠道"), type=choice("sub_channel")),
        Field("grade", "等级", ("store_grade", "门店等级", "级别", "客户等级"), required=True, type=choice("grade")),
        Field(*REGION_FIELD.__dict__.values()) if False else REGION_FIELD.__class__(
            **{**REGION_FIELD.__dict__, "required": True}),
        Field("city", "城市", ("所在城市",)),
        Field("latitude", "纬度", ("lat",), type=LATITUDE),
        Field("longitude", "经度", ("lng", "lon", "long"), type=LONGITUDE),
        Field("dealer", "经销商编码", ("dealer_code", "经销商", "经销商代码"), lookup=DEALER, column="dealer_code"),
        Field("merchandiser", "业务员", ("merchandiser_username", "业务员账号", "负责业务员"), lookup=MERCHANDISER),
        Field("brands_carried", "经营品牌", ("brands", "在售品牌")),
        Field("credit_notes", "信用备注", ("credit", "信用情况")),
        Field("notes", "备注", ("note", "remarks", "说明")),
        ACTIVE,
    )),
    KindSpec("products", "products", "code", (
        Field("code", "产品编码", ("product_code", "sku", "sku_code", "商品编码", "编码", "货号"), required=True),
        *_names(("product_name_en",), "中文名称", ("产品名称", "商品名称", "品名")),
        Field("brand", "品牌", ("brand_name", "品牌名称"), required=True),
        Field("category", "品类", ("product_category", "产品类别", "类别", "分类"), required=True),
        Field("rrp", "建议零售价", ("recommended_retail_price", "price", "零售价", "建议售价", "价格"), required=True,
              type=PRICE),
        Field("must_stock_channels", "必备渠道", ("must_stock", "必备通路", "必销渠道"), type=CHANNELS, default=[]),
        ACTIVE,
    )),
    KindSpec("competitors", "competitors", "code", (
        Field("code", "竞品编码", ("competitor_code", "编码", "代码"), required=True),
        *_names(("brand",), "中文名称", ("竞品名称", "竞品品牌", "品牌")),
        Field("notes", "备注", ("note", "remarks", "说明")),
        ACTIVE,
    )),
    KindSpec("pop_types", "pop_types", "code", (
        Field("code", "POP编码", ("pop_code", "编码", "物料编码", "代码"), required=True),
        *_names((), "中文名称", ("物料名称", "POP名称")),
        Field("required_channels", "必备渠道", ("channels", "适用渠道", "要求渠道", "必备通路"), type=CHANNELS, default=[]),
        ACTIVE,
    )),
    KindSpec("users", "users", "username", (
        Field("username", "用户名", ("user", "login", "账号", "登录名", "用户账号"), required=True, type=USERNAME),
        Field("display_name", "姓名", ("name", "显示名称", "名字"), required=True),
        Field("role", "角色", ("岗位", "职位"), required=True, type=choice("role")),
        Field("dealer", "经销商编码", ("dealer_code", "经销商", "经销商代码"), lookup=DEALER, column="dealer_code"),
        Field("password", "密码", (), type=PASSWORD, column="password_hash", keep_blank=True, on_write=hash_password),
        Field("language", "语言", ("lang",), type=choice("language"), default="en", keep_blank=True),
        ACTIVE,
    ), rules=(_dealer_accounts_name_a_dealer, _new_accounts_have_passwords),
        adjust=_only_dealer_accounts_keep_a_dealer),
)}
KINDS = tuple(SPECS)


def accepted_columns(kind: str, lang: str = "en") -> pd.DataFrame:
    """What a file of this kind may hold: one row per column (for an admin page or the docs)."""
    return pd.DataFrame([{
        "name": f.name,
        "label_zh": f.label_zh,
        "required": f.required,
        "aliases": ", ".join(f.aliases),
        "values": CHOICES[f.type.parse.__self__.name].allowed(lang)
        if getattr(f.type.parse, "__self__", None) in CHOICES.values() and CHOICES[f.type.parse.__self__.name].strict
        else (CHANNEL.allowed(lang) if f.type is CHANNELS else ""),
    } for f in SPECS[kind].fields])


# ---------------------------------------------------------------- reading a file into text

class UnreadableFile(Problem):
    """The file as a whole cannot be read as a table."""


def _decode(data: bytes) -> str:
    """BOM -> UTF-8 (or UTF-16); else strict UTF-8; else GB18030, the superset of GBK that Chinese Excel writes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):  # utf-8-sig is strict UTF-8 that also drops a BOM
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            if data.startswith(codecs.BOM_UTF8):
                break
    raise UnreadableFile("encoding")


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line holds most of (comma on a tie)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(",;\t", key=header.count)


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    yield from enumerate(reader, start=1)  # record number = the row Excel shows for this record


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(data: bytes) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of the first sheet's merged cells, read from the sheet's XML
    (openpyxl's fast read-only mode does not report them)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = ElementTree.fromstring(archive.read("xl/workbook.xml")).find(f"{_MAIN_NS}sheets/{_MAIN_NS}sheet")
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target") for r in rels if r.get("Id") == sheet.get(_REL_ID))
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        return [range_boundaries(ref.decode()) for ref in _MERGE_CELL.findall(archive.read(path))]


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Rows of the first sheet. A merged cell's value counts for every row it spans, in its first column."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        merged = _merged_ranges(data)
    except Exception as exc:  # a damaged or foreign zip: openpyxl raises many kinds
        raise UnreadableFile("unreadable") from exc
    spans: dict[int, list[tuple[int, int]]] = {}  # row -> [(column, row of the merged value)]
    for min_col, min_row, _max_col, max_row in merged:
        for row in range(min_row + 1, max_row + 1):
            spans.setdefault(row, []).append((min_col - 1, min_row))
    anchors: dict[tuple[int, int], str] = {}
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # some writers store a wrong sheet size, which would cut rows off
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            for column, anchor_row in spans.get(number, ()):
                cells += [""] * (column + 1 - len(cells))
                cells[column] = anchors.get((anchor_row, column), "")
            for min_col, min_row, *_ in merged:
                if min_row == number and min_col <= len(cells):
                    anchors[(number, min_col - 1)] = cells[min_col - 1]
            yield number, cells
    finally:
        workbook.close()


def _is_xlsx(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


def _raw_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    if _is_xlsx(data):
        return _xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0") or Path(filename).suffix.lower() in (".xls", ".xlsx", ".xlsm"):
        raise UnreadableFile("unsupported_file", filename=filename)  # old binary Excel, or not a workbook
    return _csv_rows(data)


def _header_score(cells: list[str], kind: str | None) -> int:
    if kind is None:
        return 0
    keys = {_key(c) for c in cells if c.strip()} | {_key(c, brackets=False) for c in cells if c.strip()}
    return sum(1 for f in SPECS[kind].fields if keys & f.header_keys())


def read_table(data: bytes, filename: str, kind: str | None = None) -> pd.DataFrame:
    """A CSV or XLSX file as a DataFrame of text ('' for blank), columns as headed in the file, indexed by
    the row number the user sees (header = row 1 in a plain file). Fully empty rows are skipped.

    The header is the first non-empty row; given a kind, the one among the first rows naming most of its
    columns (so a title line above the header is skipped). Columns without a header are dropped.
    """
    rows = ((n, [c.strip() for c in cells]) for n, cells in _raw_rows(data, filename))
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise UnreadableFile("empty_file")
    candidates = rows[:HEADER_SEARCH_ROWS]
    best = max(range(len(candidates)), key=lambda i: (_header_score(candidates[i][1], kind), -i))
    header = candidates[best][1]
    keep = [i for i, name in enumerate(header) if name]
    body = rows[best + 1:]
    width = len(header)
    table = [[(cells + [""] * (width - len(cells)))[i] for i in keep] for _, cells in body]
    return pd.DataFrame(table, columns=[header[i] for i in keep], dtype=object,
                        index=pd.Index([n for n, _ in body], name="row"))


# ---------------------------------------------------------------- preparing an import (nothing written)

@dataclass
class ImportPlan:
    kind: str
    rows: pd.DataFrame                 # parsed values by field name; index = row number in the file
    present: tuple[str, ...]           # fields whose column is in the file: only these update existing rows
    is_new: pd.Series                  # per row: True = will be created, False = will update
    errors: list[ImportIssue]
    ignored_columns: list[str] = field(default_factory=list)  # headers that match no field
    new_regions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def to_create(self) -> int:
        return int(self.is_new.sum())

    @property
    def to_update(self) -> int:
        return len(self.is_new) - self.to_create

    @property
    def preview(self) -> pd.DataFrame:
        """The normalised rows as they will be stored, with an action column (create / update)."""
        frame = self.rows.copy()
        for name in frame.columns:
            if name == "password":
                frame[name] = frame[name].map(lambda v: "••••••" if isinstance(v, str) else None)
            elif SPECS[self.kind].field(name).type is CHANNELS:
                frame[name] = frame[name].map(lambda v: ", ".join(v) if isinstance(v, list) else None)
        frame.insert(0, "action", self.is_new.map({True: "create", False: "update"}))
        return frame


def _failed_plan(kind: str, errors: list[ImportIssue], ignored: list[str] | None = None) -> ImportPlan:
    empty = pd.Index([], name="row", dtype="int64")
    return ImportPlan(kind, pd.DataFrame(index=empty), (), pd.Series([], index=empty, dtype=bool), errors,
                      ignored or [])


def _map_columns(spec: KindSpec, headers: list[str]) -> tuple[dict[str, int], list[str], list[ImportIssue]]:
    """Field name -> position of its column; headers matching no field; file-level errors."""
    positions: dict[str, list[int]] = {}
    ignored = []
    for position, header in enumerate(headers):
        keys = {_key(header), _key(header, brackets=False)}
        match = next((f for f in spec.fields if _key(header) in f.header_keys()), None) or next(
            (f for f in spec.fields if keys & f.header_keys()), None)
        if match is None:
            ignored.append(header)
        else:
            positions.setdefault(match.name, []).append(position)
    errors = [ImportIssue("duplicate_column", params={"headers": [headers[p] for p in found]})
              for found in positions.values() if len(found) > 1]
    missing = [f.name for f in spec.fields
               if f.required and f.name not in positions and (f.fallback is None or f.fallback not in positions)]
    if missing:
        errors.insert(0, ImportIssue("missing_columns", params={"kind": spec.kind, "fields": missing}))
    return {name: found[0] for name, found in positions.items()}, ignored, errors


def _parse_column(f: Field, raw: pd.Series, header: str) -> tuple[pd.Series, list[ImportIssue]]:
    """Parse each distinct value once (a 100,000-row file repeats most of its values)."""
    blank = raw.eq("")
    if f.type.parse is None:
        return raw.where(~blank, None), []
    parsed, problems = {}, {}
    for text in raw[~blank].unique():
        try:
            parsed[text] = f.type.parse(text)
        except Problem as problem:
            problems[text] = problem
    values = pd.Series([parsed.get(text) for text in raw], index=raw.index, dtype=object)
    issues = [ImportIssue(problems[text].code, row, header, problems[text].params)
              for row, text in raw[raw.isin(list(problems))].items()]
    return values, issues


def _duplicate_keys(values: pd.Series, header: str) -> list[ImportIssue]:
    first_row: dict[str, int] = {}
    issues = []
    for row, value in values[values.notna() & values.duplicated(keep=False)].items():
        if value in first_row:
            issues.append(ImportIssue("duplicate_key", row, header, {"value": value, "first_row": first_row[value]}))
        else:
            first_row[value] = row
    return issues


def _resolve(db: Database, lookup: Lookup, values: pd.Series, header: str):
    """Map values to what the database stores; returns (values, errors, values to create)."""
    known = {_fold(spelling): stored for spelling, stored in db.cursor().execute(lookup.sql).fetchall()
             if spelling is not None}
    issues, created = [], []
    for value in values.dropna().unique():
        if _fold(value) in known:
            continue
        if lookup.missing is None:
            known[_fold(value)] = value
            created.append(value)
        else:
            issues += [ImportIssue(lookup.missing, row, header, {"value": value})
                       for row in values.index[values.eq(value)]]
    resolved = values.map(lambda v: known.get(_fold(v)) if isinstance(v, str) else None)
    return resolved.astype(object).where(resolved.notna(), None), issues, created


def _fill(values: pd.Series, where: pd.Series, value) -> pd.Series:
    filler = pd.Series([value] * len(values), index=values.index, dtype=object)
    return values.where(~where, filler)


def _existing_keys(db: Database, spec: KindSpec, keys: pd.Series) -> pd.Series:
    cur = db.cursor()
    cur.register("import_keys", pa.table({"k": pa.array(keys.tolist(), pa.string())}))
    try:
        found = {k for (k,) in cur.execute(
            f"SELECT k FROM import_keys JOIN {spec.table} ON {spec.table}.{spec.field(spec.key).db_column} = k"
        ).fetchall()}
    finally:
        cur.unregister("import_keys")
    return keys.isin(found)


def prepare_import(db: Database, kind: str, data: bytes, filename: str) -> ImportPlan:
    """Read and check a file; the plan says what apply_import would write, or why it would not."""
    spec = SPECS[kind]
    try:
        table = read_table(data, filename, kind)
    except UnreadableFile as problem:
        return _failed_plan(kind, [ImportIssue(problem.code, params=problem.params)])
    headers = list(table.columns)
    positions, ignored, file_errors = _map_columns(spec, headers)
    if not file_errors and table.empty:
        file_errors = [ImportIssue("no_rows")]
    if file_errors:
        return _failed_plan(kind, file_errors, ignored)

    header_of = {name: headers[p] for name, p in positions.items()}
    order = {name: i for i, name in enumerate(sorted(positions, key=positions.get))}
    rows = pd.DataFrame(index=table.index)
    errors: list[tuple[str, ImportIssue]] = []
    blank = {}
    for name in positions:
        f = spec.field(name)
        raw = table.iloc[:, positions[name]].astype(str)
        blank[name] = raw.eq("")
        rows[name], issues = _parse_column(f, raw, header_of[name])
        errors += [(name, i) for i in issues]

    new_regions: list[str] = []
    for name in positions:
        f = spec.field(name)
        other_blank = blank.get(f.fallback, True) if f.fallback else True
        if f.required:
            errors += [(name, ImportIssue("required", row, header_of[name]))
                       for row in rows.index[blank[name] & other_blank]]
        if name == spec.key:
            errors += [(name, i) for i in _duplicate_keys(rows[name], header_of[name])]
        if f.lookup is not None:
            rows[name], issues, created = _resolve(db, f.lookup, rows[name], header_of[name])
            errors += [(name, i) for i in issues]
            new_regions += created

    for f in spec.fields:  # an absent or blank name copies the other language's name
        if f.fallback and f.fallback in rows:
            rows[f.name] = rows[f.fallback] if f.name not in rows else rows[f.name].where(rows[f.name].notna(),
                                                                                        rows[f.fallback])
    rows = rows[[f.name for f in spec.fields if f.name in rows]]

    is_new = ~_existing_keys(db, spec, rows[spec.key])
    for name in positions:
        f = spec.field(name)
        if f.default is not None:
            rows[name] = _fill(rows[name], rows[name].isna() & (is_new if f.keep_blank else True), f.default)

    bad_rows = {issue.row for _, issue in errors}
    good = ~rows.index.isin(bad_rows)
    context = RuleContext(frozenset(positions), is_new[good])
    for rule in spec.rules:
        for row, name, code, params in rule(rows[good], context):
            errors.append((name or "", ImportIssue(code, row, header_of.get(name), params)))
    if spec.adjust is not None:
        rows = spec.adjust(rows)

    errors.sort(key=lambda item: (item[1].row, order.get(item[0], len(order))))
    return ImportPlan(kind, rows, tuple(n for n in rows.columns if n in positions), is_new,
                      [issue for _, issue in errors], ignored, new_regions if not errors else [])


# ---------------------------------------------------------------- applying a plan (one transaction)

@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int
    updated: int
    new_regions: tuple[str, ...] = ()


class ImportRejected(ValueError):
    """apply_import was given a plan with errors."""


def _arrow_table(spec: KindSpec, rows: pd.DataFrame) -> pa.Table:
    columns = {}
    for name in rows.columns:
        f = spec.field(name)
        values = rows[name].tolist()
        if f.on_write is not None:
            values = [f.on_write(v) if isinstance(v, str) else None for v in values]
        columns[f.db_column] = pa.array(values, type=f.type.arrow, from_pandas=True)
    return pa.table(columns)


def _upsert_sql(spec: KindSpec, columns: list[str], present: tuple[str, ...]) -> str:
    """INSERT … SELECT from the registered rows; on an existing key only the file's columns change."""
    key = spec.field(spec.key).db_column
    updates = []
    for name in present:
        f = spec.field(name)
        if f.name == spec.key:
            continue
        column = f.db_column
        new = f"coalesce(excluded.{column}, {spec.table}.{column})" if f.keep_blank else f"excluded.{column}"
        updates.append(f"{column} = {new}")
    updates.append("updated_at = now()")
    listed = ", ".join(columns)
    return (f"INSERT INTO {spec.table} ({listed}) SELECT {listed} FROM import_rows "
            f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(updates)}")


def apply_import(db: Database, plan: ImportPlan) -> ImportResult:
    """Write a checked plan in one transaction: new regions, then one bulk upsert."""
    if not plan.ok:
        raise ImportRejected(f"{len(plan.errors)} errors: nothing imported")
    spec = SPECS[plan.kind]
    data = _arrow_table(spec, plan.rows)  # before the transaction: password hashing is slow
    key = spec.field(spec.key).db_column
    with db.write() as cur:
        cur.executemany("INSERT INTO regions (code, name_en, name_zh) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        [[region] * 3 for region in plan.new_regions])
        cur.register("import_rows", data)
        try:
            updated = cur.execute(
                f"SELECT count(*) FROM import_rows JOIN {spec.table} USING ({key})").fetchone()[0]
            cur.execute(_upsert_sql(spec, data.column_names, plan.present))
        finally:
            cur.unregister("import_rows")
    return ImportResult(plan.kind, data.num_rows - updated, updated, tuple(plan.new_regions))


def import_file(db: Database, kind: str, data: bytes, filename: str) -> tuple[ImportPlan, ImportResult | None]:
    """prepare_import, then apply_import when the file has no errors."""
    plan = prepare_import(db, kind, data, filename)
    return plan, (apply_import(db, plan) if plan.ok else None)


# ---------------------------------------------------------------- reports

def summary(result: ImportResult, lang: str) -> list[str]:
    lines = [t("import.summary", lang, kind=t(f"import.kind.{result.kind}", lang), created=result.created,
               updated=result.updated)]
    if result.new_regions:
        lines.append(t("import.regions_created", lang, regions=_join(result.new_regions, lang)))
    return lines


def error_report(plan: ImportPlan, lang: str, limit: int | None = None) -> list[str]:
    shown = plan.errors if limit is None else plan.errors[:limit]
    lines = [format_error(e, lang) for e in shown]
    if len(plan.errors) > len(shown):
        lines.append(t("import.more_errors", lang, count=len(plan.errors) - len(shown)))
    lines.append(t("import.rejected", lang, count=len(plan.errors)))
    return lines


def run_import_cli(db: Database, kind: str, path: str | Path, lang: str = "en") -> int:
    """`python -m audit import KIND FILE`: 0 imported, 1 rejected (errors on stderr, nothing written)."""
    path = Path(path)
    if not path.is_file():
        print(t("import.error.file_not_found", lang, path=path), file=sys.stderr)
        return 1
    plan = prepare_import(db, kind, path.read_bytes(), path.name)
    if plan.ignored_columns:
        print(t("import.ignored_columns", lang, columns=_quoted(plan.ignored_columns, lang)), file=sys.stderr)
    if not plan.ok:
        print("\n".join(error_report(plan, lang, CLI_MAX_ERRORS)), file=sys.stderr)
        return 1
    print("\n".join(summary(apply_import(db, plan), lang)))
    return 0
