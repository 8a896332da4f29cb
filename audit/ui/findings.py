"""What an audit found (stock-outs, price problems, missing POP, competitor activity), in a box."""
from __future__ import annotations

import streamlit as st

from audit import capture
from audit.i18n import fmt_date
from audit.ui.context import lang, t
from audit.ui.widgets import md_escape


def findings_box(findings: capture.Findings | None, heading: str = "capture.last_found") -> None:
    with st.container(border=True):
        if findings is None:
            st.markdown(t("capture.no_previous"))
            return
        who = md_escape(findings.merchandiser)
        st.markdown(f"**{t(heading, date=fmt_date(findings.visit_date, lang()), who=who)}**")
        lines = [
            (t("capture.found.stock_outs"), ", ".join(findings.stock_outs)),
            (t("capture.found.price"), ", ".join(f"{name} ({t('capture.problem.' + p)})"
                                                for name, p in findings.price_problems)),
            (t("capture.found.pop"), ", ".join(findings.missing_pop)),
            (t("capture.found.competitors"), ", ".join(f"{brand} ({t('capture.kind.' + kind)})"
                                                      for brand, kind in findings.competitor_activity)),
        ]
        st.markdown("  \n".join(f"{name}: {md_escape(value) if value else t('capture.none_found')}"
                                for name, value in lines))
