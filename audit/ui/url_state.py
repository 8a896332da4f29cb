"""Widgets whose values live in the URL query string, so a view survives a reload and can be shared."""
from __future__ import annotations


import streamlit as st

from audit.ui.context import t


def _write(param: str, value: str | list[str]) -> None:
    if value:
        if st.query_params.get_all(param) != (value if isinstance(value, list) else [value]):
            st.query_params[param] = value
    elif param in st.query_params:
        del st.query_params[param]


def multiselect(label: str, options: dict[str, str], param: str, **kwargs) -> list[str]:
    key = f"url_{param}"
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


def pills(label: str, options: dict[str, str], param: str, **kwargs) -> list[str]:
    key = f"url_{param}"
    if key not in st.session_state:
        st.session_state[key] = [v for v in st.query_params.get_all(param) if v in options]
    values = st.pills(label, list(options), selection_mode="multi", format_func=lambda v: options.get(v, v), key=key, **kwargs)
    _write(param, values)
    return values
