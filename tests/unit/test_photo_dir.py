"""Photos on a folder the replicas share (issue 17): AUDIT_PHOTO_DIR says where the photo files are, apart from
the data folder that holds a replica's own database; backup takes them from there and restore puts them back
there; and a stored photo's name survives a crash once written (its folder is synced after the rename)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from audit import backup, config, photos
from audit.db import Database
from tests.helpers.audits import picture


def store_photo(db: Database, seed: int) -> photos.ProcessedPhoto:
    """A photo as submit keeps one: its files first, then its row."""
    photo = photos.process_photo(picture(seed))
    photos.save_files(photo)
    with db.write() as cur:
        photos.insert_photo_row(cur, photo)
    return photo


def test_photos_stay_in_the_data_folder_by_default(data_dir, monkeypatch):
    monkeypatch.delenv("AUDIT_PHOTO_DIR", raising=False)
    assert config.photo_dir() == data_dir / "photos"
    photo = photos.process_photo(picture(1))
    photos.save_files(photo)
    assert (data_dir / "photos" / photo.sha256[:2] / f"{photo.sha256}.jpg").read_bytes() == photo.jpeg


def test_two_replicas_with_their_own_data_folders_share_one_photo_folder(tmp_path, monkeypatch):
    shared = tmp_path / "shared-photos"
    monkeypatch.setenv("AUDIT_PHOTO_DIR", str(shared))
    written = []
    for replica in ("replica1", "replica2"):
        monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / replica))
        assert config.photo_dir() == shared
        photo = photos.process_photo(picture(7))  # the same picture, taken through either replica
        photos.save_files(photo)
        written.append(photos.photo_path(photo.sha256))
    assert written[0] == written[1] and written[0].read_bytes() == photo.jpeg
    assert sorted(p.name for p in shared.glob("*/*")) == sorted([f"{photo.sha256}.jpg", f"{photo.thumb_sha256}.jpg"])
    assert not (tmp_path / "replica1" / "photos").exists() and not (tmp_path / "replica2" / "photos").exists()


# The embedded file's restore (PostgreSQL's puts the photos beside those in the shared folder: test_backup_postgres).
@pytest.mark.parametrize("backend", ["duckdb"])
def test_backup_takes_the_photos_from_the_photo_folder_and_restore_puts_them_back_there(db, data_dir, tmp_path):
    shared = tmp_path / "shared-photos"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AUDIT_PHOTO_DIR", str(shared))
        stored = [store_photo(db, seed) for seed in (1, 2)]
        done = backup.backup(db, tmp_path / "bk")
    assert done.photos == 4 and done.missing == ()  # each photo and its thumbnail
    db.close()

    restored, shared_again = tmp_path / "restored", tmp_path / "shared-photos-2"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AUDIT_DATA_DIR", str(restored))
        env.setenv("AUDIT_PHOTO_DIR", str(shared_again))
        summary, aside = backup.restore(tmp_path / "bk")
        assert (summary.photos, aside) == (4, None)
        for photo in stored:
            assert photos.photo_path(photo.sha256).read_bytes() == photo.jpeg
            assert photos.photo_path(photo.sha256).is_relative_to(shared_again)
    assert not (restored / "photos").exists()
    assert (restored / "audit.duckdb").exists()


@pytest.mark.parametrize("backend", ["duckdb"])
def test_a_restore_over_existing_data_sets_the_shared_photos_aside_too(db, data_dir, tmp_path, monkeypatch):
    shared = tmp_path / "shared-photos"
    monkeypatch.setenv("AUDIT_PHOTO_DIR", str(shared))
    kept = store_photo(db, 3)
    backup.backup(db, tmp_path / "bk")
    later = store_photo(db, 4)  # taken after the backup: not in it
    db.close()
    _, aside = backup.restore(tmp_path / "bk", replace=True)
    assert photos.photo_path(kept.sha256).exists() and not photos.photo_path(later.sha256).exists()
    assert (aside / "photos" / later.sha256[:2] / f"{later.sha256}.jpg").read_bytes() == later.jpeg


def test_a_photo_is_synced_by_name_as_well_as_by_content(tmp_path, monkeypatch):
    """A file's fsync covers its bytes; its name is in its folder, which a crash can lose unless synced."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(source, target):
        real_replace(source, target)
        events.append(("rename", str(target)))

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    root = tmp_path / "photos"
    root.mkdir()
    photo = photos.process_photo(picture(5))
    photos.save_files(photo, root)

    target = photos.photo_path(photo.sha256, root)
    renamed = events.index(("rename", str(target)))
    assert ("fsync", str(target.parent)) in events[renamed + 1 :], events
    created = events.index(("fsync", str(root)))  # the new fan-out folder ab/ is named in the root
    assert created < renamed
    assert Path(events[renamed - 1][1]).parent == target.parent  # the file's own bytes, before its rename
