"""Translations (one JSON file per language under audit/locales/) and locale-aware formatting."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Protocol, TypeVar, cast

from audit.values import is_missing

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"


@cache
def catalog(lang: str) -> dict[str, str]:
    return cast(dict[str, str], json.loads((LOCALES_DIR / f"{lang}.json").read_text(encoding="utf-8")))


def language_from_locale(locale: str | None) -> str:
    """Browser locale such as 'zh-CN' or 'en-GB' -> one of LANGUAGES."""
    if locale and locale.lower().startswith("zh"):
        return "zh"
    return DEFAULT_LANGUAGE


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for key in lang; a missing key shows itself rather than failing the page. A text counting
    n may have a singular form, key + ".one", used when n is 1 (Chinese needs none)."""
    if values.get("n") == 1 and f"{key}.one" in catalog(DEFAULT_LANGUAGE):
        key = f"{key}.one"
    text = catalog(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**values) if values else text


class Translate(Protocol):
    """t() for one language: text(key, **values)."""

    def __call__(self, key: str, /, **values: object) -> str: ...


def translator(lang: str) -> Translate:
    """t() bound to one language, for code that writes a whole document in it (the PDF and XLSX exports)."""

    def text(key: str, /, **values: object) -> str:
        return t(key, lang, **values)

    return text


def join_list(items: Iterable[object], lang: str) -> str:
    """Items in a sentence: "a, b" in English, "a、b" in Chinese."""
    return t("fmt.list_separator", lang).join(str(item) for item in items)


def labelled(name: str, value: str, lang: str) -> str:
    """ "name: value", with the full-width colon in Chinese."""
    return t("fmt.label_value", lang, label=name, value=value)


def aside(text: str, note: str, lang: str) -> str:
    """ "text (note)", with full-width brackets in Chinese."""
    return t("fmt.aside", lang, text=text, note=note)


def label(prefix: str, value: str | None, lang: str) -> str:
    """The translated name of a coded value (channel, sub-channel, ...); free text shows as entered."""
    if is_missing(value) or value == "":
        return "—"
    return catalog(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).get(f"{prefix}.{value}", str(value))


def fmt_date(value: date | datetime | None, lang: str) -> str:
    if is_missing(value):
        return "—"
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.strftime("%d %b %Y")


def fmt_day(value: date | datetime | None, lang: str) -> str:
    """A day in a week the reader has in view, as the plan page shows it: "Fri 18 Dec", "周五 12月18日"."""
    if is_missing(value):
        return "—"
    weekday = t(f"plans.weekday.{value.weekday()}", lang)
    return f"{weekday} {value.month}月{value.day}日" if lang == "zh" else f"{weekday} {value.day} {value:%b}"


def fmt_money(value: float | None) -> str:
    return "—" if is_missing(value) else f"¥{value:,.2f}"


def name_column(lang: str) -> str:
    """Master data carries names in both languages: name_en / name_zh."""
    return "name_zh" if lang == "zh" else "name_en"


# Stores, cities and people are named as known locally (often in Chinese), with an optional English name
# (issue 13): English views show the English name when there is one, Chinese views the local one. The rule is
# written once, for SQL and for the few names already in Python; each kind of name has one expression below.
Local = TypeVar("Local", str, str | None)  # a name that is always there stays a str


def local_or_english(local: Local, english: str | None, lang: str) -> Local | str:
    return local if lang == "zh" or is_missing(english) or not str(english).strip() else english


def _local_or_english_sql(local: str, english: str, lang: str) -> str:
    return local if lang == "zh" else f"coalesce(nullif(trim({english}), ''), {local})"


def store_name_sql(lang: str, alias: str = "s") -> str:
    """A store's name (stores aliased `alias`)."""
    return _local_or_english_sql(f"{alias}.name", f"{alias}.name_en", lang)


def city_sql(lang: str, alias: str = "s") -> str:
    """A store's city (stores aliased `alias`)."""
    return _local_or_english_sql(f"{alias}.city", f"{alias}.city_en", lang)


def person_sql(lang: str, alias: str = "u") -> str:
    """A user's display name (users aliased `alias`)."""
    return _local_or_english_sql(f"{alias}.display_name", f"{alias}.display_name_en", lang)
