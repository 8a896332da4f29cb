"""Photo pipeline: any input becomes an upright RGB JPEG without EXIF, stored by content hash."""
import io
import os
import time

import pytest
from PIL import Image, ImageDraw

from audit import photos
from audit.photos import PhotoError, process_photo


def encoded(image: Image.Image, fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def scene(size=(640, 480), shade=0) -> Image.Image:
    image = Image.new("RGB", size, (200, 200, 200))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        draw.rectangle([20 + i * 100, 40, 90 + i * 100, 400], fill=(min(255, 40 * i + shade), 80, 160))
    return image


@pytest.mark.parametrize("mode", ["CMYK", "P", "I;16", "RGBA", "LA"])
def test_every_mode_becomes_rgb(mode):
    source = scene().convert(mode) if mode != "I;16" else Image.new("I;16", (300, 200), 40000)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    result = process_photo(encoded(source, fmt))
    stored = Image.open(io.BytesIO(result.jpeg))
    assert stored.format == "JPEG" and stored.mode == "RGB"
    if mode == "I;16":
        assert stored.getpixel((5, 5))[0] > 100  # 16-bit grey is scaled, not clipped to white or black


def test_exif_rotation_is_applied_and_no_exif_is_kept():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x0110] = "iPad Pro"
    exif.get_ifd(0x8769)[0x9003] = "2026:11:02 09:15:30"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 13.0, 30.0), 3: "E", 4: (121.0, 28.0, 12.0)})
    result = process_photo(encoded(scene((640, 480)), "JPEG", exif=exif))
    assert (result.width, result.height) == (480, 640)
    stored = Image.open(io.BytesIO(result.jpeg))
    assert len(stored.getexif()) == 0
    assert result.camera_model == "iPad Pro"
    assert result.taken_at.isoformat() == "2026-11-02T09:15:30"
    assert result.gps_latitude == pytest.approx(31.225, abs=1e-4)
    assert result.gps_longitude == pytest.approx(121.47, abs=1e-4)


def test_large_photos_are_downscaled_with_a_small_thumbnail():
    result = process_photo(encoded(scene((4000, 3000)), "JPEG", quality=90))
    assert (result.width, result.height) == (1920, 1440)
    thumb = Image.open(io.BytesIO(result.thumb))
    assert max(thumb.size) == 400


def test_heic_is_read():
    import pillow_heif
    heic = io.BytesIO()
    pillow_heif.from_pillow(scene()).save(heic, quality=80)
    assert process_photo(heic.getvalue()).width == 640


@pytest.mark.parametrize("data, key", [
    (b"", "photo.error.empty"),
    (b"just some text, renamed to .jpg", "photo.error.not_image"),
])
def test_bad_files_raise_a_translatable_error(data, key):
    with pytest.raises(PhotoError) as caught:
        process_photo(data)
    assert caught.value.key == key


def test_truncated_jpeg_is_refused():
    whole = encoded(scene(), "JPEG")
    with pytest.raises(PhotoError):
        process_photo(whole[: len(whole) // 3])


def test_near_duplicates_have_close_hashes_and_different_scenes_do_not():
    original = process_photo(encoded(scene(), "JPEG"))
    brighter = process_photo(encoded(scene(shade=8), "JPEG", quality=70))
    different = process_photo(encoded(scene().transpose(Image.Transpose.FLIP_LEFT_RIGHT), "JPEG"))
    assert photos.hamming(original.phash, brighter.phash) <= 6
    assert photos.hamming(original.phash, different.phash) >= 16


def test_content_addressed_files_and_the_orphan_sweep(db, data_dir):
    kept = process_photo(encoded(scene(), "JPEG"))
    orphan = process_photo(encoded(scene(shade=100), "JPEG"))
    for photo in (kept, orphan):
        photos.save_files(photo)
    path = photos.photo_path(kept.sha256)
    assert path.read_bytes() == kept.jpeg and path.name == f"{kept.sha256}.jpg"
    before = path.stat().st_mtime_ns
    photos.save_files(kept)  # same content: the file is not rewritten
    assert path.stat().st_mtime_ns == before
    with db.write() as cur:
        photos.insert_photo_row(cur, kept)
    assert photos.sweep_orphans(db) == 0  # young files are spared: their submit may be in flight
    old = time.time() - 7200
    for file in (data_dir / "photos").glob("*/*"):
        os.utime(file, (old, old))
    assert photos.sweep_orphans(db) == 2
    assert photos.photo_path(kept.sha256).exists() and photos.photo_path(kept.thumb_sha256).exists()
    assert not photos.photo_path(orphan.sha256).exists()
