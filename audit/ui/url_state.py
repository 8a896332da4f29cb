"""Widgets whose values live in the URL query string, so a view survives a reload and can be shared."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

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


def multiselect(label: str, options: dict[str, str], param: str, scope: str = "", **kwargs: Any) -> list[str]:
    key = _key(param, scope)
    if key not in st.session_state:
        st.session_state[key] = [v for v in st.query_params.get_all(param) if v in options]
    values = st.multiselect(
        label, list(options), format_func=lambda v: options.get(v, v), key=key, placeholder=t("common.choose"), **kwargs
    )
    _write(param, values)
    return values


def text_input(label: str, param: str, **kwargs: Any) -> str:
    key = f"url_{param}"
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(param, "")
    value = cast(str, st.text_input(label, key=key, **kwargs))  # with **kwargs its overloads give Any
    _write(param, value.strip())
    return value


def get(param: str) -> str | None:
    return st.query_params.get(param)


def set_value(param: str, value: str | None) -> None:
    _write(param, value or "")


def pills(label: str, options: dict[str, str], param: str, scope: str = "", **kwargs: Any) -> list[str]:
    key = _key(param, scope)
    if key not in st.session_state:
        st.session_state[key] = [v for v in st.query_params.get_all(param) if v in options]
    values = st.pills(
        label, list(options), selection_mode="multi", format_func=lambda v: options.get(v, v), key=key, **kwargs
    )
    _write(param, values)
    return values


# The dates an address may ask for. Python's dates run from year 1 to 9999, but a period's previous period or
# its week ticks step past those ends: 0001-01-01 or 9999-12-31 would stop the page.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def _parse(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _date(text: str | None) -> date | None:
    """A YYYY-MM-DD date from the address between FIRST_DAY and LAST_DAY, else None."""
    day = _parse(text)
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else None


# Enter in a date field applies the dates typed. Streamlit 1.67's date field applies typed dates when it loses
# focus or on Escape (its own key handler commits a complete range there) but ignores Enter, the key people
# press. One listener for the whole page (installed once, whatever the reruns) turns Enter in a date field
# into that Escape. Its element takes no room on the page (the style hides it).
_ENTER_APPLIES_DATES = """<style>
[data-testid="stElementContainer"]:has(script[data-audit-enter-applies-dates]) {display: none}
</style>
<script data-audit-enter-applies-dates>
(() => {
  if (window.auditEnterAppliesDates) return;
  window.auditEnterAppliesDates = true;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing || !(event.target instanceof Element)) return;
    if (!event.target.closest('[data-testid="stDateInputField"]')) return;
    event.preventDefault();
    event.target.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", code: "Escape", bubbles: true,
                                                             cancelable: true}));
  }, true);
})();
</script>"""


def enter_applies_dates() -> None:
    st.html(_ENTER_APPLIES_DATES, unsafe_allow_javascript=True)


PERIOD = "period_in_force"  # the last whole period picked on any page: the next page opens with it


def date_range(
    label: str, param_from: str, param_to: str, default: tuple[date, date], scope: str = "", **kwargs: Any
) -> tuple[date, date]:
    """A first–last date picker kept in the URL as YYYY-MM-DD. It opens on the address's dates, else on the
    period last picked on another page (the sidebar's links carry no address, so the period goes along in
    the session), else on the default. Returns the range in force (while only the first day of a new range
    is picked, the last whole one). Dates in the address that cannot be used give a warning that says so."""
    key = _key(f"{param_from}_{param_to}", scope)
    refused = None
    if key not in st.session_state:
        raw = (st.query_params.get(param_from), st.query_params.get(param_to))
        start, end = _date(raw[0]), _date(raw[1])
        usable = start is not None and end is not None and start <= end
        if any(raw) and not usable:
            out_of_range = any(_parse(text) is not None and _date(text) is None for text in raw)
            refused = "url.period_out_of_range" if out_of_range else "visits.bad_period"
        st.session_state[key] = (start, end) if usable else st.session_state.get(PERIOD, default)
    picked = st.date_input(label, key=key, **kwargs)
    enter_applies_dates()
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        st.session_state[PERIOD] = tuple(sorted(picked))
    start, end = st.session_state.get(PERIOD, default)
    _write(param_from, start.isoformat())
    _write(param_to, end.isoformat())
    if refused:
        st.warning(
            t(
                refused,
                start=start.isoformat(),
                end=end.isoformat(),
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            ),
            icon=":material/event_busy:",
        )
    return start, end


def date_value(label: str, param: str, default: date, **kwargs: Any) -> tuple[date, bool]:
    """One date kept in the URL; returns it and whether the address held a date that could not be read."""
    key = f"url_{param}"
    unreadable = False
    if key not in st.session_state:
        raw = st.query_params.get(param)
        unreadable = bool(raw) and _date(raw) is None
        st.session_state[key] = _date(raw) or default
    value = st.date_input(label, key=key, **kwargs) or default
    enter_applies_dates()
    _write(param, value.isoformat())
    return value, unreadable


def selectbox(label: str, options: dict[str, str], param: str, **kwargs: Any) -> str | None:
    """One choice kept in the URL (the first option when the address has none or an unknown one)."""
    key = f"url_one_{param}"  # not url_{param}: another page may keep a multiselect of the same parameter
    if key not in st.session_state or st.session_state[key] not in options:
        wanted = st.query_params.get(param)
        st.session_state[key] = wanted if wanted in options else next(iter(options), None)
    value = cast(  # with **kwargs its overloads give Any
        str | None,
        st.selectbox(
            label,
            list(options),
            format_func=lambda v: options.get(v, v),
            key=key,
            placeholder=t("common.choose"),
            **kwargs,
        ),
    )
    _write(param, value or "")
    return value


def segmented(label: str, options: dict[str, str], param: str, **kwargs: Any) -> str:
    key = f"url_{param}"
    if key not in st.session_state:
        wanted = st.query_params.get(param)
        st.session_state[key] = wanted if wanted in options else next(iter(options))
    value = st.segmented_control(
        label, list(options), format_func=lambda v: options.get(v, v), key=key, required=True, **kwargs
    ) or next(iter(options))
    _write(param, value)
    return value
