"""What each kind of file holds (SPECS): its fields, their English and Chinese headers, how each value is
parsed and checked, and the rules between rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import pandas as pd

from audit.auth import hash_password
from audit.masterdata.values import (
    BOOLEAN,
    CHANNELS,
    CHOICES,
    CODE,
    DEALER,
    LATITUDE,
    LONGITUDE,
    MERCHANDISER,
    PASSWORD,
    PRICE,
    REGION,
    TEXT,
    USERNAME,
    Lookup,
    ValueType,
    _key,
    _keys,
    choice,
)


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


def _dealer_accounts_name_a_dealer(rows: pd.DataFrame, is_new: pd.Series) -> Iterator[tuple[int, str, str]]:
    dealer = rows["dealer"] if "dealer" in rows else pd.Series(None, index=rows.index, dtype=object)
    for row in rows.index[rows["role"].eq("dealer") & dealer.isna()]:
        yield row, "dealer", "dealer_required"


def _new_accounts_have_passwords(rows: pd.DataFrame, is_new: pd.Series) -> Iterator[tuple[int, str, str]]:
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
