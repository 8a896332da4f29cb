"""Widgets whose values live in the URL query string, so a view survives a reload and can be shared."""
from __future__ import annotations

from datetime import date

import streamlit as st

from audit.ui.context import t


def _key(param: str, scope: str) -> str:
    """Session key of a URL-backed widget. Pages that show the same filters use their own scope: a widget
    key met again on another page would start from its default and wipe the parameter from the URL."""
    return f"url_{scope}_{param}" if scope else f"url_{param}"


def _write(param: str, value: str | list[str]) -> None:
    if value:
        if st.query_params.get_all(param) != (value if isinstance(value, list) else [value]):
            st.query_params[param] = value
    elif param in st.query_params:
        del st.query_params[param]


def multiselect(label: str, options: dict[str, str], param: str, scope: str = "", **kwargs) -> list[str]:
    key = _key(param, scope)
    if key not in st.session_state:
        st.session_state[key] = [v for v in st.query_params.get_all(param) if v in options]
    values = st.multiselect(label, list(options), format_func=lambda v: options.get(v, v), key=key,
                            placeholder=t("common.choose"), **kwargs)
    _write(param, values)
    return values


def text_input(label: str, param: str, **kwargs) -> str:
    key = f"url_{param}"
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(param, "")
    value = st.text_input(label, key=key, **kwargs)
    _write(param, value.strip())
    return value


def get(param: str) -> str | None:
    return st.query_params.get(param)


def set_value(param: str, value: str | None) -> None:
    _write(param, value or "")


def pills(label: str, options: dict[str, str], param: str, scope: str = "", **kwargs) -> list[str]:
    key = _key(param, scope)
    if key not in st.session_state:
        st.session_state[key] = [v for v in st.query_params.get_all(param) if v in options]
    values = st.pills(label, list(options), selection_mode="multi", format_func=lambda v: options.get(v, v), key=key, **kwargs)
    _write(param, values)
    return values


def date_range(label: str, param_from: str, param_to: str, default: tuple[date, date], scope: str = "") -> tuple[date, date]:
    """A from-to date picker kept as ?from=YYYY-MM-DD&to=YYYY-MM-DD. While only the first day of a new
    range is picked, the last whole range stays in force; a bad date in the URL falls back to the default."""
    key = _key(f"{param_from}_{param_to}", scope)
    if key not in st.session_state:
        st.session_state[key] = (_parse_date(st.query_params.get(param_from), default[0]),
                                 _parse_date(st.query_params.get(param_to), default[1]))
    picked = st.date_input(label, key=key, format="YYYY-MM-DD")
    if len(picked) == 2:
        st.session_state[f"{key}_whole"] = tuple(sorted(picked))
    start, end = st.session_state.get(f"{key}_whole", default)
    _write(param_from, start.isoformat())
    _write(param_to, end.isoformat())
    return start, end


def _parse_date(value: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(value) if value else fallback
    except ValueError:
        return fallback
