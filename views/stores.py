"""Stores: search and filter the stores the user may see; open a store card."""

import streamlit as st

from audit import access, stores
from audit.i18n import fmt_date, fmt_money, label, labelled
from audit.ui import context, url_state
from audit.ui.action_widgets import history_table
from audit.ui.context import t
from audit.ui.markdown import md_escape
from audit.ui.store_dashboard import store_dashboard
from audit.ui.widgets import open_tapped, tap_table

db = context.db()
user = context.current_user()
lang = context.lang()


def show_card(code: str) -> None:
    card = stores.store_card(db, user, code, lang)
    if st.button(t("stores.back"), icon=":material/arrow_back:", key="back_to_list"):
        url_state.set_value("store", None)
        st.rerun()
    if card is None:
        st.warning(t("stores.not_found", code=md_escape(code)))  # the code comes from the URL
        return
    st.header(md_escape(card["name_shown"]), anchor=False)
    sub_channel = md_escape(label("sub_channel", card["sub_channel"], lang))
    st.markdown(
        f":blue-badge[{md_escape(card['code'])}] :orange-badge[{t('stores.grade')} {card['grade']}] "
        f":gray-badge[{label('channel', card['channel'], lang)} · {sub_channel}]"
    )
    left, right = st.columns(2, gap="large")
    with left, st.container(border=True):
        st.markdown(f"**{t('stores.card.location')}**")
        rows = [
            (t("stores.region"), card["region"]),
            (t("stores.city"), card["city_shown"]),
            (t("stores.card.address"), card["address"]),
            (
                t("stores.card.coordinates"),
                f"{card['latitude']:.5f}, {card['longitude']:.5f}" if card["latitude"] is not None else None,
            ),
        ]
        st.markdown(_facts(rows))
    with right, st.container(border=True):
        st.markdown(f"**{t('stores.card.contact')}**")
        rows = [
            (
                t("stores.card.contact_person"),
                " · ".join(x for x in (card["contact_name"], card["contact_role"]) if x) or None,
            ),
            (t("stores.card.phone"), card["phone"]),
            (t("stores.dealer"), card["dealer"]),
            (t("stores.merchandiser"), card["merchandiser_name"]),
        ]
        st.markdown(_facts(rows))
    with st.container(border=True):
        st.markdown(f"**{t('stores.card.business')}**")
        rows = [
            (t("stores.card.ownership"), label("ownership", card["ownership"], lang)),
            (t("stores.card.category"), label("category", card["category"], lang)),
            (t("stores.card.brands"), card["brands_carried"]),
            (t("stores.card.credit"), card["credit_notes"]),
            (t("stores.card.notes"), card["notes"]),
        ]
        st.markdown(_facts(rows))

    if user.role in access.SCORES:
        store_dashboard(db, user, code, lang)
    history_table(code)
    st.subheader(t("stores.card.recent_audits"), anchor=False)
    audits = stores.recent_audits(db, user, code, lang)
    if audits.empty:
        st.info(t("stores.card.no_audits"))
        return
    st.dataframe(
        audits.assign(
            visit_date=audits.visit_date.map(lambda d: fmt_date(d, lang)),
            order_placed=audits.order_placed.map(lambda o: t("common.yes") if o else t("common.no")),
            order_amount=audits.order_amount.map(fmt_money),
        ).drop(columns="id"),
        hide_index=True,
        width="stretch",
        column_config={
            "visit_date": t("stores.visit_date"),
            "merchandiser": t("stores.merchandiser"),
            "order_placed": t("stores.order_placed"),
            "order_amount": t("stores.order_amount"),
            "skus_checked": st.column_config.NumberColumn(t("stores.skus_checked")),
            "stock_outs": st.column_config.NumberColumn(t("stores.stock_outs")),
            "minutes": st.column_config.NumberColumn(t("stores.minutes")),
        },
    )


def _facts(rows: list[tuple[str, str | None]]) -> str:
    # Two spaces + newline is a Markdown line break; values are escaped so store text is never markup.
    return "  \n".join(labelled(name, md_escape(value) if value else "—", lang) for name, value in rows)


def show_list() -> None:
    total = stores.count_visible_stores(db, user)
    if total == 0:
        st.info(t("stores.none_yet_admin") if user.role == "admin" else t("stores.none_yet"))
        return
    options = stores.filter_options(db, user, lang)
    search = url_state.text_input(
        t("stores.search"), "q", placeholder=t("stores.search_placeholder"), icon=":material/search:"
    )
    with st.expander(t("stores.filters"), icon=":material/filter_list:"):
        top = st.columns(2)
        with top[0]:
            channels = url_state.pills(t("stores.channel"), {c: t("channel." + c) for c in stores.CHANNELS}, "channel")
        with top[1]:
            grades = url_state.pills(t("stores.grade"), {g: g for g in stores.GRADES}, "grade")
        bottom = st.columns(3)
        with bottom[0]:
            regions = url_state.multiselect(t("stores.region"), options.regions, "region")
        dealers, merchandisers = [], []
        if user.role != "dealer":
            with bottom[1]:
                dealers = url_state.multiselect(t("stores.dealer"), options.dealers, "dealer")
        if user.role != "merchandiser":
            with bottom[2]:
                merchandisers = url_state.multiselect(t("stores.merchandiser"), options.merchandisers, "merch")
    filters = stores.StoreFilters(
        search=search,
        regions=tuple(regions),
        channels=tuple(channels),
        grades=tuple(grades),
        dealers=tuple(dealers),
        merchandisers=tuple(merchandisers),
    )
    table = stores.list_stores(db, user, filters, lang)
    st.caption(t("stores.showing", shown=len(table), total=total))
    if table.empty:
        st.info(t("stores.no_match"))
        return
    text_columns = ["city", "region", "dealer", "merchandiser"]
    table = table.fillna({column: "—" for column in text_columns}).assign(
        channel=table.channel.map(lambda c: label("channel", c, lang)),
        sub_channel=table.sub_channel.map(lambda c: label("sub_channel", c, lang)),
        last_visit=table.last_visit.map(lambda d: fmt_date(d, lang)),
    )
    tapped = tap_table(
        table,
        "store_table",
        {
            "code": t("stores.code"),
            "name": t("stores.name"),
            "city": t("stores.city"),
            "region": t("stores.region"),
            "channel": t("stores.channel"),
            "sub_channel": t("stores.sub_channel"),
            "grade": t("stores.grade"),
            "dealer": t("stores.dealer"),
            "merchandiser": t("stores.merchandiser"),
            "last_visit": t("stores.last_visit"),
            "visits_28d": st.column_config.NumberColumn(t("stores.visits_28d")),
        },
        most_px=560,
    )
    st.caption(t("stores.open_hint"))
    if tapped is not None:
        open_tapped("store_table", "store", table.iloc[tapped]["code"])


st.title(t("nav.stores"), anchor=False)
selected = url_state.get("store")
if selected:
    show_card(selected)
else:
    show_list()
