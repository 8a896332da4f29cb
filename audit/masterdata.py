"""Master-data import: dealers, stores, products, competitors, POP types and users from CSV or XLSX.

One generic path, driven by a declarative spec per kind (`SPECS`: its fields, their English and
Chinese header names, how each value is parsed and checked):

    read_table(data, filename)         bytes -> DataFrame of text, indexed by the row number in the file
    prepare_import(db, kind, data, …)  map headers, parse values, check rows against each other and the
                                       database -> ImportPlan (preview, problems, counts); nothing written
    apply_import(db, plan)             one transaction: new regions, then one bulk upsert by code

Problems are data (`ImportProblem`: code, row, column, params) rendered by `format_problem` in the
user's language. A file with any problem writes nothing. Re-importing updates rows by code (username
for users), and only the columns present in the file change on existing rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pyarrow as pa
from openpyxl.utils.cell import range_boundaries

from audit.auth import hash_password
from audit.codes import MAX_CODE_LENGTH, is_valid_code
from audit.db import Database, scalar
from audit.i18n import catalog, t
from audit.users import MIN_PASSWORD_LENGTH, USERNAME_PATTERN

MAX_PRICE = Decimal("99999999.99")  # DECIMAL(10, 2)
HEADER_SEARCH_ROWS = 10  # a title or group-heading row above the real header is skipped
CLI_MAX_PROBLEMS = 100


# ---------------------------------------------------------------- problems and their messages


class ValueRefused(Exception):
    """A value (or a whole file) that cannot be imported; code names the message import.error.<code>."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class ImportProblem:
    """One problem as data: row as the user sees it in the file (header = row 1), column as named there."""

    code: str
    row: int | None = None
    column: str | None = None
    params: dict = field(default_factory=dict)


def _join(items: Iterable[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)


def format_problem(problem: ImportProblem, lang: str) -> str:
    """The problem as one sentence in lang, prefixed with where it is in the file."""
    params = dict(problem.params)
    if "choices" in params:  # the accepted values, spelled for the reader
        params["allowed"] = CHOICES[params.pop("choices")].allowed(lang)
    if "fields" in params:  # required fields missing from a file of a kind
        spec = SPECS[params.pop("kind")]
        params["columns"] = _join((spec.field(name).display(lang) for name in params.pop("fields")), lang)
    if "headers" in params:  # column names as written in the file
        params["columns"] = _join((f"“{header}”" for header in params.pop("headers")), lang)
    message = t(f"import.error.{problem.code}", lang, **params)
    if problem.row is not None and problem.column is not None:
        return t("import.at_cell", lang, row=problem.row, column=problem.column, message=message)
    if problem.row is not None:
        return t("import.at_row", lang, row=problem.row, message=message)
    return message


format_error = format_problem  # the same function under the name the brief and the docs use


# ---------------------------------------------------------------- values


def _key(text: str, brackets: bool = True) -> str:
    """A spelling-tolerant key: NFKC (full-width -> ASCII), case, spaces, _ and -, required markers *.

    brackets=False also drops bracketed notes: "建议零售价（元）" -> "建议零售价".
    """
    text = unicodedata.normalize("NFKC", str(text))
    if not brackets:
        text = re.sub(r"[(\[【][^)\]】]*[)\]】]", "", text)
    return re.sub(r"[\s_\-*]+", "", text).casefold()


def _keys(text: str) -> tuple[str, str]:
    return _key(text), _key(text, brackets=False)


def _fold(text: str) -> str:
    """How codes and names are compared with the database: width and case only."""
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


class Choice:
    """A set of stored values, each with an English and a Chinese display spelling and other spellings.

    catalog_prefix also accepts the translated labels (channel.modern -> Modern / 现代通路 ...);
    strict=False keeps an unknown value as written instead of refusing it.
    """

    def __init__(
        self, name: str, options: dict[Any, tuple[str, ...]], catalog_prefix: str | None = None, strict: bool = True
    ):
        self.name = name
        self.options = options
        self.strict = strict
        self._lookup: dict[str, Any] = {}
        for value, spellings in options.items():
            labels = (
                [catalog(lang).get(f"{catalog_prefix}.{value}", "") for lang in ("en", "zh")] if catalog_prefix else []
            )
            labels += [part for label in labels for part in label.split(" / ")]  # "便利店 / 杂货店"
            for spelling in (str(value), *spellings, *labels):
                for key in _keys(spelling) if spelling else ():
                    self._lookup.setdefault(key, value)

    def parse(self, text: str):
        for key in _keys(text):
            if key in self._lookup:
                return self._lookup[key]
        if self.strict:
            raise ValueRefused("unknown_value", value=text, choices=self.name)
        return text

    def allowed(self, lang: str) -> str:
        return _join((spellings[1 if lang == "zh" else 0] for spellings in self.options.values()), lang)


def _coded(prefix: str) -> Choice:
    """An open choice whose codes and labels are the translation catalog's (sub_channel.grocery, ...)."""
    codes = [key.split(".", 1)[1] for key in catalog("en") if key.startswith(f"{prefix}.")]
    return Choice(
        prefix, {code: (code, catalog("zh")[f"{prefix}.{code}"]) for code in codes}, catalog_prefix=prefix, strict=False
    )


CHANNEL = Choice(
    "channel",
    {
        "traditional": ("traditional", "传统通路", "传统", "传统渠道", "trad"),
        "modern": ("modern", "现代通路", "现代", "现代渠道"),
        "special": ("special", "特殊通路", "特殊", "特殊渠道", "特通"),
    },
    catalog_prefix="channel",
)
CHOICES = {
    c.name: c
    for c in (
        CHANNEL,
        Choice("grade", {g: (g, g, f"{g}级", f"{g}类") for g in ("A", "B", "C")}),
        Choice(
            "category",
            {
                "agent": ("agent", "代理商", "代理"),
                "wholesale_t1": ("wholesale_t1", "一批商", "一批", "tier1", "一级批发商"),
                "wholesale_t2": ("wholesale_t2", "二批商", "二批", "tier2", "二级批发商"),
                "key_retailer": ("key_retailer", "重点零售商", "重点零售"),
                "other": ("other", "其他", "其它"),
            },
            catalog_prefix="category",
        ),
        Choice(
            "role",
            {
                "merchandiser": ("merchandiser", "业务员", "品牌维护员"),
                "manager": ("manager", "品牌经理", "经理"),
                "dealer": ("dealer", "经销商", "distributor"),
                "admin": ("admin", "管理员", "administrator", "系统管理员"),
            },
            catalog_prefix="role",
        ),
        Choice(
            "language",
            {
                "en": ("en", "英文", "english", "英语"),
                "zh": ("zh", "中文", "chinese", "简体中文", "zh-cn", "汉语"),
            },
        ),
        Choice(
            "boolean",
            {
                True: ("yes", "是", "y", "true", "1", "启用", "有效", "正常", "营业", "active"),
                False: ("no", "否", "n", "false", "0", "停用", "无效", "关闭", "停业", "inactive"),
            },
        ),
        _coded("sub_channel"),
        _coded("ownership"),
    )
}

_LIST_SEPARATORS = re.compile(r"[;,、|]")  # after NFKC, full-width ；，｜ are these too
_ALL = {_key(word) for word in ("all", "全部", "所有")}


def _channel_list(text: str) -> list[str]:
    """ "traditional;现代" -> ['traditional', 'modern']; "all" / "全部" -> every channel."""
    channels: list[str] = []
    for item in filter(None, (s.strip() for s in _LIST_SEPARATORS.split(unicodedata.normalize("NFKC", text)))):
        if _key(item) in _ALL:
            return list(CHANNEL.options)
        channel = CHANNEL.parse(item)
        if channel not in channels:
            channels.append(channel)
    return channels


def _number(low: int, high: int) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(unicodedata.normalize("NFKC", text))
        except ValueError:
            raise ValueRefused("not_number", value=text) from None
        if not low <= value <= high:  # also refuses nan
            raise ValueRefused("out_of_range", value=text, low=low, high=high)
        return value

    return parse


_CURRENCY = re.compile(r"rmb|cny|[¥$元\s]", re.IGNORECASE)  # NFKC turns ￥ into ¥
# Commas only between groups of three digits: "12,5" (a decimal comma) is refused, not read as 125.
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def _price(text: str) -> float:
    """ "¥1,234.50", "RMB 12", "12元" -> 1234.5, 12.0: more than zero once rounded to the two decimals kept."""
    number = _CURRENCY.sub("", unicodedata.normalize("NFKC", text))
    if "," in number:
        if not _THOUSANDS.fullmatch(number):
            raise ValueRefused("price_separator", value=text)
        number = number.replace(",", "")
    try:
        value = Decimal(number).quantize(Decimal("0.01"))  # before the range check: 0.004 is 0.00
        in_range = 0 < value <= MAX_PRICE
    except InvalidOperation:  # not a number, infinite, too many digits to round, or NaN (compared)
        in_range = False
    if not in_range:
        raise ValueRefused("not_price", value=text)
    return float(value)


def _username(text: str) -> str:
    name = text.lower()
    if not USERNAME_PATTERN.match(name):
        raise ValueRefused("username_invalid", value=text)
    return name


def _code(text: str) -> str:
    if not is_valid_code(text):
        raise ValueRefused("code_invalid", value=text, n=MAX_CODE_LENGTH)
    return text


def _password(text: str) -> str:
    if len(text) < MIN_PASSWORD_LENGTH:
        raise ValueRefused("password_short", n=MIN_PASSWORD_LENGTH)
    return text


STRING = pa.string()


@dataclass(frozen=True)
class ValueType:
    """How a cell's text becomes the stored value (parse None: the text as written), and its Arrow type."""

    parse: Callable[[str], Any] | None = None
    arrow: pa.DataType = STRING
    choices: str | None = None  # the Choice whose values are accepted, to list them for the user


def choice(name: str, arrow: pa.DataType = STRING) -> ValueType:
    return ValueType(CHOICES[name].parse, arrow, name)


TEXT = ValueType()
USERNAME = ValueType(_username)
CODE = ValueType(_code)  # codes become file names, ZIP entries and URLs: audit.codes says what they may hold
PASSWORD = ValueType(_password)
LATITUDE = ValueType(_number(-90, 90), pa.float64())
LONGITUDE = ValueType(_number(-180, 180), pa.float64())
PRICE = ValueType(_price, pa.float64())
CHANNELS = ValueType(_channel_list, pa.list_(pa.string()), "channel")
BOOLEAN = choice("boolean", pa.bool_())


@dataclass(frozen=True)
class Lookup:
    """Values that must name a row in the database: sql gives (accepted spelling, stored value).

    missing: the problem code for a value not found, or None to create it (regions).
    """

    sql: str
    missing: str | None


DEALER = Lookup("SELECT code, code FROM dealers", "unknown_dealer")
MERCHANDISER = Lookup(
    "SELECT username, username FROM users WHERE role = 'merchandiser' AND active", "unknown_merchandiser"
)
REGION = Lookup(
    "SELECT code, code FROM regions UNION ALL SELECT name_en, code FROM regions"
    " UNION ALL SELECT name_zh, code FROM regions",
    None,
)
# China's usual sales regions: named in either language, a new one is created with both names.
WELL_KNOWN_REGIONS = [
    ("E", "East", "华东"),
    ("S", "South", "华南"),
    ("N", "North", "华北"),
    ("SW", "Southwest", "西南"),
    ("C", "Central", "华中"),
    ("NE", "Northeast", "东北"),
    ("NW", "Northwest", "西北"),
]


def _new_region(value: str) -> tuple[str, str, str]:
    """(code, name_en, name_zh) for a region a file names that the database does not have yet."""
    folded = _fold(value)
    return next((r for r in WELL_KNOWN_REGIONS if folded in (_fold(r[1]), _fold(r[2]))), (value, value, value))


# ---------------------------------------------------------------- what each kind of file holds


@dataclass(frozen=True)
class Field:
    name: str  # canonical column name (the English header)
    label_zh: str  # the Chinese header
    headers: tuple[str, ...] = ()  # other accepted headers, English or Chinese
    required: bool = False  # the column must be in the file and every row needs a value
    type: ValueType = TEXT
    lookup: Lookup | None = None
    column: str | None = None  # database column, when not the same as name
    fallback: str | None = None  # a blank value (or absent column) takes this field's value
    default: Any = None  # value for a blank cell
    keep_blank: bool = False  # a blank cell keeps an existing row's value (default: new rows only)
    on_write: Callable[[Any], Any] | None = None  # last conversion before writing (password -> hash)

    @property
    def db_column(self) -> str:
        return self.column or self.name

    def display(self, lang: str) -> str:
        return f"{self.label_zh}（{self.name}）" if lang == "zh" else self.name

    def header_keys(self) -> set[str]:
        return {_key(header) for header in (self.name, self.label_zh, *self.headers)}


# A check across the fields of a row: (rows, is_new per row) -> (row, field, problem code) for each bad row.
Rule = Callable[[pd.DataFrame, pd.Series], Iterable[tuple[int, str, str]]]


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    key: str  # the field identifying a row: re-importing it updates the row
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()  # checks across the fields of a row
    adjust: Callable[[pd.DataFrame], pd.DataFrame] | None = None  # after the checks (columns it adds are written)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @cached_property
    def header_index(self) -> dict[str, Field]:
        return {key: f for f in reversed(self.fields) for key in f.header_keys()}

    def field_for(self, header: str) -> Field | None:
        return next((self.header_index[k] for k in _keys(header) if k in self.header_index), None)


def _names(label_zh: str, zh_headers: tuple[str, ...] = (), en_headers: tuple[str, ...] = ()) -> tuple[Field, Field]:
    """English and Chinese names: one of the two is enough, the other copies it."""
    return (
        Field(
            "name_en", "英文名称", ("english_name", "name", "英文名", *en_headers), required=True, fallback="name_zh"
        ),
        Field("name_zh", label_zh, ("chinese_name", "名称", "中文名", *zh_headers), required=True, fallback="name_en"),
    )


ACTIVE = Field("active", "是否启用", ("enabled", "status", "启用", "状态"), type=BOOLEAN, default=True, keep_blank=True)
REGION_FIELD = Field(
    "region",
    "区域",
    ("region_code", "region_name", "大区", "区域编码", "区域名称", "片区"),
    lookup=REGION,
    column="region_code",
)
DEALER_FIELD = Field(
    "dealer", "经销商编码", ("dealer_code", "经销商", "经销商代码"), lookup=DEALER, column="dealer_code"
)
NOTES = Field("notes", "备注", ("note", "remarks", "说明"))


def _dealer_accounts_name_a_dealer(rows: pd.DataFrame, is_new: pd.Series):
    dealer = rows["dealer"] if "dealer" in rows else pd.Series(None, index=rows.index, dtype=object)
    for row in rows.index[rows["role"].eq("dealer") & dealer.isna()]:
        yield row, "dealer", "dealer_required"


def _new_accounts_have_passwords(rows: pd.DataFrame, is_new: pd.Series):
    password = rows["password"] if "password" in rows else pd.Series(None, index=rows.index, dtype=object)
    for row in rows.index[is_new & password.isna()]:
        yield row, "password", "password_required"


def _only_dealer_accounts_keep_a_dealer(rows: pd.DataFrame) -> pd.DataFrame:
    """Other roles have no dealer, even when the file has no dealer column (a dealer turned manager)."""
    dealer = rows["dealer"] if "dealer" in rows else pd.Series(None, index=rows.index, dtype=object)
    rows["dealer"] = dealer.where(rows["role"].eq("dealer"), None)
    return rows


SPECS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "dealers",
            "dealers",
            "code",
            (
                Field(
                    "code",
                    "经销商编码",
                    ("dealer_code", "编码", "代码", "编号", "经销商代码"),
                    required=True,
                    type=CODE,
                ),
                *_names("中文名称", ("经销商名称", "经销商")),
                REGION_FIELD,
                Field("contact", "联系人", ("contact_name", "contact_person", "联系人姓名")),
                Field("phone", "电话", ("telephone", "tel", "mobile", "联系电话", "手机")),
                Field("email", "邮箱", ("e-mail", "mail", "电子邮箱", "电子邮件")),
            ),
        ),
        Kind(
            "users",
            "users",
            "username",
            (
                Field(
                    "username", "用户名", ("user", "login", "账号", "登录名", "用户账号"), required=True, type=USERNAME
                ),
                Field("display_name", "姓名", ("name", "显示名称", "名字"), required=True),
                Field("display_name_en", "英文姓名", ("english_name", "name_en", "英文名", "英文名字")),
                Field("role", "角色", ("岗位", "职位"), required=True, type=choice("role")),
                DEALER_FIELD,
                Field(
                    "password",
                    "密码",
                    ("初始密码",),
                    type=PASSWORD,
                    column="password_hash",
                    keep_blank=True,
                    on_write=hash_password,
                ),
                Field("language", "语言", ("lang",), type=choice("language"), default="en", keep_blank=True),
                ACTIVE,
            ),
            rules=(_dealer_accounts_name_a_dealer, _new_accounts_have_passwords),
            adjust=_only_dealer_accounts_keep_a_dealer,
        ),
        Kind(
            "stores",
            "stores",
            "code",
            (
                Field(
                    "code",
                    "门店编码",
                    ("store_code", "门店代码", "门店编号", "客户编码", "编码", "代码", "编号"),
                    required=True,
                    type=CODE,
                ),
                Field("name", "门店名称", ("store_name", "客户名称", "名称", "店名", "门店名"), required=True),
                Field("name_en", "英文名称", ("english_name", "英文店名", "英文名")),
                Field("address", "地址", ("门店地址", "详细地址")),
                Field("phone", "电话", ("telephone", "tel", "联系电话")),
                Field("contact_name", "联系人", ("contact", "contact_person", "联系人姓名")),
                Field("contact_role", "联系人职务", ("contact_title", "职务")),
                Field("ownership", "所有制", ("ownership_type", "所有制形式", "经营性质"), type=choice("ownership")),
                Field(
                    "category",
                    "客户类别",
                    ("store_category", "customer_type", "门店类别", "客户类型", "类别"),
                    type=choice("category"),
                ),
                Field("channel", "渠道", ("sales_channel", "通路", "渠道类型"), required=True, type=choice("channel")),
                Field("sub_channel", "细分渠道", ("subchannel", "子渠道", "业态"), type=choice("sub_channel")),
                Field(
                    "grade",
                    "等级",
                    ("store_grade", "门店等级", "级别", "客户等级"),
                    required=True,
                    type=choice("grade"),
                ),
                replace(REGION_FIELD, required=True),
                Field("city", "城市", ("所在城市",)),
                Field("city_en", "英文城市名", ("english_city", "city_english", "城市英文名", "英文城市")),
                Field("latitude", "纬度", ("lat",), type=LATITUDE),
                Field("longitude", "经度", ("lng", "lon", "long"), type=LONGITUDE),
                DEALER_FIELD,
                Field(
                    "merchandiser", "业务员", ("merchandiser_username", "业务员账号", "负责业务员"), lookup=MERCHANDISER
                ),
                Field("brands_carried", "经营品牌", ("brands", "在售品牌")),
                Field("credit_notes", "信用备注", ("credit", "信用情况", "信用")),
                NOTES,
                ACTIVE,
            ),
        ),
        Kind(
            "products",
            "products",
            "code",
            (
                Field(
                    "code",
                    "产品编码",
                    ("product_code", "sku", "sku_code", "商品编码", "编码", "货号"),
                    required=True,
                    type=CODE,
                ),
                *_names("中文名称", ("产品名称", "商品名称", "品名")),
                Field("brand", "品牌", ("brand_name", "品牌名称"), required=True),
                Field("category", "品类", ("product_category", "产品类别", "类别", "分类"), required=True),
                Field(
                    "rrp",
                    "建议零售价",
                    ("recommended_retail_price", "recommended_price", "price", "零售价", "建议售价", "价格"),
                    required=True,
                    type=PRICE,
                ),
                Field(
                    "must_stock_channels", "必备渠道", ("must_stock", "必备通路", "必销渠道"), type=CHANNELS, default=[]
                ),
                ACTIVE,
            ),
        ),
        Kind(
            "competitors",
            "competitors",
            "code",
            (
                Field("code", "竞品编码", ("competitor_code", "编码", "代码"), required=True, type=CODE),
                *_names("中文名称", ("竞品名称", "竞品品牌", "品牌"), ("brand",)),
                NOTES,
                ACTIVE,
            ),
        ),
        Kind(
            "pop_types",
            "pop_types",
            "code",
            (
                Field("code", "物料编码", ("pop_code", "POP编码", "编码", "代码"), required=True, type=CODE),
                *_names("中文名称", ("物料名称", "POP名称")),
                Field(
                    "required_channels",
                    "要求渠道",
                    ("channels", "必备渠道", "适用渠道", "必备通路"),
                    type=CHANNELS,
                    default=[],
                ),
                ACTIVE,
            ),
        ),
    )
}
KINDS = tuple(SPECS)  # also the order in which a new company imports them


def accepted_columns(kind: str, lang: str = "en") -> pd.DataFrame:
    """What a file of this kind may hold, one row per column: for an admin page or the docs."""
    return pd.DataFrame(
        [
            {
                "column": f.name,
                "column_zh": f.label_zh,
                "required": f.required,
                "other": ", ".join(f.headers),
                "values": CHOICES[f.type.choices].allowed(lang) if f.type.choices else "",
            }
            for f in SPECS[kind].fields
        ]
    )


# ---------------------------------------------------------------- reading a file into text


def _decode(data: bytes) -> str:
    """BOM -> UTF-8 (or UTF-16); else strict UTF-8; else GB18030, the superset of GBK that Chinese Excel writes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    encodings = ("utf-8-sig",) if data.startswith(codecs.BOM_UTF8) else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueRefused("unreadable")


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line holds most of (comma on a tie)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(",;\t", key=header.count)


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        yield from enumerate(reader, start=1)  # the record number is the row a spreadsheet shows
    except csv.Error as exc:  # not strict: the one error left is a cell over the field size limit
        raise ValueRefused("cell_too_long", line=reader.line_num, n=csv.field_size_limit()) from exc


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
    """(min_col, min_row, max_col, max_row) of the first sheet's merged cells, from the sheet's XML
    (openpyxl's read-only mode, which a 100,000-row sheet needs, does not report them)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = ElementTree.fromstring(archive.read("xl/workbook.xml")).find(f"{_MAIN_NS}sheets/{_MAIN_NS}sheet")
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        target = next((r.get("Target") for r in rels if sheet is not None and r.get("Id") == sheet.get(_REL_ID)), None)
        if target is None:
            raise ValueRefused("unreadable")  # a workbook without a first sheet
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        ranges = [range_boundaries(ref.decode()) for ref in _MERGE_CELL.findall(archive.read(path))]
        return [(a, b, c, d) for a, b, c, d in ranges if a and b and c and d]  # a merge names both corners


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Rows of the first sheet. A merged cell's value counts for every row it spans, in its first column."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        merged = _merged_ranges(data)
    except Exception as exc:  # a damaged workbook: openpyxl and zipfile raise many kinds
        raise ValueRefused("unreadable") from exc
    anchors: dict[int, list[int]] = {}  # row -> column indexes holding a merged value
    covered: dict[int, list[tuple[int, int]]] = {}  # row -> [(column index, row holding its value)]
    for min_col, min_row, _, max_row in merged:
        anchors.setdefault(min_row, []).append(min_col - 1)
        for spanned in range(min_row + 1, max_row + 1):
            covered.setdefault(spanned, []).append((min_col - 1, min_row))
    values: dict[tuple[int, int], str] = {}
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # some writers store a wrong sheet size, which would cut rows off
    try:
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in row]
            for column, source_row in covered.get(number, ()):
                cells += [""] * (column + 1 - len(cells))
                cells[column] = values.get((source_row, column), "")
            values.update({(number, c): cells[c] for c in anchors.get(number, ()) if c < len(cells)})
            yield number, cells
    except Exception as exc:  # damaged sheet XML surfaces only while the rows are read
        raise ValueRefused("unreadable") from exc
    finally:
        workbook.close()


def _raw_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0") or Path(filename).suffix.lower() in (".xls", ".xlsx", ".xlsm"):
        raise ValueRefused("file_type")  # an old binary .xls, or not a workbook at all
    return _csv_rows(data)


def _header_score(cells: list[str], kind: Kind | None) -> int:
    if kind is None:
        return 0
    return len({field.name for c in cells if c and (field := kind.field_for(c))})


def read_table(data: bytes, filename: str, kind: str | None = None) -> pd.DataFrame:
    """A CSV or XLSX file as a DataFrame of text ('' when blank), columns as headed in the file, indexed
    by the row number the user sees (header = row 1 in a plain file). Fully empty rows are skipped.

    The header is the first non-empty row; given a kind, the one among the first rows that names most
    of its columns (a title line above the header is skipped). Columns without a header are dropped.
    Raises ValueRefused for a file that is not a readable table.
    """
    spec = SPECS[kind] if kind else None
    rows = [
        (n, cells)
        for n, cells in ((n, [c.strip() for c in cells]) for n, cells in _raw_rows(data, filename))
        if any(cells)
    ]
    if not rows:
        raise ValueRefused("empty")
    candidates = rows[:HEADER_SEARCH_ROWS]
    best = max(range(len(candidates)), key=lambda i: (_header_score(candidates[i][1], spec), -i))
    header = candidates[best][1]
    keep = [i for i, name in enumerate(header) if name]
    body = rows[best + 1 :]
    padding = [""] * len(header)
    return pd.DataFrame(
        [[(cells + padding)[i] for i in keep] for _, cells in body],
        columns=[header[i] for i in keep],
        dtype=object,
        index=pd.Index([n for n, _ in body], name="row", dtype="int64"),
    )


# ---------------------------------------------------------------- preparing an import (nothing written)


@dataclass
class ImportPlan:
    kind: str
    frame: pd.DataFrame  # parsed values by field name; index = row number in the file
    present: tuple[str, ...]  # fields whose column is in the file: only these change existing rows
    is_new: pd.Series  # per row: True = to create, False = to update
    problems: list[ImportProblem]
    ignored_columns: list[str] = field(default_factory=list)  # headers that match no field
    new_regions: list[tuple[str, str, str]] = field(default_factory=list)  # code, name_en, name_zh

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> list[int]:
        """The numbers, in the file, of the rows to import."""
        return self.frame.index.tolist()

    @property
    def to_create(self) -> int:
        return int(self.is_new.sum())

    @property
    def to_update(self) -> int:
        return len(self.is_new) - self.to_create

    def preview(self, lang: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """The rows as they will be stored: _row (in the file), _action (create / update, translated when
        lang is given), then the fields; passwords masked, channel lists joined."""
        frame = self.frame.head(limit) if limit else self.frame.copy()
        spec = SPECS[self.kind]
        for name in frame.columns:
            if name == "password":
                frame[name] = frame[name].map(lambda v: "••••••" if isinstance(v, str) else None)
            elif spec.field(name).type is CHANNELS:
                frame[name] = frame[name].map(lambda v: ", ".join(v) if isinstance(v, list) else None)
        action = self.is_new.loc[frame.index].map({True: "create", False: "update"})
        frame.insert(0, "_action", action.map(lambda a: t(f"import.action.{a}", lang)) if lang else action)
        return frame.reset_index(names="_row")


def _failed_plan(kind: str, problems: list[ImportProblem], ignored: list[str] | None = None) -> ImportPlan:
    index = pd.Index([], name="row", dtype="int64")
    return ImportPlan(
        kind, pd.DataFrame(index=index), (), pd.Series([], index=index, dtype=bool), problems, ignored or []
    )


def _map_columns(spec: Kind, headers: list[str]) -> tuple[dict[str, int], list[str], list[ImportProblem]]:
    """Field name -> position of its column; headers matching no field; problems with the header."""
    positions: dict[str, list[int]] = {}
    ignored = []
    for position, header in enumerate(headers):
        found = spec.field_for(header)
        if found is None:
            ignored.append(header)
        else:
            positions.setdefault(found.name, []).append(position)
    missing = [f.name for f in spec.fields if f.required and f.name not in positions and f.fallback not in positions]
    problems = [ImportProblem("missing_columns", params={"kind": spec.name, "fields": missing})] if missing else []
    problems += [
        ImportProblem("duplicate_column", params={"headers": [headers[p] for p in found]})
        for found in positions.values()
        if len(found) > 1
    ]
    return {name: found[0] for name, found in positions.items()}, ignored, problems


def _parse_column(f: Field, raw: pd.Series, header: str) -> tuple[pd.Series, list[ImportProblem]]:
    """Parse each distinct value once: a 100,000-row file repeats most of its values."""
    blank = raw.eq("")
    if f.type.parse is None:
        return raw.where(~blank, None), []
    parsed, refused = {}, {}
    for text in raw[~blank].unique():
        try:
            parsed[text] = f.type.parse(text)
        except ValueRefused as problem:
            refused[text] = problem
    values = pd.Series([parsed.get(text) for text in raw], index=raw.index, dtype=object)
    problems = [
        ImportProblem(refused[text].code, row, header, refused[text].params)
        for row, text in raw[raw.isin(list(refused))].items()
    ]
    return values, problems


def _parse(spec: Kind, raw: dict[str, pd.Series], header_of: dict[str, str]):
    """Every column's text -> values: (frame of the fields in the file, problems)."""
    frame = pd.DataFrame(index=next(iter(raw.values())).index)
    problems = []
    for name, text in raw.items():
        frame[name], refused = _parse_column(spec.field(name), text, header_of[name])
        problems += refused
    return frame, problems


def _required_values(spec: Kind, raw: dict[str, pd.Series], header_of: dict[str, str]) -> list[ImportProblem]:
    problems = []
    for name, text in raw.items():
        f = spec.field(name)
        if f.required:
            empty = text.eq("") & (raw[f.fallback].eq("") if f.fallback in raw else True)
            problems += [ImportProblem("required", row, header_of[name]) for row in text.index[empty]]
    return problems


def _duplicate_keys(values: pd.Series, header: str) -> list[ImportProblem]:
    first_row: dict[str, int] = {}
    problems = []
    for row, value in values[values.notna() & values.duplicated(keep=False)].items():
        if value in first_row:
            problems.append(ImportProblem("duplicate", row, header, {"value": value, "other": first_row[value]}))
        else:
            first_row[value] = row
    return problems


def _resolve(db: Database, lookup: Lookup, values: pd.Series, header: str):
    """Values as the database stores them (matched by width and case): (values, problems, values to create)."""
    known = {
        _fold(spelling): stored
        for spelling, stored in db.cursor().execute(lookup.sql).fetchall()
        if spelling is not None
    }
    folded = values.map(lambda v: _fold(v) if isinstance(v, str) else None)
    unknown = values.notna() & ~folded.isin(list(known))
    problems, created = [], []
    if lookup.missing is None:
        for row, value in values[unknown].items():
            if folded[row] in known:
                continue
            region = _new_region(value)
            if not is_valid_code(region[0]):  # a new region's code is the name the file gives it
                problems.append(ImportProblem("code_invalid", row, header, {"value": value, "n": MAX_CODE_LENGTH}))
                continue
            for spelling in region:
                known.setdefault(_fold(spelling), region[0])
            created.append(region)
    else:
        problems = [ImportProblem(lookup.missing, row, header, {"value": values[row]}) for row in values.index[unknown]]
    resolved = folded.map(known)
    return resolved.astype(object).where(resolved.notna(), None), problems, created


def _resolve_lookups(db: Database, spec: Kind, frame: pd.DataFrame, header_of: dict[str, str]):
    """Dealer codes, merchandisers and regions as stored: (frame, problems, regions to create)."""
    problems, created = [], []
    for name in frame.columns:
        lookup = spec.field(name).lookup
        if lookup is not None:
            frame[name], refused, new = _resolve(db, lookup, frame[name], header_of[name])
            problems += refused
            created += new
    return frame, problems, created


def _copy_names(spec: Kind, frame: pd.DataFrame) -> pd.DataFrame:
    """A blank or absent name takes the other language's name."""
    for f in spec.fields:
        if f.fallback in frame:
            own = frame[f.name] if f.name in frame else pd.Series(None, index=frame.index, dtype=object)
            frame[f.name] = own.where(own.notna(), frame[f.fallback])
    return frame[[f.name for f in spec.fields if f.name in frame]]


def _fill_defaults(spec: Kind, frame: pd.DataFrame, present: list[str], is_new: pd.Series) -> pd.DataFrame:
    for f in (spec.field(name) for name in present):
        if f.default is not None:
            fill = frame[f.name].isna() & (is_new if f.keep_blank else True)
            frame[f.name] = frame[f.name].where(~fill, pd.Series([f.default] * len(frame), index=frame.index))
    return frame


def _check_rows(spec: Kind, frame: pd.DataFrame, is_new: pd.Series, header_of: dict[str, str]):
    return [
        ImportProblem(code, row, header_of.get(name)) for rule in spec.rules for row, name, code in rule(frame, is_new)
    ]


def _existing_keys(db: Database, spec: Kind, keys: pd.Series) -> pd.Series:
    column = spec.field(spec.key).db_column
    stored = {k for (k,) in db.cursor().execute(f"SELECT {column} FROM {spec.table}").fetchall()}
    return keys.isin(stored)


def prepare_import(db: Database, kind: str, data: bytes, filename: str) -> ImportPlan:
    """Read and check a whole file; the plan says what apply_import would write, or why it would not."""
    spec = SPECS[kind]
    try:
        table = read_table(data, filename, kind)
    except ValueRefused as problem:
        return _failed_plan(kind, [ImportProblem(problem.code, params=problem.params)])
    positions, ignored, file_problems = _map_columns(spec, list(table.columns))
    if not file_problems and table.empty:
        file_problems = [ImportProblem("empty")]
    if file_problems:
        return _failed_plan(kind, file_problems, ignored)

    present = [f.name for f in spec.fields if f.name in positions]
    raw = {name: table.iloc[:, positions[name]] for name in present}
    header_of = {name: table.columns[positions[name]] for name in present}
    frame, problems = _parse(spec, raw, header_of)
    problems += _required_values(spec, raw, header_of)
    problems += _duplicate_keys(frame[spec.key], header_of[spec.key])
    frame, refused, new_regions = _resolve_lookups(db, spec, frame, header_of)
    problems += refused
    frame = _copy_names(spec, frame)
    is_new = ~_existing_keys(db, spec, frame[spec.key])
    frame = _fill_defaults(spec, frame, present, is_new)

    checked = ~frame.index.isin([p.row for p in problems])  # rows with a bad value are not checked further
    problems += _check_rows(spec, frame[checked], is_new[checked], header_of)
    if spec.adjust is not None:
        before = set(frame.columns)
        frame = spec.adjust(frame)
        present += [f.name for f in spec.fields if f.name in frame and f.name not in before]
        frame = frame[[f.name for f in spec.fields if f.name in frame]]

    column_order = {header: position for position, header in enumerate(table.columns)}
    problems.sort(key=lambda p: (p.row, column_order.get(p.column, len(column_order))))
    return ImportPlan(kind, frame, tuple(present), is_new, problems, ignored, [] if problems else new_regions)


# ---------------------------------------------------------------- applying a plan (one transaction)


@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int
    updated: int
    new_regions: tuple[tuple[str, str, str], ...] = ()


def _arrow_table(spec: Kind, frame: pd.DataFrame) -> pa.Table:
    columns = {}
    for name in frame.columns:
        f = spec.field(name)
        values = frame[name].tolist()
        if f.on_write is not None:
            values = [f.on_write(v) if isinstance(v, str) else None for v in values]
        columns[f.db_column] = pa.array(values, type=f.type.arrow, from_pandas=True)
    return pa.table(columns)


def _upsert_sql(spec: Kind, columns: list[str], present: tuple[str, ...]) -> str:
    """INSERT … SELECT the registered rows; on an existing key only the file's columns change.
    Identifiers come from the spec, values only from the registered table."""
    updates = []
    for f in (spec.field(name) for name in present if name != spec.key):
        column = f.db_column
        value = f"coalesce(excluded.{column}, {spec.table}.{column})" if f.keep_blank else f"excluded.{column}"
        updates.append(f"{column} = {value}")
    updates.append("updated_at = now()")
    listed = ", ".join(columns)
    return (
        f"INSERT INTO {spec.table} ({listed}) SELECT {listed} FROM import_rows "
        f"ON CONFLICT ({spec.field(spec.key).db_column}) DO UPDATE SET {', '.join(updates)}"
    )


def apply_import(db: Database, plan: ImportPlan) -> ImportResult:
    """Write a checked plan in one transaction (new regions, then one bulk upsert); refuses a plan with
    problems."""
    if not plan.ok:
        raise ValueError("an import with problems is never written")
    spec = SPECS[plan.kind]
    rows = _arrow_table(spec, plan.frame)  # before the transaction: password hashing is slow
    key = spec.field(spec.key).db_column
    try:
        with db.write() as cur:
            if plan.new_regions:
                cur.executemany(
                    "INSERT INTO regions (code, name_en, name_zh) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    [list(region) for region in plan.new_regions],
                )
            cur.register("import_rows", rows)
            updated = scalar(cur, f"SELECT count(*) FROM import_rows JOIN {spec.table} USING ({key})")
            cur.execute(_upsert_sql(spec, rows.column_names, plan.present))
    finally:  # after the commit or rollback (an aborted transaction refuses it); db.write() uses this cursor
        db.cursor().unregister("import_rows")
    return ImportResult(plan.kind, rows.num_rows - updated, updated, tuple(plan.new_regions))


# ---------------------------------------------------------------- reports


def result_lines(result: ImportResult, lang: str) -> list[str]:
    lines = [t("import.done", lang, created=result.created, updated=result.updated)]
    if result.new_regions:
        lines.append(
            t(
                "import.regions_created",
                lang,
                regions=_join((r[2] if lang == "zh" else r[1] for r in result.new_regions), lang),
            )
        )
    return lines


def problem_lines(plan: ImportPlan, lang: str, limit: int | None = None) -> list[str]:
    shown = plan.problems[:limit] if limit else plan.problems
    lines = [format_problem(p, lang) for p in shown]
    if len(plan.problems) > len(shown):
        lines.append(t("import.more_problems", lang, n=len(plan.problems) - len(shown)))
    return [*lines, t("import.nothing_written", lang, n=len(plan.problems))]


def run_import_cli(db: Database, kind: str, path: str | Path, lang: str = "en") -> int:
    """`python -m audit import KIND FILE`: prints the report; 0 imported, 1 refused (nothing written)."""
    path = Path(path)
    if not path.is_file():
        print(t("import.error.file_not_found", lang, path=path))
        return 1
    plan = prepare_import(db, kind, path.read_bytes(), path.name)
    if plan.ignored_columns:
        print(t("import.ignored_columns", lang, columns=_join((f"“{c}”" for c in plan.ignored_columns), lang)))
    if not plan.ok:
        print("\n".join(problem_lines(plan, lang, CLI_MAX_PROBLEMS)))
        return 1
    print("\n".join(result_lines(apply_import(db, plan), lang)))
    return 0
