"""Photo thumbnails in a grid, each opening full size, with the reused / old flags managers look for."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from audit import photos
from audit.i18n import fmt_date
from audit.ui.context import lang, t


def photo_grid(frame: pd.DataFrame, columns: int = 4) -> None:
    """frame: photo_sha256, thumb_sha256, section, flag_reused, flag_old, optionally visit_date and
    store_code (then shown in the caption)."""
    if frame.empty:
        st.caption(t("audits.no_photos"))
        return
    cols = st.columns(columns)
    for i, photo in enumerate(frame.itertuples()):
        caption = t(f"capture.section.{photo.section}")
        if hasattr(photo, "visit_date"):
            caption = f"{fmt_date(photo.visit_date, lang())} · {photo.store_code} · {caption}"
        with cols[i % columns]:
            st.image(str(photos.photo_path(photo.thumb_sha256)), caption=caption)
            if photo.flag_reused:
                st.markdown(f":red-badge[{t('audits.flag_reused')}]")
            if photo.flag_old:
                st.markdown(f":orange-badge[{t('audits.flag_old')}]")
            with st.popover(t("audits.full_size"), width="stretch"):
                st.image(str(photos.photo_path(photo.photo_sha256)))
