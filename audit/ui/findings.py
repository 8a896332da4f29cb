"""What an audit found (stock-outs, price problems, missing POP, competitor activity), in a box."""

from __future__ import annotations

import streamlit as st

from audit import capture
from audit.i18n import aside, fmt_date, join_list, labelled
from audit.ui.context import lang, t
from audit.ui.markdown import md_escape


def observation_columns() -> dict[str, str]:
    """Column headings of a table of competitor observations (an audit's record, a store's log)."""
    return {
        "brand": t("capture.brand"),
        "kind": t("capture.kind"),
        "product": t("capture.product"),
        "normal_price": t("capture.normal_price"),
        "promo_price": t("capture.promo_price"),
        "flash_price": t("capture.flash_price"),
        "facings": t("capture.their_facings"),
        "note": t("capture.note"),
    }


def findings_box(findings: capture.Findings | None, heading: str = "capture.last_found") -> None:
    with st.container(border=True):
        if findings is None:
            st.markdown(t("capture.no_previous"))
            return
        who = md_escape(findings.merchandiser)
        st.markdown(f"**{t(heading, date=fmt_date(findings.visit_date, lang()), who=who)}**")
        here = lang()
        lines = [
            (t("capture.found.stock_outs"), findings.stock_outs),
            (
                t("capture.found.price"),
                [aside(name, t("capture.problem." + p), here) for name, p in findings.price_problems],
            ),
            (
                t("capture.found.freshness"),
                [aside(name, t("capture.problem_short." + p), here) for name, p in findings.freshness],
            ),
            (t("capture.found.pop"), findings.missing_pop),
            (
                t("capture.found.competitors"),
                [aside(brand, t("capture.kind." + kind), here) for brand, kind in findings.competitor_activity],
            ),
        ]
        st.markdown(
            "  \n".join(
                labelled(name, md_escape(join_list(values, here)) if values else t("capture.none_found"), here)
                for name, values in lines
            )
        )
