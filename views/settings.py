"""Scoring settings: component weights, band limits and the price tolerance every score uses."""
import streamlit as st

from audit import settings
from audit.i18n import fmt_date
from audit.settings import COMPONENTS, ScoringSettings
from audit.ui import context
from audit.ui.context import t
from audit.ui.widgets import show_user_error

db = context.db()
user = context.current_user()
lang = context.lang()

st.title(t("nav.settings"), anchor=False)
current = settings.load(db)
by, when = settings.last_change(db)
st.caption(t("dash.weights_by", who=by, when=fmt_date(when, lang)) if by else t("dash.weights_default"))

with st.form("scoring_settings"):
    st.subheader(t("settings.weights"), anchor=False)
    st.caption(t("settings.weights_explain"))
    weights = {}
    for column, component in zip(st.columns(4) * 2, COMPONENTS):
        with column:
            weights[component] = st.number_input(t(f"measure.{component}"), min_value=0, max_value=100, step=5,
                                                 value=int(round(current.weights[component])), key=f"w_{component}")
    st.subheader(t("settings.bands"), anchor=False)
    left, right, tolerance_col = st.columns(3)
    with left:
        green = st.number_input(t("settings.green_min"), min_value=1, max_value=100, value=int(current.green_min))
    with right:
        amber = st.number_input(t("settings.amber_min"), min_value=0, max_value=99, value=int(current.amber_min))
    with tolerance_col:
        tolerance = st.number_input(t("settings.tolerance"), min_value=0.0, max_value=50.0, step=0.5,
                                    value=current.price_tolerance * 100, format="%.1f")
    st.caption(t("settings.tolerance_explain"))
    if st.form_submit_button(t("settings.save"), type="primary"):
        with show_user_error():
            saved = settings.save(db, ScoringSettings(weights=weights, green_min=float(green), amber_min=float(amber),
                                                      price_tolerance=tolerance / 100), user.username)
            st.success(t("settings.saved"), icon=":material/check_circle:")
            current = saved

total = sum(current.weights.values())
st.subheader(t("settings.in_force"), anchor=False)
st.dataframe(
    {t("settings.component"): [t(f"measure.{c}") for c in COMPONENTS],
     t("settings.weight"): [current.weights[c] for c in COMPONENTS],
     t("settings.share"): [f"{100 * current.weights[c] / total:.0f} %" for c in COMPONENTS]},
    hide_index=True, width="content",
)
if st.button(t("settings.reset"), icon=":material/restart_alt:"):
    with show_user_error():
        settings.save(db, ScoringSettings(), user.username)
        for component in COMPONENTS:
            st.session_state.pop(f"w_{component}", None)
        st.rerun()
