"""The photo pipeline: conversions, metadata, content-addressed files, near-duplicates, the orphan sweep."""

from __future__ import annotations

import errno
import io
import os
import time
from datetime import datetime
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance

from audit import i18n, photos
from audit.photos import PhotoError, hamming, process_photo


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def scene(width: int = 640, height: int = 480, seed: int = 1) -> Image.Image:
    """A picture with structure (blocks of colour on a gradient), so hashes and resizes mean something."""
    rng = np.random.default_rng(seed)
    gradient = np.linspace(40, 220, width, dtype=np.uint8)
    image = Image.fromarray(np.stack([np.tile(gradient, (height, 1))] * 3, axis=-1))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = int(rng.integers(0, width - 60)), int(rng.integers(0, height - 60))
        draw.rectangle(
            [x, y, x + int(rng.integers(20, 120)), y + int(rng.integers(20, 120))],
            fill=tuple(int(v) for v in rng.integers(0, 255, 3)),
        )
    return image


def stored(photo) -> Image.Image:
    image = Image.open(io.BytesIO(photo.jpeg))
    image.load()
    return image


def test_rgb_jpeg_is_stored_as_rgb_jpeg_with_thumbnail_and_hashes():
    photo = process_photo(encode(scene(), "JPEG"))
    image = stored(photo)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (640, 480))
    assert (photo.width, photo.height) == (640, 480)
    assert max(Image.open(io.BytesIO(photo.thumb)).size) == 400
    assert len(photo.sha256) == len(photo.thumb_sha256) == 64
    assert photo.sha256 != photo.thumb_sha256
    assert -(2**63) <= photo.phash < 2**63  # the 64 bits as a signed BIGINT (migration 013)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: encode(scene().convert("CMYK"), "JPEG"), id="cmyk-jpeg"),
        pytest.param(lambda: encode(scene().convert("P", palette=Image.Palette.ADAPTIVE), "PNG"), id="palette-png"),
        pytest.param(lambda: encode(scene().convert("L"), "PNG"), id="grey-png"),
        pytest.param(lambda: encode(scene().convert("LA"), "PNG"), id="grey-alpha-png"),
        pytest.param(lambda: encode(scene().convert("RGBA"), "WEBP"), id="rgba-webp"),
    ],
)
def test_any_mode_is_converted_to_rgb(make):
    photo = process_photo(make())
    assert stored(photo).mode == "RGB"
    assert (photo.width, photo.height) == (640, 480)


def test_cmyk_colours_survive_conversion():
    red = Image.new("RGB", (64, 64), (220, 20, 20)).convert("CMYK")
    r, g, b = stored(process_photo(encode(red, "JPEG", quality=95))).getpixel((32, 32))
    assert r > 180 and g < 70 and b < 70


def test_16_bit_greyscale_is_scaled_not_clipped_to_white():
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (64, 1))
    image = stored(process_photo(encode(Image.fromarray(ramp), "PNG")))
    dark, light = image.getpixel((10, 32)), image.getpixel((245, 32))
    assert image.mode == "RGB"
    assert dark[0] < 40 and light[0] > 215


def test_transparent_png_is_flattened_on_white():
    image = Image.new("RGBA", (100, 80), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle([0, 0, 49, 79], fill=(0, 0, 200, 255))
    result = stored(process_photo(encode(image, "PNG")))
    left, right = result.getpixel((20, 40)), result.getpixel((80, 40))
    assert left[2] > 150 and left[0] < 60
    assert min(right) > 240


def test_exif_rotated_jpeg_is_turned_upright_with_swapped_dimensions():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    photo = process_photo(encode(scene(640, 480), "JPEG", exif=exif))
    assert (photo.width, photo.height) == (480, 640)


def test_large_image_is_downscaled_to_1920_and_thumbnail_to_400():
    photo = process_photo(encode(scene(4000, 3000), "JPEG"))
    assert (photo.width, photo.height) == (1920, 1440)
    assert stored(photo).size == (1920, 1440)
    assert Image.open(io.BytesIO(photo.thumb)).size == (400, 300)


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0110] = "iPad (9th generation)"
    exif.get_ifd(0x8769)[0x9003] = "2026:05:14 10:31:07"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (Fraction(31), Fraction(13), Fraction(4860, 100))
    gps[3], gps[4] = "E", (Fraction(121), Fraction(28), Fraction(1200, 100))
    return exif


def test_metadata_is_read_from_the_original_and_stripped_from_the_stored_file():
    photo = process_photo(encode(scene(), "JPEG", exif=gps_exif()))
    assert photo.taken_at == datetime(2026, 5, 14, 10, 31, 7)
    assert photo.camera_model == "iPad (9th generation)"
    assert photo.gps_latitude == pytest.approx(31 + 13 / 60 + 48.6 / 3600)
    assert photo.gps_longitude == pytest.approx(121 + 28 / 60 + 12 / 3600)
    for data in (photo.jpeg, photo.thumb):
        image = Image.open(io.BytesIO(data))
        assert len(image.getexif()) == 0
        assert "exif" not in image.info


def test_southern_and_western_coordinates_are_negative():
    exif = gps_exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[3] = "S", "W"
    photo = process_photo(encode(scene(), "JPEG", exif=exif))
    assert photo.gps_latitude < 0 and photo.gps_longitude < 0


def test_photo_without_exif_has_no_metadata():
    photo = process_photo(encode(scene(), "PNG"))
    assert (photo.taken_at, photo.camera_model, photo.gps_latitude, photo.gps_longitude) == (None,) * 4


def test_heic_from_an_ipad_is_read():
    photo = process_photo(encode(scene(320, 240), "HEIF", quality=80))
    assert stored(photo).mode == "RGB"
    assert (photo.width, photo.height) == (320, 240)


def test_animated_gif_keeps_the_first_frame():
    frames = [Image.new("RGB", (60, 40), colour) for colour in ((250, 0, 0), (0, 0, 250))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    r, _, b = stored(process_photo(data)).getpixel((30, 20))
    assert r > 200 and b < 50


@pytest.mark.parametrize(
    ("data", "key"),
    [
        pytest.param(b"", "photo.error.empty", id="zero-bytes"),
        pytest.param("货架照片 shelf photo".encode(), "photo.error.not_image", id="text"),
        pytest.param(encode(scene(), "PNG")[:40], "photo.error.not_image", id="header-only"),
    ],
)
def test_bad_input_raises_photo_error_with_a_translated_key(data, key):
    with pytest.raises(PhotoError) as caught:
        process_photo(data)
    assert caught.value.key == key
    for lang in i18n.LANGUAGES:
        assert caught.value.key in i18n.catalog(lang)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_upload_raises_photo_error(fmt):
    data = encode(Image.effect_noise((300, 300), 60).convert("RGB"), fmt)
    with pytest.raises(PhotoError) as caught:
        process_photo(data[: len(data) // 2])
    assert caught.value.key == "photo.error.truncated"


def test_decompression_bomb_is_refused_without_decoding():
    # A tiny PNG whose header claims 9000×9000 (81 MP): refused from the header alone.
    data = encode(Image.new("1", (9000, 9000)), "PNG")
    assert len(data) < 100_000
    with pytest.raises(PhotoError) as caught:
        process_photo(data)
    assert caught.value.key == "photo.error.too_large"


def test_near_identical_photo_has_a_small_hamming_distance_and_a_different_one_a_large():
    original = scene(seed=3)
    brighter = ImageEnhance.Brightness(original).enhance(1.08)
    a = process_photo(encode(original, "JPEG")).phash
    b = process_photo(encode(brighter, "JPEG", quality=70)).phash
    other = process_photo(encode(scene(seed=4).transpose(Image.Transpose.FLIP_LEFT_RIGHT), "JPEG")).phash
    assert hamming(a, b) <= 6
    assert hamming(a, other) >= 16
    assert hamming(a, a) == 0


def test_photo_path_fans_out_by_the_first_two_characters(tmp_path):
    sha = "ab" + "c" * 62
    assert photos.photo_path(sha, tmp_path) == tmp_path / "ab" / f"{sha}.jpg"


def test_photo_path_defaults_to_the_data_directory(data_dir):
    assert photos.photo_path("ff" * 32) == data_dir / "photos" / "ff" / f"{'ff' * 32}.jpg"


def test_same_image_gives_same_files_and_they_are_not_rewritten(tmp_path):
    data = encode(scene(), "JPEG")
    first, second = process_photo(data), process_photo(data)
    assert (first.sha256, first.thumb_sha256) == (second.sha256, second.thumb_sha256)
    photos.save_files(first, tmp_path)
    path = photos.photo_path(first.sha256, tmp_path)
    assert path.read_bytes() == first.jpeg
    assert photos.photo_path(first.thumb_sha256, tmp_path).read_bytes() == first.thumb
    os.utime(path, (1_000_000, 1_000_000))
    photos.save_files(second, tmp_path)
    assert path.stat().st_mtime == 1_000_000
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".tmp-")]


def test_photo_row_is_inserted_once(db):
    photo = process_photo(encode(scene(), "JPEG", exif=gps_exif()))
    for _ in range(2):
        with db.write() as cur:
            photos.insert_photo_row(cur, photo)
    row = db.query_one("SELECT count(*), any_value(phash), any_value(width), any_value(taken_at) FROM photos")
    assert row == (1, photo.phash, 640, datetime(2026, 5, 14, 10, 31, 7))


def test_phash_with_the_top_bit_set_fits_the_column(db):
    """All 64 bits set is -1 as a signed BIGINT (migration 013): stored and read back as it was, and still
    64 bits away from a hash of zeros."""
    photo = process_photo(encode(scene(), "JPEG"))
    top = photo.__class__(**{**photo.__dict__, "phash": -1})
    with db.write() as cur:
        photos.insert_photo_row(cur, top)
    assert db.query_one("SELECT phash FROM photos")[0] == -1
    assert photos.hamming(-1, 0) == 64 and photos.hamming(-(2**63), 2**63 - 1) == 64


def test_the_distance_in_sql_is_hammings_in_a_write_transaction(db):
    """flag_photos measures distances in SQL, in the transaction that stores an audit (PostgreSQL's on that back
    end): the same bits as hamming(), for hashes with and without the top bit, and at the extremes."""
    hashes = [0, 1, -1, 2**63 - 1, -(2**63), 0x5A0D17, -0x1234_5678_9ABC, 7 << 60]
    photo = process_photo(encode(scene(), "JPEG"))
    with db.write() as cur:
        for i, phash in enumerate(hashes):
            photos.insert_photo_row(cur, photo.__class__(**{**photo.__dict__, "sha256": f"{i:064x}", "phash": phash}))
        measured = cur.execute(
            f"SELECT a.phash, b.phash, {photos.hamming_sql('a.phash', 'b.phash')} FROM photos a, photos b"
        ).fetchall()
    assert len(measured) == len(hashes) ** 2
    assert [(a, b, distance) for a, b, distance in measured if distance != hamming(a, b)] == []
    assert {distance for a, b, distance in measured if (a, b) == (-1, 0)} == {64}


def age(path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_sweep_removes_orphans_and_keeps_referenced_and_young_files(db, data_dir):
    kept = process_photo(encode(scene(seed=5), "JPEG"))
    orphan = process_photo(encode(scene(seed=6), "JPEG"))
    young = process_photo(encode(scene(seed=7), "JPEG"))
    for photo in (kept, orphan, young):
        photos.save_files(photo)
    with db.write() as cur:
        photos.insert_photo_row(cur, kept)
    for photo in (kept, orphan):
        for sha in (photo.sha256, photo.thumb_sha256):
            age(photos.photo_path(sha), 7200)
    stale_temp = photos.photo_path(kept.sha256).parent / ".tmp-abandoned.part"
    stale_temp.write_bytes(b"half")
    age(stale_temp, 7200)

    assert photos.sweep_orphans(db, older_than_seconds=3600) == 3  # orphan + its thumbnail + temp file
    assert photos.photo_path(kept.sha256).exists() and photos.photo_path(kept.thumb_sha256).exists()
    assert not photos.photo_path(orphan.sha256).exists() and not photos.photo_path(orphan.thumb_sha256).exists()
    assert photos.photo_path(young.sha256).exists()  # its submit may still be committing
    assert not stale_temp.exists()
    assert photos.sweep_orphans(db, older_than_seconds=0) == 2  # the young pair, once old enough


def test_an_upload_over_25_mb_is_refused_before_decoding():
    with pytest.raises(PhotoError) as caught:
        process_photo(b"\xff\xd8" + b"\x00" * (25 * 1024 * 1024), "货架.jpg")
    assert caught.value.key == "photo.error.too_big"
    assert caught.value.message("zh") == "“货架.jpg”超过 25 MB。"
    assert caught.value.message("en") == "“货架.jpg” is larger than 25 MB."


def test_rows_of_discarded_drafts_are_forgotten_then_their_files_swept(db, data_dir):
    from audit.photos import forget_unused_rows, insert_photo_row, photo_path, save_files, sweep_orphans

    photo = process_photo(encode(scene(), "JPEG"))
    save_files(photo)
    with db.write() as cur:
        insert_photo_row(cur, photo)
        cur.execute("UPDATE photos SET created_at = created_at - INTERVAL '2 hours'")
    old = time.time() - 7200
    for file in (data_dir / "photos").glob("*/*"):
        os.utime(file, (old, old))
    assert forget_unused_rows(db) == 1
    assert sweep_orphans(db) == 2
    assert not photo_path(photo.sha256).exists()


def test_photo_files_and_their_folders_are_for_the_owner_alone(tmp_path):
    photo = process_photo(encode(scene(), "JPEG"))
    photos.save_files(photo, tmp_path)
    for sha in (photo.sha256, photo.thumb_sha256):
        path = photos.photo_path(sha, tmp_path)
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.parent.stat().st_mode & 0o777 == 0o700


def no_space_left(*_):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_is_a_clear_message_and_leaves_no_file(tmp_path, monkeypatch):
    photo = process_photo(encode(scene(), "JPEG"))
    monkeypatch.setattr(photos.os, "fsync", no_space_left)  # the write fails where a full disk says so
    with pytest.raises(PhotoError) as caught:
        photos.save_files(photo, tmp_path)
    assert caught.value.key == "photo.error.disk_full"
    assert "disk is full" in caught.value.message("en") and "磁盘已满" in caught.value.message("zh")
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # neither the photo nor a temp file


def test_another_write_failure_is_not_called_a_full_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(photos.os, "fsync", lambda *_: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(OSError) as caught:
        photos.save_files(process_photo(encode(scene(), "JPEG")), tmp_path)
    assert not isinstance(caught.value, PhotoError)


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "PPM"])
def test_formats_no_camera_makes_are_refused_unread(fmt):
    with pytest.raises(PhotoError) as caught:
        process_photo(encode(scene(), fmt), f"scan.{fmt.lower()}")
    assert caught.value.key == "photo.error.not_image"
    assert f"scan.{fmt.lower()}" in caught.value.message("en")


def test_a_large_photo_is_reduced_in_bands_to_the_same_picture():
    """The band-by-band reduction meets exactly: no seam, no shifted rows (a gradient top to bottom)."""
    ramp = np.repeat(np.linspace(0, 255, 6000).astype(np.uint8)[:, None], 4000, axis=1)
    rgba = Image.fromarray(np.stack([ramp, ramp, ramp, np.full_like(ramp, 255)], axis=-1), "RGBA")
    photo = process_photo(encode(rgba, "PNG"))
    column = np.asarray(stored(photo).convert("L"))[:, 640].astype(int)
    assert (photo.width, photo.height) == (1280, 1920)
    assert np.all(np.diff(column) >= -2)  # rises steadily from top to bottom, JPEG noise aside
    assert column[0] < 5 and column[-1] > 250
