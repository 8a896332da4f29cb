"""Photo thumbnails in a grid, each opening full size, with the reused / old flags managers look for."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from audit import photos
from audit.i18n import fmt_date
from audit.ui.context import lang, t

# The whole photo in the dialog, its caption too, whatever the screen's height: no taller than the window
# less the dialog's title and margins, centred.
# (!important: Streamlit sets the image's width in its style attribute.)
_FIT_TO_WINDOW = (
    '<style>[role="dialog"] [data-testid="stImage"] img {max-height: calc(100vh - 230px);'
    " width: auto !important; max-width: 100%; margin: 0 auto; display: block}</style>"
)


def _full_size(photo_sha256: str, caption: str) -> None:
    st.html(_FIT_TO_WINDOW)
    st.image(str(photos.photo_path(photo_sha256)), caption=caption, width="stretch")


def show_full_size(photo_sha256: str, caption: str) -> None:
    """The photo in a large dialog over the page: a popover opened at the bottom of the screen was 94 px
    tall, too small to see a shelf."""
    st.dialog(t("audits.full_size"), width="large")(_full_size)(photo_sha256, caption)


def photo_grid(frame: pd.DataFrame, columns: int = 4, key: str = "photos") -> None:
    """frame: photo_sha256, thumb_sha256, section, flag_reused, flag_old, optionally visit_date and
    store_code (then shown in the caption). `key` tells two grids on one page apart."""
    if frame.empty:
        st.caption(t("audits.no_photos"))
        return
    cols = st.columns(columns)
    for i, photo in enumerate(frame.itertuples()):
        section = t(f"capture.section.{photo.section}")
        caption = (
            f"{fmt_date(photo.visit_date, lang())} · {photo.store_code} · {section}"
            if hasattr(photo, "visit_date")
            else section
        )
        with cols[i % columns]:
            st.image(str(photos.photo_path(photo.thumb_sha256)), caption=caption)
            if photo.flag_reused:
                st.markdown(f":red-badge[{t('audits.flag_reused')}]")
            if photo.flag_old:
                st.markdown(f":orange-badge[{t('audits.flag_old')}]")
            if st.button(t("audits.full_size"), key=f"{key}_{i}_full", icon=":material/open_in_full:", width="stretch"):
                show_full_size(photo.photo_sha256, caption)
