"""Translations (one JSON file per language under audit/locales/) and locale-aware formatting."""
from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    return json.loads((LOCALES_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def language_from_locale(locale: str | None) -> str:
    """Browser locale such as 'zh-CN' or 'en-GB' -> one of LANGUAGES."""
    if locale and locale.lower().startswith("zh"):
        return "zh"
    return DEFAULT_LANGUAGE


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The text for key in lang; a missing key shows itself rather than failing the page."""
    text = catalog(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**values) if values else text


def label(prefix: str, value: str | None, lang: str) -> str:
    """The translated name of a coded value (channel, sub-channel, ...); free text shows as entered."""
    if _missing(value) or value == "":
        return "—"
    return catalog(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).get(f"{prefix}.{value}", str(value))


def _missing(value) -> bool:
    return value is None or value != value  # NaN and NaT are not equal to themselves


def fmt_date(value: date | datetime | None, lang: str) -> str:
    if _missing(value):
        return "—"
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.strftime("%d %b %Y")


def fmt_money(value: float | None) -> str:
    return "—" if _missing(value) else f"¥{value:,.2f}"


def name_column(lang: str) -> str:
    """Master data carries names in both languages: name_en / name_zh."""
    return "name_zh" if lang == "zh" else "name_en"
