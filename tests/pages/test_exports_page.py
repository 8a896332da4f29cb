"""The Exports page through AppTest: a manager picks a dealer or all of them, a dealer gets their own."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.helpers.apptest import ROLE_USERS, app_as, open_page
from tests.helpers.badinput import as_shown

PERIOD = {"from": "2026-10-20", "to": "2026-11-20"}


def prepared(at):
    """The file the page has ready for download (name, bytes)."""
    wanted, file = at.session_state["export_ready"]
    return file


def test_a_manager_exports_one_dealer_and_then_all_dealers_as_a_zip(demo_db):
    at = open_page(demo_db, "manager", "views/exports.py", **PERIOD)
    assert at.title[0].value == "Exports"
    picker = at.selectbox(key="export_dealer")
    assert picker.options[0] == "All dealers (one ZIP)" and len(picker.options) == 9
    assert not at.download_button
    picker.set_value("D04").run()
    assert at.query_params["dealer"] in (["D04"], "D04")
    at.segmented_control(key="export_format").set_value("xlsx").run()
    at.button(key="export_prepare").click().run()
    assert not at.exception and not at.error
    file = prepared(at)
    assert file.name == "audit-summary_D04_2026-10-20_2026-11-20_en.xlsx" and file.data[:2] == b"PK"
    assert len(at.download_button) == 1 and at.download_button[0].label == "Download"
    assert "Ready: audit-summary_D04_2026-10-20_2026-11-20_en.xlsx" in as_shown(at.success[0].value)

    # Changing a choice withdraws the file prepared for the old one.
    at.selectbox(key="export_dealer").set_value("all").run()
    assert not at.download_button
    at.segmented_control(key="export_format").set_value("csv").run()
    at.button(key="export_prepare").click().run()
    assert not at.exception
    archive = zipfile.ZipFile(io.BytesIO(prepared(at).data))
    assert len(archive.namelist()) == 8 and prepared(at).name.endswith("_en_csv.zip")
    assert len(at.download_button) == 1


def test_a_dealer_sees_no_dealer_picker_and_gets_only_their_stores(demo_db):
    at = open_page(demo_db, "dealer01", "views/exports.py", "zh", **PERIOD)
    assert at.title[0].value == "导出"
    assert not at.selectbox
    assert "华美商贸有限公司 的门店。" in at.markdown[0].value.replace("**", "")
    at.button(key="export_prepare").click().run()
    assert not at.exception and not at.error
    file = prepared(at)
    assert file.name == "audit-summary_D01_2026-10-20_2026-11-20_zh.pdf" and file.data.startswith(b"%PDF")


def test_a_dealer_who_puts_another_dealer_in_the_url_is_refused(demo_db):
    at = open_page(demo_db, "dealer01", "views/exports.py", dealer="D04", **PERIOD)
    assert [e.value for e in at.error] == ["You can export only your own stores; dealer D04 is not yours."]
    assert [b.key for b in at.button] == ["sign_out"] and not at.download_button  # nothing to prepare
    assert "export_ready" not in at.session_state


@pytest.mark.parametrize("role", ["merchandiser"])
def test_the_exports_page_is_out_of_reach_for_merchandisers(demo_db, role):
    at = app_as(demo_db, ROLE_USERS[role])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/exports.py")
