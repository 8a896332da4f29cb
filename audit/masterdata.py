"""Master-data import from CSV or XLSX: read, map headers, validate every row, then upsert all or nothing.

One declarative spec per kind (its fields, their header names in English and Chinese, and how each
value is parsed) drives one generic path, so every kind gets the same encodings, messages and rules.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from audit import i18n
from audit.auth import hash_password
from audit.db import Database
from audit.users import MIN_PASSWORD_LENGTH, USERNAME_PATTERN

KINDS = ("dealers", "users", "stores", "products", "competitors", "pop_types")


class ValueProblem(ValueError):
    """One bad value: code names the message (import.error.<code>), params fill it in."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class ImportProblem:
    code: str
    params: dict = field(default_factory=dict)
    row: int | None = None       # as the user sees it in the file: the header is row 1
    column: str | None = None    # as named in the file


# ---------------------------------------------------------------- value parsers

def _normalise(text: str) -> str:
    """Compare headers and values ignoring case, width, spacing and required-markers (*)."""
    text = unicodedata.normalize("NFKC", str(text)).strip().lower().replace("*", "")
    return re.sub(r"[\s_\-]+", "_", text).strip("_")



def _text(value: str, refs) -> str | None:
    return value or None


def _choice(synonyms: dict[str, tuple[str, ...]]) -> Callable:
    lookup = {_normalise(alias): canonical for canonical, aliases in synonyms.items()
              for alias in (canonical, *aliases)}

    def parse(value: str, refs) -> str | None:
        if not value:
            return None
        if _normalise(value) not in lookup:
            raise ValueProblem("unknown_value", value=value, allowed=", ".join(synonyms))
        return lookup[_normalise(value)]

    return parse


def _number(low: float, high: float) -> Callable:
    def parse(value: str, refs) -> float | None:
        if not value:
            return None
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            raise ValueProblem("not_number", value=value) from None
        if not low <= number <= high:
            raise ValueProblem("out_of_range", value=value, low=low, high=high)
        return number

    return parse


_CURRENCY = re.compile(r"^(?:RMB|CNY|¥|￥|\$)\s*|\s*(?:元|RMB|CNY)$", re.IGNORECASE)


def _price(value: str, refs) -> float | None:
    if not value:
        return None
    cleaned = _CURRENCY.sub("", value.strip()).replace(",", "").replace(" ", "")
    try:
        number = float(cleaned)
    except ValueError:
        raise ValueProblem("not_price", value=value) from None
    if not 0 < number < 1_000_000:
        raise ValueProblem("not_price", value=value)
    return round(number, 2)


CHANNEL_SYNONYMS = {
    "traditional": ("传统", "传统通路", "传统渠道", "trad"),
    "modern": ("现代", "现代通路", "现代渠道", "ka"),
    "special": ("特殊", "特殊通路", "特殊渠道", "特通"),
}
_channel = _choice(CHANNEL_SYNONYMS)


def _channel_list(value: str, refs) -> list[str]:
    parts = [p.strip() for p in re.split(r"[;,、|，；/]", value or "") if p.strip()]
    return sorted({_channel(part, refs) for part in parts})


def _coded(prefix: str) -> Callable:
    """Free text, stored as a known code when it names one (so it shows in the reader's language)."""
    def parse(value: str, refs) -> str | None:
        return (i18n.code_for(prefix, value) or value) if value else None

    return parse


def _reference(ref_name: str, problem: str) -> Callable:
    def parse(value: str, refs) -> str | None:
        if not value:
            return None
        if value not in refs[ref_name]:
            raise ValueProblem(problem, value=value)
        return value

    return parse


def _username(value: str, refs) -> str | None:
    name = value.strip().lower()
    if name and not USERNAME_PATTERN.match(name):
        raise ValueProblem("username_invalid", value=value)
    return name or None


def _password(value: str, refs) -> str | None:
    if value and len(value) < MIN_PASSWORD_LENGTH:
        raise ValueProblem("password_short", n=MIN_PASSWORD_LENGTH)
    return value or None


# ---------------------------------------------------------------- specs

@dataclass(frozen=True)
class Field:
    name: str
    headers: tuple[str, ...]   # accepted header names besides `name`, English and Chinese
    required: bool = False
    parse: Callable = _text

    @property
    def label_zh(self) -> str:
        return next((h for h in self.headers if re.search(r"[\u4e00-\u9fff]", h)), self.name)


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    key: str
    fields: tuple[Field, ...]
    check_row: Callable[[dict, set], list[tuple[str, str, dict]]] | None = None

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _code(*extra: str) -> Field:
    return Field("code", ("编码", "代码", *extra), required=True)


_NAMES = (Field("name_en", ("english_name", "name (english)", "英文名称", "英文名"), required=True),
          Field("name_zh", ("chinese_name", "name (chinese)", "中文名称", "中文名", "名称"), required=True))

GRADE = _choice({"A": ("a级", "a类"), "B": ("b级", "b类"), "C": ("c级", "c类")})
STORE_CATEGORY = _choice({
    "agent": ("代理商",), "wholesale_t1": ("tier-1 wholesaler", "一批", "一批商"),
    "wholesale_t2": ("tier-2 wholesaler", "二批", "二批商"), "key_retailer": ("key retailer", "重点零售商", "重点零售"),
    "other": ("其他",),
})
ROLE = _choice({"merchandiser": ("业务员", "品牌维护员"), "manager": ("经理", "品牌经理", "brand manager"),
                "dealer": ("经销商", "代理商"), "admin": ("管理员", "administrator")})


def _user_row_rules(row: dict, present: set) -> list[tuple[str, str, dict]]:
    problems = []
    # A dealer code that was given but unknown is reported by its parser already.
    if row.get("role") == "dealer" and row.get("dealer_code", "given") is None or (
            row.get("role") == "dealer" and "dealer_code" not in present):
        problems.append(("dealer_code", "dealer_required", {}))
    if not row.get("password") and not row.get("_exists"):
        problems.append(("password", "password_required", {}))
    return problems


SPECS: dict[str, Kind] = {
    "dealers": Kind("dealers", "dealers", "code", (
        _code("dealer_code", "经销商编码", "经销商代码"), *_NAMES,
        Field("region_code", ("region", "区域", "大区")),
        Field("contact", ("contact_person", "联系人")),
        Field("phone", ("telephone", "电话", "联系电话")),
        Field("email", ("e-mail", "邮箱", "电子邮箱")),
    )),
    "users": Kind("users", "users", "username", (
        Field("username", ("user", "login", "用户名", "账号"), required=True, parse=_username),
        Field("display_name", ("name", "姓名", "显示名称"), required=True),
        Field("role", ("角色",), required=True, parse=ROLE),
        Field("dealer_code", ("dealer", "经销商编码", "经销商"), parse=_reference("dealers", "unknown_dealer")),
        Field("password", ("密码", "初始密码"), parse=_password),
    ), check_row=_user_row_rules),
    "stores": Kind("stores", "stores", "code", (
        _code("store_code", "门店编码", "门店代码", "客户编码"),
        Field("name", ("store_name", "门店名称", "店名", "客户名称"), required=True),
        Field("name_en", ("english_name", "英文名称", "英文店名")),
        Field("address", ("地址", "门店地址")),
        Field("phone", ("telephone", "电话", "联系电话")),
        Field("contact_name", ("contact", "contact_person", "联系人")),
        Field("contact_role", ("联系人职务", "职务")),
        Field("ownership", ("所有制", "所有制形式"), parse=_coded("ownership")),
        Field("category", ("customer_type", "客户类别", "客户类型"), parse=STORE_CATEGORY),
        Field("channel", ("渠道", "通路"), required=True, parse=_channel),
        Field("sub_channel", ("subchannel", "细分渠道", "子渠道", "业态"), parse=_coded("sub_channel")),
        Field("grade", ("等级", "门店等级", "级别"), required=True, parse=GRADE),
        Field("region_code", ("region", "区域", "大区"), required=True),
        Field("city", ("城市",)),
        Field("latitude", ("lat", "纬度"), parse=_number(-90, 90)),
        Field("longitude", ("lon", "lng", "经度"), parse=_number(-180, 180)),
        Field("dealer_code", ("dealer", "经销商编码", "经销商"), parse=_reference("dealers", "unknown_dealer")),
        Field("merchandiser", ("业务员", "业务员账号"), parse=_reference("merchandisers", "unknown_merchandiser")),
        Field("brands_carried", ("brands", "经营品牌")),
        Field("credit_notes", ("credit", "信用备注", "信用")),
        Field("notes", ("note", "备注")),
    )),
    "products": Kind("products", "products", "code", (
        _code("sku", "product_code", "sku_code", "产品编码", "商品编码"), *_NAMES,
        Field("brand", ("品牌",), required=True),
        Field("category", ("品类", "类别"), required=True),
        Field("rrp", ("price", "recommended_price", "建议零售价", "零售价"), required=True, parse=_price),
        Field("must_stock_channels", ("must_stock", "必备渠道", "必销渠道"), parse=_channel_list),
    )),
    "competitors": Kind("competitors", "competitors", "code", (
        _code("competitor_code", "竞品编码"), *_NAMES, Field("notes", ("note", "备注")),
    )),
    "pop_types": Kind("pop_types", "pop_types", "code", (
        _code("pop_code", "物料编码"), *_NAMES,
        Field("required_channels", ("channels", "要求渠道", "必备渠道"), parse=_channel_list),
    )),
}


# ---------------------------------------------------------------- reading files

class ImportFileError(ValueError):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.problem = ImportProblem(code, params)


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, the superset of what Chinese Excel writes (GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError("unreadable") from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_rows(data: bytes, filename: str) -> list[list[str]]:
    """Every row of the file as text cells (codes such as 00123 stay text)."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        except Exception:  # openpyxl raises many kinds for a damaged file; all mean the same to the user
            raise ImportFileError("unreadable") from None
    if suffix in (".csv", ".txt"):
        text = decode_csv(data)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    raise ImportFileError("file_type")


def _header_index(kind: Kind, rows: list[list[str]]) -> tuple[int, dict[int, tuple[Field, str]]]:
    """The header is the row among the first five that names the most known columns (a title row,
    often merged across the top of a spreadsheet, is skipped)."""
    names = {_normalise(h): f for f in kind.fields for h in (f.name, *f.headers)}
    best_row, best = 0, {}
    for index, row in enumerate(rows[:5]):
        found = {}
        for col, header in enumerate(row):
            fld = names.get(_normalise(header)) if header else None
            if fld is not None and all(f is not fld for f, _ in found.values()):
                found[col] = (fld, header)
        if len(found) > len(best):
            best_row, best = index, found
    return best_row, best


# ---------------------------------------------------------------- plan and apply

@dataclass
class ImportPlan:
    kind: str
    rows: list[dict]
    columns: list[str]
    problems: list[ImportProblem]
    to_create: int = 0
    to_update: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    def preview(self, limit: int = 50) -> pd.DataFrame:
        shown = [c for c in self.columns if c != "password"]
        return pd.DataFrame([{c: r.get(c) for c in ["_row", *shown]} for r in self.rows[:limit]])


def _references(db: Database) -> dict[str, set[str]]:
    fetch = lambda sql: {r[0] for r in db.cursor().execute(sql).fetchall()}  # noqa: E731
    return {
        "dealers": fetch("SELECT code FROM dealers"),
        "merchandisers": fetch("SELECT username FROM users WHERE role = 'merchandiser' AND active"),
    }


def prepare_import(db: Database, kind_name: str, data: bytes, filename: str) -> ImportPlan:
    """Read and check the whole file; nothing is written."""
    kind = SPECS[kind_name]
    try:
        rows = read_rows(data, filename)
    except ImportFileError as error:
        return ImportPlan(kind_name, [], [], [error.problem])
    header_row, columns = _header_index(kind, rows)
    present = {fld.name for fld, _ in columns.values()}
    missing = [f for f in kind.fields if f.required and f.name not in present]
    if missing:
        names = ", ".join(f"{f.name} / {f.label_zh}" for f in missing)
        return ImportPlan(kind_name, [], sorted(present), [ImportProblem("missing_columns", {"columns": names})])

    refs = _references(db)
    existing = {r[0] for r in db.cursor().execute(f"SELECT {kind.key} FROM {kind.table}").fetchall()}
    header_by_field = {fld.name: header for fld, header in columns.values()}
    parsed, problems, first_seen = [], [], {}
    for offset, cells in enumerate(rows[header_row + 1:]):
        row_number = header_row + offset + 2
        if not any(cells):
            continue  # empty rows in spreadsheets are common and mean nothing
        record: dict[str, Any] = {"_row": row_number}
        for col, (fld, header) in columns.items():
            raw = cells[col].strip() if col < len(cells) else ""
            try:
                value = fld.parse(raw, refs)
            except ValueProblem as problem:
                problems.append(ImportProblem(problem.code, problem.params, row_number, header))
                continue
            if value is None and fld.required:
                problems.append(ImportProblem("required", {}, row_number, header))
            record[fld.name] = value
        key = record.get(kind.key)
        if key is not None:
            if key in first_seen:
                problems.append(ImportProblem("duplicate", {"value": key, "other": first_seen[key]}, row_number,
                                              header_by_field[kind.key]))
            first_seen.setdefault(key, row_number)
            record["_exists"] = key in existing
        for column, code, params in (kind.check_row(record, present) if kind.check_row else []):
            problems.append(ImportProblem(code, params, row_number, header_by_field.get(column, column)))
        parsed.append(record)
    if not parsed and not problems:
        problems.append(ImportProblem("empty"))
    creating = sum(1 for r in parsed if not r.get("_exists"))
    return ImportPlan(kind_name, parsed, [f.name for f in kind.fields if f.name in present], problems,
                      to_create=creating, to_update=len(parsed) - creating)


# China's usual sales regions: a store file naming one in either language creates it with both names.
KNOWN_REGIONS = [("E", "East", "华东"), ("S", "South", "华南"), ("N", "North", "华北"), ("SW", "Southwest", "西南"),
                 ("C", "Central", "华中"), ("NE", "Northeast", "东北"), ("NW", "Northwest", "西北")]


def _resolve_regions(cur, plan: ImportPlan) -> None:
    """Store rows name their region by code or by either name; an unknown region is created."""
    lookup = {}
    for code, en, zh in cur.execute("SELECT code, name_en, name_zh FROM regions").fetchall():
        for alias in (code, en, zh):
            lookup[_normalise(alias)] = code
    known = {_normalise(alias): region for region in KNOWN_REGIONS for alias in region[1:]}
    for row in plan.rows:
        value = _normalise(row["region_code"])
        if value not in lookup:
            code, en, zh = known.get(value, (row["region_code"],) * 3)
            cur.execute("INSERT INTO regions VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [code, en, zh])
            for alias in (value, _normalise(code), _normalise(en), _normalise(zh)):
                lookup[alias] = code
        row["region_code"] = lookup[value]


def _upsert(cur, kind: Kind, plan: ImportPlan) -> None:
    columns = plan.columns
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in plan.rows], columns=columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != kind.key)
    cur.register("import_frame", frame)
    cur.execute(
        f"INSERT INTO {kind.table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM import_frame "
        f"ON CONFLICT ({kind.key}) DO UPDATE SET {updates}, updated_at = now()::TIMESTAMP"
    )
    cur.unregister("import_frame")


def _upsert_users(cur, plan: ImportPlan) -> None:
    """Few rows, and a blank password keeps the old one: row by row is right here."""
    for row in plan.rows:
        values = {c: row.get(c) for c in plan.columns if c != "password"}
        if row.get("password"):
            values["password_hash"] = hash_password(row["password"])
        if row["_exists"]:
            sets = ", ".join(f"{c} = ?" for c in values if c != "username")
            cur.execute(f"UPDATE users SET {sets}, updated_at = current_timestamp WHERE username = ?",
                        [*(v for c, v in values.items() if c != "username"), row["username"]])
        else:
            cur.execute(f"INSERT INTO users ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                        list(values.values()))


@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int
    updated: int


def apply_import(db: Database, plan: ImportPlan) -> ImportResult:
    """Write a checked plan in one transaction; refuses a plan with problems."""
    if not plan.ok:
        raise ValueError("an import with problems is never written")
    kind = SPECS[plan.kind]
    with db.write() as cur:
        if kind.name == "stores":
            _resolve_regions(cur, plan)
        if kind.name == "users":
            _upsert_users(cur, plan)
        else:
            _upsert(cur, kind, plan)
    return ImportResult(plan.kind, plan.to_create, plan.to_update)


def format_problem(problem: ImportProblem, lang: str) -> str:
    message = i18n.t(f"import.error.{problem.code}", lang, **problem.params)
    if problem.row is None:
        return message
    return i18n.t("import.at_cell", lang, row=problem.row, column=problem.column, message=message)


def run_import_cli(db: Database, kind: str, path: str, lang: str) -> int:
    plan = prepare_import(db, kind, Path(path).read_bytes(), path)
    if not plan.ok:
        for problem in plan.problems:
            print(format_problem(problem, lang))
        print(i18n.t("import.nothing_written", lang, n=len(plan.problems)))
        return 1
    result = apply_import(db, plan)
    print(i18n.t("import.done", lang, created=result.created, updated=result.updated))
    return 0
