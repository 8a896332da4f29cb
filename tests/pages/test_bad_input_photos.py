"""Bad photos (tests/helpers/badinput.py) through the real path: the pipeline, the capture service's add-photo call
and the Audit page's upload. Refused ones say why in both languages and leave the draft, the photo rows and
the photo store as they were; odd but valid ones are stored as upright RGB JPEGs."""

from __future__ import annotations

import errno
import io
from datetime import datetime

import pytest
from PIL import Image

from audit import auth, capture, i18n, photos
from audit.photos import PhotoError
from tests.helpers.apptest import session
from tests.helpers.audits import complete_answers, picture
from tests.helpers.badinput import ACCEPTED_PHOTOS, REFUSED_PHOTOS

PHOTO_STEP = 4


def stored_files(data_dir) -> set[str]:
    return {p.name for p in (data_dir / "photos").rglob("*") if p.is_file()}


def photo_rows(db) -> int:
    return db.query_one("SELECT (SELECT count(*) FROM photos) + (SELECT count(*) FROM draft_photos)")[0]


def refusal(key: str, name: str, lang: str) -> str:
    """The message for a refused file, naming it."""
    return i18n.t(key, lang, name=name, limit=photos.MAX_BYTES // photos.MB)


@pytest.fixture
def draft(demo_db):
    """A draft on the photo step, every question answered: what a photo failure must not lose."""
    user = auth.get_user(demo_db, "merch01")
    store = capture.store_queue(demo_db, user, "en").code.iloc[0]
    draft = capture.open_draft(demo_db, user, store, now=datetime(2026, 11, 20, 9, 0))
    draft.answers, draft.step = complete_answers(capture.checklist(demo_db, user, store, "en")), PHOTO_STEP
    capture.save_draft(demo_db, draft)
    return draft


@pytest.mark.parametrize("case", list(REFUSED_PHOTOS))
def test_a_refused_photo_says_why_and_changes_nothing(demo_db, demo_dir, draft, tmp_path, case):
    build, name, key = REFUSED_PHOTOS[case]
    data = build(tmp_path)
    files, rows = stored_files(demo_dir), photo_rows(demo_db)
    with pytest.raises(PhotoError) as caught:
        capture.add_draft_photo(demo_db, draft, photos.process_photo(data, name), "store")
    assert caught.value.key == key
    english, chinese = caught.value.message("en"), caught.value.message("zh")
    assert english == i18n.t(key, "en", **caught.value.values) and chinese == i18n.t(key, "zh", **caught.value.values)
    assert f"“{name}”" in english and f"“{name}”" in chinese  # which of the files chosen together it was
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese) and "Traceback" not in english
    again = capture.get_draft(demo_db, auth.get_user(demo_db, "merch01"), draft.store_code)
    assert again.answers == draft.answers and again.step == PHOTO_STEP
    assert (stored_files(demo_dir), photo_rows(demo_db)) == (files, rows)  # no stray file, no row


def test_the_30_mb_photo_is_generated_not_committed(tmp_path):
    build, name, _ = REFUSED_PHOTOS["30-mb-file"]
    data = build(tmp_path)
    assert 30 * 1024 * 1024 <= len(data) < 32 * 1024 * 1024
    assert Image.open(io.BytesIO(data)).size == (3400, 3100)  # a real photo, only too big


@pytest.mark.parametrize("case", list(ACCEPTED_PHOTOS))
def test_an_odd_but_valid_photo_is_attached_upright_as_rgb_jpeg(demo_db, demo_dir, draft, case):
    build, size = ACCEPTED_PHOTOS[case]
    capture.add_draft_photo(demo_db, draft, photos.process_photo(build()), "shelf")
    attached = capture.draft_photos(demo_db, draft)
    assert attached.section.tolist() == ["shelf"]
    stored = Image.open(photos.photo_path(attached.photo_sha256.iloc[0]))
    assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", size)
    assert photos.photo_path(attached.thumb_sha256.iloc[0]).is_file()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_uploading_every_refused_photo_on_the_audit_page_shows_each_message_and_keeps_the_draft(
    demo_db, demo_dir, draft, tmp_path, lang
):
    files, rows = stored_files(demo_dir), photo_rows(demo_db)
    uploads = [(name, build(tmp_path), "application/octet-stream") for build, name, _ in REFUSED_PHOTOS.values()]
    at = session(demo_db, store=draft.store_code)
    at.session_state["lang"] = lang
    at.file_uploader(key=f"{draft.submission_key[:8]}:upload").set_value(uploads).run()
    assert not at.exception
    # The page escapes the file name's "." and "-" as Markdown: compare the text as it reads.
    assert [e.value.replace("\\", "") for e in at.error] == [
        refusal(key, name, lang) for _, name, key in REFUSED_PHOTOS.values()
    ]
    assert at.info[0].value == i18n.t("capture.error.store_photo", lang)  # still no photo attached
    again = capture.get_draft(demo_db, auth.get_user(demo_db, "merch01"), draft.store_code)
    assert again.answers == draft.answers
    assert (stored_files(demo_dir), photo_rows(demo_db)) == (files, rows)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_full_disk_while_attaching_a_photo_says_so_and_keeps_the_draft(demo_db, demo_dir, draft, monkeypatch, lang):
    files, rows = stored_files(demo_dir), photo_rows(demo_db)

    def no_space_left(*_):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(photos.os, "fsync", no_space_left)
    at = session(demo_db, store=draft.store_code)
    at.session_state["lang"] = lang
    at.file_uploader(key=f"{draft.submission_key[:8]}:upload").set_value(
        [("shelf.jpg", picture(11), "image/jpeg")]
    ).run()
    assert not at.exception
    assert [e.value for e in at.error] == [i18n.t("photo.error.disk_full", lang)]
    again = capture.get_draft(demo_db, auth.get_user(demo_db, "merch01"), draft.store_code)
    assert again.answers == draft.answers and again.step == PHOTO_STEP
    assert (stored_files(demo_dir), photo_rows(demo_db)) == (files, rows)  # nothing half-written
