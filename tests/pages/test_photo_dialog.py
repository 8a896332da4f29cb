"""A photo opens full size in a large dialog over the page (a popover at the bottom of the screen opened
94 px tall): on a submitted audit, on a store's scores and on the competitor page."""

from __future__ import annotations

from streamlit.proto.Block_pb2 import Block
from streamlit.testing.v1 import AppTest

from tests.helpers.apptest import PERIOD, open_page


def dialogs(at: AppTest) -> list:
    found = []

    def walk(node) -> None:
        if getattr(node, "type", None) == "dialog":
            found.append(node)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def images_in(node) -> list:
    inside = [node] if getattr(node, "type", None) == "image" else []
    for child in getattr(node, "children", {}).values():
        inside += images_in(child)
    return inside


def test_full_size_opens_the_photo_in_a_large_dialog(demo_db):
    audit_id = demo_db.query_one(
        "SELECT audit_id FROM audit_photos GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 DESC LIMIT 1"
    )[0]
    at = open_page(demo_db, "manager", "views/audits.py", audit=str(audit_id))
    buttons = [b for b in at.button if b.label == "Full size"]
    assert len(buttons) > 1 and not dialogs(at)
    buttons[1].click().run()
    (dialog,) = dialogs(at)
    assert dialog.proto.dialog.title == "Full size" and dialog.proto.dialog.width == Block.Dialog.DialogWidth.LARGE
    assert len(images_in(dialog)) == 1


def test_a_stores_photo_timeline_opens_full_size_too(demo_db):
    store = demo_db.query_one(
        "SELECT a.store_code FROM audit_photos p JOIN audits a ON a.id = p.audit_id"
        " WHERE a.visit_date >= ? ORDER BY a.visit_date DESC LIMIT 1",
        [PERIOD["from"]],
    )[0]
    at = open_page(demo_db, "manager", "views/stores.py", store=store, **PERIOD)
    [b for b in at.button if b.label == "Full size"][0].click().run()
    assert len(dialogs(at)) == 1 and not at.exception
