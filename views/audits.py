"""My audits: open drafts, submitted audits (a merchandiser their own, managers everyone's) found by store,
period and merchandiser, counted and read fifty at a time, and one audit read-only with its photos and their
flags."""

import pandas as pd
import streamlit as st

from audit import audit_history, capture
from audit.filters import default_period_for
from audit.i18n import fmt_date, fmt_money, labelled
from audit.ui import context, url_state
from audit.ui.context import t
from audit.ui.findings import observation_columns
from audit.ui.markdown import md_escape
from audit.ui.photo_grid import photo_grid
from audit.ui.widgets import open_tapped, tap_table

db = context.db()
user = context.current_user()
lang = context.lang()


def drafts() -> None:
    rows = capture.list_drafts(db, user, lang)
    if rows.empty:
        return
    st.subheader(t("capture.drafts"), anchor=False)
    for row in rows.itertuples():
        with st.container(border=True):
            left, middle, right = st.columns([3, 1, 1], vertical_alignment="center")
            left.markdown(
                f"**{md_escape(row.store)}** · {row.store_code}  \n"
                f"{t('capture.saved_at', time=f'{row.updated_at:%Y-%m-%d %H:%M}')}"
            )
            if middle.button(t("capture.resume"), key=f"resume_{row.store_code}", width="stretch"):
                st.switch_page("views/capture.py", query_params={"store": row.store_code})
            with right.popover(t("capture.discard"), icon=":material/delete:", width="stretch"):
                # Its answers and photos go with it: asked once more, never at one tap next to Resume.
                st.markdown(t("capture.discard_confirm"))
                if st.button(
                    t("capture.discard_yes"), key=f"discard_{row.store_code}", type="primary", width="stretch"
                ):
                    capture.discard_draft(db, user, row.submission_key)
                    st.rerun()


OFFSET = "audits_offset"  # (the search it belongs to, the first row shown)


def search_bar() -> audit_history.AuditSearch:
    """Store code or name, period (the period every page shares) and, for those who see everyone's
    audits, the merchandiser; all kept in the URL."""
    left, right = st.columns([3, 2])
    with left:
        text = url_state.text_input(
            t("audits.search"), "audit_q", placeholder=t("audits.search_placeholder"), icon=":material/search:"
        )
    with right:
        start, end = url_state.date_range(
            t("filters.period"), "from", "to", default_period_for(db), "audits", format="YYYY-MM-DD"
        )
    merchandisers = []
    if user.sees_all_stores:
        merchandisers = url_state.multiselect(
            t("stores.merchandiser"), audit_history.merchandiser_options(db, user, lang), "merch", "audits"
        )
    return audit_history.AuditSearch(text=text, merchandisers=tuple(merchandisers), date_from=start, date_to=end)


def turn_page(search: audit_history.AuditSearch, offset: int) -> None:
    st.session_state[OFFSET] = (search, max(offset, 0))


def submitted() -> None:
    st.subheader(t("capture.submitted"), anchor=False)
    search = search_bar()
    kept = st.session_state.get(OFFSET)
    offset = kept[1] if kept and kept[0] == search else 0  # a changed search starts at its newest audits
    page = audit_history.find_audits(db, user, search, lang, offset)
    rows, size = page.rows, audit_history.PAGE_SIZE
    if rows.empty:
        st.info(t("audits.none_found"))
        return
    st.caption(t("audits.count", n=page.total, first=f"{page.offset + 1:,}", last=f"{page.offset + len(rows):,}"))
    tapped = tap_table(
        rows.assign(visit_date=rows.visit_date.map(lambda d: fmt_date(d, lang))),
        "audits_table",
        {
            "id": None,
            "store_code": t("stores.code"),
            "store": t("stores.name"),
            "visit_date": t("stores.visit_date"),
            "merchandiser": t("stores.merchandiser"),
            "stock_outs": st.column_config.NumberColumn(t("stores.stock_outs")),
            "photos": st.column_config.NumberColumn(t("capture.photos")),
        },
    )
    if page.total > size:
        back, forward = st.columns(2)
        back.button(
            t("audits.newer", n=size),
            icon=":material/chevron_left:",
            key="audits_newer",
            width="stretch",
            disabled=page.offset == 0,
            on_click=turn_page,
            args=(search, page.offset - size),
        )
        forward.button(
            t("audits.older", n=size),
            icon=":material/chevron_right:",
            key="audits_older",
            width="stretch",
            disabled=page.offset + size >= page.total,
            on_click=turn_page,
            args=(search, page.offset + size),
        )
    st.caption(t("audits.open_hint"))
    if tapped is not None:
        open_tapped("audits_table", "audit", str(rows.iloc[tapped]["id"]))


def yes_no(value) -> str:
    return "—" if pd.isna(value) else (t("common.yes") if value else t("common.no"))


def record(audit_id: int) -> None:
    if st.button(t("audits.back"), icon=":material/arrow_back:", key="audits_back"):
        url_state.set_value("audit", None)
        st.rerun()
    found = capture.audit_record(db, user, audit_id, lang)
    if found is None:
        st.warning(t("audits.not_found", id=audit_id))
        return
    head = found.header
    st.header(md_escape(head["store"]), anchor=False)
    minutes = int((head["submitted_at"] - head["started_at"]).total_seconds() // 60)
    st.markdown(
        t(
            "audits.facts",
            date=fmt_date(head["visit_date"], lang),
            who=md_escape(head["merchandiser"]),
            start=f"{head['started_at']:%H:%M}",
            minutes=minutes,
            order=fmt_money(head["order_amount"]) if head["order_placed"] else t("common.no"),
        )
    )
    if head["notes"]:
        st.markdown(labelled(t("capture.notes"), md_escape(head["notes"]), lang))
    st.subheader(t("capture.step.photos"), anchor=False)
    photo_grid(found.photos)
    st.subheader(t("capture.step.shelf"), anchor=False)
    lines = found.lines
    answered = pd.concat([lines.shelf_answered, lines.price_answered])
    if answered.notna().any():  # how the audit was made: one by one, or confirmed as found last time
        st.caption(
            t(
                "audits.answered_summary",
                bulk=int((answered == "bulk").sum()),
                checked=int((answered == "checked").sum()),
            )
        )
    how = {"bulk": t("audits.how.bulk"), "checked": t("audits.how.checked")}
    st.dataframe(
        lines.assign(
            in_stock=lines.in_stock.map(yes_no),
            tag_present=lines.tag_present.map(yes_no),
            shelf_answered=lines.shelf_answered.map(lambda v: how.get(v, "—")),
            price_answered=lines.price_answered.map(lambda v: how.get(v, "—")),
            tag_ok=lines.tag_ok.map(yes_no),
            below_rrp=lines.below_rrp.map(lambda b: "⚠" if b is True else ""),
            shelf_level=lines.shelf_level.map(lambda v: "—" if pd.isna(v) else str(int(v))),
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "product_code": t("stores.code"),
            "product": t("capture.product"),
            "must_stock": None,
            "in_stock": t("capture.in_stock"),
            "facings": t("capture.facings"),
            "shelf_level": t("capture.shelf_level"),
            "tag_present": t("capture.tag_present"),
            "tag_ok": t("audits.tag_ok"),
            "shelf_price": st.column_config.NumberColumn(t("capture.shelf_price"), format="%.2f"),
            "rrp": st.column_config.NumberColumn(t("capture.rrp"), format="%.2f"),
            "below_rrp": t("audits.below_rrp"),
            "shelf_answered": t("audits.col.shelf_answered"),
            "price_answered": t("audits.col.price_answered"),
        },
    )
    if not found.pop.empty:
        st.subheader(t("capture.step.pop"), anchor=False)
        pop = found.pop
        st.dataframe(
            pop.assign(
                present=pop.present.map(yes_no),
                condition=pop.condition.map(lambda c: t(f"capture.condition.{c}") if c else "—"),
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "pop_type": t("audits.pop_type"),
                "present": t("audits.present"),
                "condition": t("capture.condition"),
            },
        )
    if not found.observations.empty:
        st.subheader(t("capture.step.competitors"), anchor=False)
        seen = found.observations
        st.dataframe(
            seen.assign(kind=seen.kind.map(lambda k: t(f"capture.kind.{k}"))),
            hide_index=True,
            width="stretch",
            column_config=observation_columns(),
        )


st.title(t("nav.audits"), anchor=False)
selected = url_state.get("audit")
if selected and selected.isdigit():
    record(int(selected))
else:
    drafts()
    submitted()
