"""Exports: a dealer's audit summary for a period as a PDF to read, a spreadsheet to work with or the flat
audit lines as CSV. A manager picks one dealer or all of them (one ZIP, with a progress bar); a dealer
user gets their own stores only. The choices live in the URL, and every request is checked again by
audit.exports, so changing the URL cannot reach another dealer's stores."""

import streamlit as st

from audit import exports
from audit.filters import default_period_for
from audit.i18n import LANGUAGES, fmt_date
from audit.ui import context, url_state
from audit.ui.context import t
from audit.ui.markdown import md_escape
from audit.ui.shell import LANGUAGE_NAMES
from audit.ui.widgets import show_user_error

ALL = "all"
READY = "export_ready"

db = context.db()
user = context.current_user()
lang = context.lang()

st.title(t("nav.exports"), anchor=False)
st.caption(t("export.page.intro"))

dealers = exports.dealer_options(db, user, lang)
asked = url_state.get("dealer")
if user.role == "dealer":
    # No picker: a dealer's own stores. A dealer code put in the URL by hand is refused, not ignored.
    dealer = asked or user.dealer_code
    if dealer != user.dealer_code:
        st.error(t("export.error.other_dealer", code=md_escape(dealer)), icon=":material/block:")  # from the URL
        st.stop()
    if dealer not in dealers:
        st.warning(t("export.page.no_dealer"))
        st.stop()
    st.markdown(t("export.page.your_stores", dealer=md_escape(dealers[dealer])))
else:
    choices = [ALL, *dealers]
    if "export_dealer" not in st.session_state:
        st.session_state.export_dealer = asked if asked in choices else (next(iter(dealers), ALL))
    dealer = st.selectbox(
        t("export.dealer"),
        choices,
        key="export_dealer",
        format_func=lambda c: t("export.page.all_dealers") if c == ALL else f"{dealers[c]} ({c})",
    )
    url_state.set_value("dealer", dealer)

default = default_period_for(db)  # every page's one default period (audit/filters.py)
start, end = url_state.date_range(t("filters.period"), "from", "to", default, "exports", format="YYYY-MM-DD")
left, right = st.columns([3, 2])
with left:
    fmt = st.segmented_control(
        t("export.page.format"),
        exports.FORMATS,
        default="pdf",
        required=True,
        format_func=lambda f: t(f"export.page.format.{f}"),
        key="export_format",
    )
with right:
    doc_lang = st.segmented_control(
        t("export.language"), LANGUAGES, default=lang, required=True, format_func=LANGUAGE_NAMES.get, key="export_lang"
    )
st.caption(t(f"export.page.about.{fmt}"))

wanted = (dealer, start, end, fmt, doc_lang)
if st.button(t("export.page.prepare"), type="primary", icon=":material/description:", key="export_prepare"):
    st.session_state.pop(READY, None)
    with show_user_error():
        if dealer == ALL:
            bar = st.progress(0.0, text=t("export.page.starting"))

            def progress(done: int, total: int, name: str) -> None:
                text = (
                    t("export.page.progress", dealer=name, done=done + 1, total=total)
                    if done < total
                    else t("export.page.zipping")
                )
                bar.progress(done / max(total, 1), text=text)

            files = exports.export_all(db, user, start, end, doc_lang, fmt, progress=progress)
            ready = exports.zip_files(files, exports.zip_name(start, end, doc_lang, fmt))
            bar.empty()
        else:
            with st.spinner(t("export.page.preparing")):
                ready = exports.export(db, user, exports.ExportRequest(dealer, start, end, doc_lang, fmt))
        st.session_state[READY] = (wanted, ready)

prepared = st.session_state.get(READY)
if prepared and prepared[0] == wanted:
    file = prepared[1]
    st.success(
        t(
            "export.page.ready",
            name=file.name,
            size=f"{len(file.data) / 1024:,.0f} KB",
            period=f"{fmt_date(start, lang)} – {fmt_date(end, lang)}",
        ),
        icon=":material/task_alt:",
    )
    st.download_button(
        t("export.page.download"),
        data=file.data,
        file_name=file.name,
        mime=file.mime,
        on_click="ignore",
        type="primary",
        icon=":material/download:",
        key="export_download",
    )
