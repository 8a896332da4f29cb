"""Values: how a cell's text becomes what is stored (channels, grades, numbers, prices, codes, usernames,
passwords, yes/no), the choices each accepts in English and Chinese, and the lookups in the database."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

import pyarrow as pa

from audit.codes import MAX_CODE_LENGTH, is_valid_code
from audit.i18n import catalog
from audit.masterdata.problems import ValueRefused, _join
from audit.users import MIN_PASSWORD_LENGTH, USERNAME_PATTERN

MAX_PRICE = Decimal("99999999.99")  # DECIMAL(10, 2)


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


V = TypeVar("V")  # a choice's stored values: text codes, or True / False


class Choice(Generic[V]):
    """A set of stored values, each with an English and a Chinese display spelling and other spellings.

    catalog_prefix also accepts the translated labels (channel.modern -> Modern / 现代通路 ...);
    strict=False keeps an unknown value as written instead of refusing it.
    """

    def __init__(
        self,
        name: str,
        options: dict[V, tuple[str, ...]],
        catalog_prefix: str | None = None,
        strict: bool = True,
    ):
        self.name = name
        self.options = options
        self.strict = strict
        self._lookup: dict[str, V] = {}
        for value, spellings in options.items():
            labels = (
                [catalog(lang).get(f"{catalog_prefix}.{value}", "") for lang in ("en", "zh")] if catalog_prefix else []
            )
            labels += [part for label in labels for part in label.split(" / ")]  # "便利店 / 杂货店"
            for spelling in (str(value), *spellings, *labels):
                for key in _keys(spelling) if spelling else ():
                    self._lookup.setdefault(key, value)

    def parse(self, text: str) -> V | str:
        """The stored value a spelling stands for (True / False for yes-no choices); an unknown one refused,
        or kept as written when the choice is not strict."""
        for key in _keys(text):
            if key in self._lookup:
                return self._lookup[key]
        if self.strict:
            raise ValueRefused("unknown_value", value=text, choices=self.name)
        return text

    def allowed(self, lang: str) -> str:
        return _join((spellings[1 if lang == "zh" else 0] for spellings in self.options.values()), lang)


def _coded(prefix: str) -> Choice[str]:
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
CHOICES: dict[str, Choice[Any]] = {
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
