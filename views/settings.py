"""Scoring settings: component weights, band limits and the price tolerance every score uses.

Both buttons act in callbacks, before the page is drawn: the caption then names the save just made, and
"Back to the defaults" puts the defaults into the form's fields themselves (a field keeps what the
browser holds unless its value is set through its key), so the next save cannot bring the old values back.
"""

import streamlit as st

from audit import scoring, settings
from audit.errors import UserFacingError
from audit.i18n import fmt_date
from audit.settings import COMPONENTS, ScoringSettings
from audit.ui import context
from audit.ui.context import t
from audit.ui.widgets import error_text

db = context.db()
user = context.current_user()
lang = context.lang()

GREEN, AMBER, TOLERANCE = "settings_green", "settings_amber", "settings_tolerance"
OUTCOME = "settings_outcome"  # what the last tap did, shown once under the form


def weight_key(component: str) -> str:
    return f"w_{component}"


def fill_form(rules: ScoringSettings) -> None:
    """Put these settings into the form's fields."""
    for component in COMPONENTS:
        st.session_state[weight_key(component)] = int(round(rules.weights[component]))
    st.session_state[GREEN] = int(rules.green_min)
    st.session_state[AMBER] = int(rules.amber_min)
    st.session_state[TOLERANCE] = rules.price_tolerance * 100


def form_settings() -> ScoringSettings:
    state = st.session_state
    return ScoringSettings(
        weights={c: state[weight_key(c)] for c in COMPONENTS},
        green_min=float(state[GREEN]),
        amber_min=float(state[AMBER]),
        price_tolerance=state[TOLERANCE] / 100,
    )


def save_form() -> None:
    try:
        fill_form(scoring.save_settings(db, form_settings(), user.username))
        st.session_state[OUTCOME] = ("success", t("settings.saved"))
    except UserFacingError as error:  # what was entered stays in the form
        st.session_state[OUTCOME] = ("error", error_text(error))


def back_to_defaults() -> None:
    fill_form(scoring.save_settings(db, ScoringSettings(), user.username))
    st.session_state[OUTCOME] = ("success", t("settings.reset_done"))


st.title(t("nav.settings"), anchor=False)
current = settings.load(db)
by, when = settings.last_change(db)
st.caption(t("dash.weights_by", who=by, when=fmt_date(when, lang)) if by else t("dash.weights_default"))
if GREEN not in st.session_state:  # first drawn (the fields' keys go when another page is opened)
    fill_form(current)

with st.form("scoring_settings"):
    st.subheader(t("settings.weights"), anchor=False)
    st.caption(t("settings.weights_explain"))
    for column, component in zip(st.columns(4) * 2, COMPONENTS, strict=False):
        with column:
            st.number_input(t(f"measure.{component}"), min_value=0, max_value=100, step=5, key=weight_key(component))
    st.subheader(t("settings.bands"), anchor=False)
    left, right, tolerance_col = st.columns(3)
    with left:
        st.number_input(t("settings.green_min"), min_value=1, max_value=100, key=GREEN)
    with right:
        st.number_input(t("settings.amber_min"), min_value=0, max_value=99, key=AMBER)
    with tolerance_col:
        st.number_input(t("settings.tolerance"), min_value=0.0, max_value=50.0, step=0.5, format="%.1f", key=TOLERANCE)
    st.caption(t("settings.tolerance_explain"))
    st.form_submit_button(t("settings.save"), type="primary", on_click=save_form, key="settings_save")

outcome = st.session_state.pop(OUTCOME, None)
if outcome:
    kind, message = outcome
    if kind == "success":
        st.success(message, icon=":material/check_circle:")
    else:
        st.error(message, icon=":material/error:")

total = sum(current.weights.values())
st.subheader(t("settings.in_force"), anchor=False)
st.dataframe(
    {
        t("settings.component"): [t(f"measure.{c}") for c in COMPONENTS],
        t("settings.weight"): [current.weights[c] for c in COMPONENTS],
        t("settings.share"): [f"{100 * current.weights[c] / total:.0f} %" for c in COMPONENTS],
    },
    hide_index=True,
    width="content",
)
st.button(t("settings.reset"), icon=":material/restart_alt:", on_click=back_to_defaults, key="settings_reset")
