"""Photo pipeline and content-addressed photo store.

Every stored photo is an RGB JPEG (≤ 1920 px, quality 82, no EXIF) named by the sha256 of its bytes,
with a thumbnail (≤ 400 px). Files are written before the database rows that refer to them; a sweep
removes files that no row refers to.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from audit import config

MAX_SIDE = 1920
THUMB_SIDE = 400
JPEG_QUALITY = 82
Image.MAX_IMAGE_PIXELS = 60_000_000  # larger is refused as a possible decompression bomb

try:  # HEIC from iPads and iPhones
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pinned in requirements.txt
    pass


class PhotoError(ValueError):
    """A file that cannot be stored as a photo; key names the message for the user."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class ProcessedPhoto:
    jpeg: bytes
    thumb: bytes
    sha256: str
    thumb_sha256: str
    width: int
    height: int
    phash: int
    taken_at: datetime | None
    camera_model: str | None
    gps_latitude: float | None
    gps_longitude: float | None


def _open(data: bytes) -> Image.Image:
    if not data:
        raise PhotoError("photo.error.empty")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Image.DecompressionBombError as exc:
        raise PhotoError("photo.error.too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError("photo.error.not_image") from exc
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        # 16-bit and float greyscale: scale into 8 bits instead of clipping to white.
        image = image.point(lambda v: v / 256) if image.mode.startswith("I;16") else image
        return image.convert("L").convert("RGB")
    return image.convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def difference_hash(image: Image.Image) -> int:
    """64-bit dHash: which neighbouring pixels get brighter in a 9×8 greyscale copy."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] < pixels[row * 9 + col + 1])
    return bits


def hamming(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


def _exif_facts(image: Image.Image) -> tuple[datetime | None, str | None, float | None, float | None]:
    exif = image.getexif()
    taken_at = None
    raw = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)  # DateTimeOriginal, else DateTime
    if raw:
        try:
            taken_at = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken_at = None
    model = exif.get(0x0110)
    model = str(model).strip("\x00 ") or None if model else None
    gps = exif.get_ifd(0x8825)
    lat = _gps_degrees(gps.get(2), gps.get(1), "S")
    lon = _gps_degrees(gps.get(4), gps.get(3), "W")
    return taken_at, model, lat, lon


def _gps_degrees(value, ref, negative_ref: str) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    return -result if ref and str(ref).upper().startswith(negative_ref) else result


def process_photo(data: bytes) -> ProcessedPhoto:
    image = _open(data)
    taken_at, model, lat, lon = _exif_facts(image)
    if getattr(image, "is_animated", False):
        image.seek(0)
    image = _to_rgb(ImageOps.exif_transpose(image))
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    jpeg = _jpeg(image)
    thumb_image = image.copy()
    thumb_image.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    thumb = _jpeg(thumb_image)
    return ProcessedPhoto(
        jpeg=jpeg, thumb=thumb,
        sha256=hashlib.sha256(jpeg).hexdigest(), thumb_sha256=hashlib.sha256(thumb).hexdigest(),
        width=image.width, height=image.height, phash=difference_hash(image),
        taken_at=taken_at, camera_model=model, gps_latitude=lat, gps_longitude=lon,
    )


def photo_path(sha256: str, root: Path | None = None) -> Path:
    return Path(root or config.photo_dir()) / sha256[:2] / f"{sha256}.jpg"


def _write_once(path: Path, data: bytes) -> None:
    """Atomic write: a reader sees the whole file or none; an existing file is never rewritten."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_files(photo: ProcessedPhoto, root: Path | None = None) -> None:
    _write_once(photo_path(photo.sha256, root), photo.jpeg)
    _write_once(photo_path(photo.thumb_sha256, root), photo.thumb)


PHOTO_COLUMNS = ("sha256", "thumb_sha256", "width", "height", "bytes", "phash", "taken_at", "camera_model",
                 "gps_latitude", "gps_longitude")


def photo_row(photo: ProcessedPhoto) -> tuple:
    return (photo.sha256, photo.thumb_sha256, photo.width, photo.height, len(photo.jpeg), photo.phash,
            photo.taken_at, photo.camera_model, photo.gps_latitude, photo.gps_longitude)


def insert_photo_row(cur, photo: ProcessedPhoto) -> None:
    cur.execute(
        f"INSERT INTO photos ({', '.join(PHOTO_COLUMNS)}) VALUES ({', '.join('?' * len(PHOTO_COLUMNS))})"
        " ON CONFLICT (sha256) DO NOTHING",
        list(photo_row(photo)),
    )


def sweep_orphans(db, root: Path | None = None, grace_seconds: float = 3600) -> int:
    """Delete photo files no row refers to; young files are kept (their submit may be in flight)."""
    root = Path(root or config.photo_dir())
    referenced = {
        sha for row in db.cursor().execute("SELECT sha256, thumb_sha256 FROM photos").fetchall() for sha in row
    }
    cutoff = time.time() - grace_seconds
    removed = 0
    for path in root.glob("*/*"):
        name = path.name.removeprefix(".tmp-")
        if path.stem in referenced or path.stat().st_mtime > cutoff:
            continue
        if path.suffix == ".jpg" or name != path.name:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
