"""Admin → Backup: the backup `python -m audit backup` makes, through the running app's own connection."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import streamlit as st

from audit import backup, config
from audit.db import Database
from audit.ui.context import t
from audit.ui.markdown import md_escape
from audit.ui.widgets import show_user_error


def backup_panel(db: Database) -> None:
    st.caption(t("backup.panel_intro"))
    st.session_state.setdefault("backup_folder", str(config.data_dir() / "backups" / f"{datetime.now():%Y%m%d-%H%M%S}"))
    folder = st.text_input(t("backup.folder"), key="backup_folder")
    if st.button(t("backup.make"), key="backup_make", type="primary", icon=":material/backup:"):
        with show_user_error(), st.spinner(t("backup.making")):
            done = backup.backup(db, Path(folder.strip()))
            st.success(
                t(
                    "backup.done",
                    path=md_escape(done.path),
                    version=done.schema_version,
                    audits=done.audits,
                    photos=done.photos,
                    size=f"{done.bytes / 1e6:,.1f}",
                    seconds=f"{done.seconds:.1f}",
                )
            )
            if done.missing:
                st.warning(t("backup.photos_missing", n=len(done.missing), names=md_escape(", ".join(done.missing))))
