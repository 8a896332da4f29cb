"""The flat audit lines as CSV: one row per SKU checked in each audit, headers in the chosen language,
UTF-8 with a byte-order mark so Excel opens Chinese correctly. Text goes through cells.neutralise."""

from __future__ import annotations

import csv
import io
from typing import Any

import pandas as pd

from audit import i18n
from audit.exports.cells import safe_value
from audit.exports.summary import LINE_COLUMNS

BOM = "\ufeff"
_BOOLEAN = {
    "must_stock",
    "in_stock",
    "restocked",
    "fifo_ok",
    "near_expiry",
    "damaged",
    "tag_present",
    "tag_placed_ok",
    "tag_matches",
    "tag_legible",
    "below_rrp",
}
HEADER_KEYS = {
    "audit_id": "export.col.audit_id",
    "visit_date": "stores.visit_date",
    "store_code": "stores.code",
    "store": "stores.name",
    "city": "stores.city",
    "merchandiser": "stores.merchandiser",
    "product_code": "export.col.sku_code",
    "product": "capture.product",
    "brand": "capture.brand",
    "category": "filters.category",
    "must_stock": "export.col.must_stock",
    "in_stock": "capture.in_stock",
    "facings": "capture.facings",
    "shelf_level": "capture.shelf_level",
    "restocked": "capture.restocked",
    "fifo_ok": "capture.fifo_ok",
    "near_expiry": "capture.near_expiry",
    "damaged": "capture.damaged",
    "tag_present": "capture.tag_present",
    "tag_placed_ok": "capture.tag_placed_ok",
    "tag_matches": "capture.tag_matches",
    "tag_legible": "capture.tag_legible",
    "shelf_price": "export.col.shelf_price",
    "rrp": "capture.rrp",
    "below_rrp": "audits.below_rrp",
}


def render(lines: pd.DataFrame, lang: str) -> bytes:
    yes, no = i18n.t("common.yes", lang), i18n.t("common.no", lang)

    def cell(column: str, value: Any) -> object:  # a DataFrame cell: pandas ships no types
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return ""
        if column in _BOOLEAN:
            return yes if value else no
        if column == "visit_date":
            return value.isoformat()[:10]
        if column == "category":
            return safe_value(i18n.label("product_category", value, lang))
        if isinstance(value, float):
            return f"{value:.2f}" if column in ("shelf_price", "rrp") else f"{value:g}"
        return safe_value(value)

    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_value(i18n.t(HEADER_KEYS[c], lang)) for c in LINE_COLUMNS])
    columns = [lines[c].tolist() for c in LINE_COLUMNS]
    for values in zip(*columns, strict=True):
        writer.writerow([cell(c, v) for c, v in zip(LINE_COLUMNS, values, strict=True)])
    return out.getvalue().encode("utf-8")
