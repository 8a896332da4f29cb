"""Admin import: choose a kind, upload, see the preview and every problem, then confirm."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from audit import i18n, masterdata
from audit.db import Database
from audit.ui.context import t


def _column_guide(kind: masterdata.Kind) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "column": f.name,
                "column_zh": f.label_zh,
                "required": f.required,
                "other": ", ".join(h for h in f.headers if h != f.label_zh),
            }
            for f in kind.fields
        ]
    )


def preview_headers(kind_name: str, lang: str) -> dict[str, str]:
    """The preview's column headers in the user's language (the file's fields, its row, the action)."""
    fields = {f.name: f.display(lang) for f in masterdata.SPECS[kind_name].fields}
    return {"_row": i18n.t("import.row", lang), "_action": i18n.t("import.action", lang), **fields}


def import_panel(db: Database, lang: str) -> None:
    st.caption(t("import.order_hint"))
    kind_name = (
        st.segmented_control(
            t("import.kind"),
            masterdata.KINDS,
            format_func=lambda k: t(f"import.kind.{k}"),
            key="import_kind",
            default="stores",
        )
        or "stores"
    )
    kind = masterdata.SPECS[kind_name]
    with st.expander(t("import.columns"), icon=":material/view_column:"):
        st.dataframe(
            _column_guide(kind),
            hide_index=True,
            width="stretch",
            column_config={
                "column": t("import.column"),
                "column_zh": t("import.column_zh"),
                "required": st.column_config.CheckboxColumn(t("import.column_required")),
                "other": t("import.other_headers"),
            },
        )
    upload = st.file_uploader(t("import.upload"), type=["csv", "xlsx", "txt"], key=f"import_file_{kind_name}")
    if upload is None:
        return
    preview = masterdata.prepare_import(db, kind_name, upload.getvalue(), upload.name)
    if preview.problems:
        st.error(t("import.problems", n=len(preview.problems)), icon=":material/error:")
        st.dataframe(
            pd.DataFrame({"message": [masterdata.format_problem(p, lang) for p in preview.problems]}),
            hide_index=True,
            width="stretch",
            column_config={"message": t("import.problems_column")},
        )
    if preview.rows:
        st.markdown(
            f"**{t('import.preview', rows=len(preview.rows), create=preview.to_create, update=preview.to_update)}**"
        )
        st.dataframe(
            preview.as_stored(lang), hide_index=True, width="stretch", column_config=preview_headers(preview.kind, lang)
        )
    if preview.ok and st.button(t("import.confirm", rows=len(preview.rows)), type="primary", key="import_confirm"):
        result = masterdata.apply_import(db, preview)
        st.success(t("import.done", created=result.created, updated=result.updated), icon=":material/check:")
