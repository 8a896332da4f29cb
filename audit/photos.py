"""Photo pipeline and content-addressed photo store.

Every stored photo is an RGB JPEG (≤ 1920 px, quality 82, no EXIF) named by the sha256 of its bytes,
with a thumbnail (≤ 400 px) stored the same way. Files are written before the database rows that refer
to them commit; `sweep_orphans` removes files no row refers to (left by a submit that failed later).
"""

from __future__ import annotations

import errno
import hashlib
import io
import math
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from PIL.WebPImagePlugin import _get_size as _webp_header_size  # a test pins it

from audit import config
from audit.db import Cursor, Database
from audit.errors import UserFacingError

MAX_SIDE = 1920
THUMB_SIDE = 400
JPEG_QUALITY = 82
MB = 1024 * 1024
MAX_BYTES = 25 * MB  # issue 3: a larger upload is refused before decoding (= server.maxUploadSize, a test checks)
MAX_PIXELS = 80_000_000  # issue 3: over 80 megapixels is refused from the header as a possible decompression bomb
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Issue 13: a 79-megapixel PNG of 331 KB peaked at 1.65 GB. Now the one full-size decode must fit this budget
# (refused from the header otherwise) and everything after it works on bands of rows and a small copy.
DECODE_BUDGET = 200 * MB
# What phones and tablets produce; other formats Pillow knows (TIFF, PSD, ...) are refused unread.
FORMATS = ("JPEG", "PNG", "HEIF", "WEBP", "GIF")  # JPEG covers MPO (multi-picture JPEGs from phones)
# How many copies of each pixel a decoder holds at its peak (measured, tests/unit/test_photo_memory.py): libheif
# hands Pillow its own buffer; libwebp's canvas, its frame, Pillow's raw read and the image make four.
_DECODER_COPIES = {"HEIF": 2, "WEBP": 4}
_BAND_ROWS = 256  # rows converted and reduced at a time: a band of a 16000-px-wide photo is about 16 MB
DEFAULT_SWEEP_GRACE_SECONDS = 3600  # a submit in flight writes its files minutes, not hours, before commit

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _DATETIME, _MODEL = 0x9003, 0x0132, 0x0110
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4

try:  # HEIC from iPads and iPhones
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pinned in requirements.txt
    pass


class PhotoError(UserFacingError):
    """A file that cannot be stored as a photo (photo.error.*)."""


@dataclass(frozen=True)
class ProcessedPhoto:
    jpeg: bytes
    thumb: bytes
    sha256: str
    thumb_sha256: str
    width: int
    height: int
    phash: int  # 64-bit dHash as a signed 64-bit number (BIGINT in both back ends)
    taken_at: datetime | None  # from the original EXIF, which the stored JPEG no longer carries
    camera_model: str | None
    gps_latitude: float | None
    gps_longitude: float | None


# ---------------------------------------------------------------- decoding and conversion


def _open(data: bytes, name: str) -> Image.Image:
    if not data:
        raise PhotoError("photo.error.empty", name=name)
    if len(data) > MAX_BYTES:
        raise PhotoError("photo.error.too_big", name=name, limit=MAX_BYTES // MB)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # refuse, don't just warn
            _refuse_costly_webp(data, name)  # libwebp allocates its canvas when the file is opened
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            full_size = image.size
            if full_size[0] * full_size[1] > MAX_PIXELS:
                raise PhotoError("photo.error.too_large", name=name)
            # A JPEG can decode straight at 1/2, 1/4 or 1/8 scale: a 12 MP photo decodes in a fraction of the
            # time and memory, still at least MAX_SIDE on its long side (other formats ignore this).
            shrink = MAX_SIDE / max(image.size)
            if shrink < 1:
                image.draft(None, (math.ceil(image.width * shrink), math.ceil(image.height * shrink)))
            if decode_cost(image, full_size) > DECODE_BUDGET:
                raise PhotoError("photo.error.too_large", name=name)
            image.load()  # decodes the first frame of an animation, which is the one we keep
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError("photo.error.too_large", name=name) from exc
    except UnidentifiedImageError as exc:
        raise PhotoError("photo.error.not_image", name=name) from exc
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as exc:  # RuntimeError: pillow-heif's decoder
        raise PhotoError(_decoding_failure(exc), name=name) from exc
    return image


def _pixel_bytes(mode: str) -> int:
    """Bytes Pillow keeps per pixel: one for 1/L/P, two for 16-bit grey, four for the rest (RGB too)."""
    return 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4


def _decoded_bytes(size: tuple[int, int], mode: str, fmt: str | None) -> int:
    return size[0] * size[1] * _pixel_bytes(mode) * _DECODER_COPIES.get(fmt or "", 1)


def decode_cost(image: Image.Image, full_size: tuple[int, int]) -> int:
    """Bytes the decoder will hold to load this opened image at its (drafted) size; full_size is the file's."""
    cost = _decoded_bytes(image.size, image.mode, image.format)
    if image.format in ("JPEG", "MPO") and image.info.get("progressive"):
        # libjpeg keeps every DCT coefficient of a progressive JPEG (2 bytes a sample, full size, any draft).
        cost += full_size[0] * full_size[1] * len(image.getbands()) * 2
    return cost


def _refuse_costly_webp(data: bytes, name: str) -> None:
    if data[8:12] != b"WEBP":
        return
    size = _webp_header_size(data[:30])  # the canvas size from the header, read without decoding
    if size and _decoded_bytes(size, "RGBA", "WEBP") > DECODE_BUDGET:
        raise PhotoError("photo.error.too_large", name=name)


def _decoding_failure(exc: Exception) -> str:
    """The message key for a file the decoder gave up on, from what it said."""
    said = str(exc).lower()
    if "security limit" in said:  # libheif: the HEIC's header claims more pixels than it will allocate
        return "photo.error.too_large"
    return "photo.error.truncated" if "truncat" in said else "photo.error.not_image"


def _flatten_on_white(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (image.mode == "P" and "transparency" in image.info)


def _rgb_converter(image: Image.Image) -> Callable[[Image.Image], Image.Image]:
    """How to turn the image, or any band of its rows, into RGB: decided once from the whole image."""
    if image.mode == "RGB":
        return lambda piece: piece
    if _has_alpha(image):
        return _flatten_on_white
    # 16/32-bit greyscale: scaled into 8 bits when it uses them; a plain convert would clip nearly all to white.
    if image.mode.startswith("I;16") or (image.mode == "I" and _largest_value(image) > 255):
        return lambda piece: piece.point(lambda v: v / 256).convert("L").convert("RGB")
    if image.mode.startswith("I") or image.mode == "F":
        return lambda piece: piece.convert("L").convert("RGB")
    return lambda piece: piece.convert("RGB")  # CMYK, P, L, 1, YCbCr, LAB ...


def to_rgb(image: Image.Image) -> Image.Image:
    return _rgb_converter(image)(image)


def _reduced_rgb(image: Image.Image, side: int) -> Image.Image:
    """The image in RGB, box-reduced by a whole factor to no less than `side` on its long side.

    Converted and reduced one band of rows at a time: a full-size converted or premultiplied copy of a large
    photo (RGBA, palette, 16-bit) would cost as much memory again as its decode.
    """
    convert, factor = _rgb_converter(image), max(1, max(image.size) // side)
    band = factor * math.ceil(_BAND_ROWS / factor)  # whole factors, so the bands' reductions meet exactly
    reduced = Image.new("RGB", (math.ceil(image.width / factor), math.ceil(image.height / factor)))
    for top in range(0, image.height, band):
        piece = convert(image.crop((0, top, image.width, min(top + band, image.height))))
        reduced.paste(piece.reduce(factor), (0, top // factor))
    reduced.info = dict(image.info)  # the EXIF orientation, for exif_transpose
    return reduced


def _encode_jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif= : nothing of the original leaks
    return out.getvalue()


def _fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    """A size within side × side in the original's proportions (a reduced copy's may be a pixel off)."""
    scale = min(1.0, side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _fit(image: Image.Image, side: int) -> Image.Image:
    fitted = image.copy()
    fitted.thumbnail((side, side), Image.Resampling.LANCZOS)
    return fitted


# ---------------------------------------------------------------- perceptual hash


def difference_hash(image: Image.Image) -> int:
    """64-bit dHash: for each of 8 rows of a 9×8 greyscale copy, is the right neighbour brighter? The 64 bits
    read as a signed number (two's complement), as a BIGINT column holds them; distances are unchanged."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] < pixels[row * 9 + col + 1])
    return bits - (1 << 64) if bits >= 1 << 63 else bits


def hamming(a: int, b: int) -> int:
    """Bits that differ between two hashes: 0–5 is the same picture, above ~15 a different one."""
    return ((int(a) ^ int(b)) & ((1 << 64) - 1)).bit_count()


def hamming_sql(a: str, b: str) -> str:
    """hamming() in SQL over two BIGINT hash columns, in a spelling DuckDB and PostgreSQL both accept: they share
    no xor (DuckDB's xor(), PostgreSQL's #), and PostgreSQL counts the bits only of a BIT string. (a | b) - (a & b)
    is a xor b (the bits set in either less those set in both) and stays within BIGINT for any two hashes."""
    return f"bit_count(CAST(({a} | {b}) - ({a} & {b}) AS BIT(64)))"


# ---------------------------------------------------------------- EXIF facts


def _clean_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip("\x00 ")
    return text or None


def _exif_time(value: object) -> datetime | None:
    text = _clean_text(value)
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _largest_value(image: Image.Image) -> float:
    """The largest pixel value of a one-band image (getextrema gives (low, high) for one band)."""
    low_high = image.getextrema()
    return max(value for value in low_high if isinstance(value, (int, float)))


def _gps_degrees(value: Any, ref: object, negative_ref: str) -> float | None:
    """EXIF's (degrees, minutes, seconds) in whatever shape a camera wrote them: checked here, None if unusable."""
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if result != result or not 0 <= result <= 180:  # NaN from a zero denominator, or nonsense
        return None
    hemisphere = _clean_text(ref)
    return -result if hemisphere and hemisphere.upper().startswith(negative_ref) else result


def _exif_facts(image: Image.Image) -> tuple[datetime | None, str | None, float | None, float | None]:
    """Capture time, camera model and GPS position from the original file's EXIF, when present."""
    try:
        exif = image.getexif()
        sub, gps = exif.get_ifd(_EXIF_IFD), exif.get_ifd(_GPS_IFD)
    except Exception:  # a damaged EXIF block must not cost the photo itself
        return None, None, None, None
    taken_at = _exif_time(sub.get(_DATETIME_ORIGINAL)) or _exif_time(exif.get(_DATETIME))
    latitude = _gps_degrees(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), "S")
    longitude = _gps_degrees(gps.get(_GPS_LON), gps.get(_GPS_LON_REF), "W")
    if latitude is not None and latitude > 90:
        latitude = None
    return taken_at, _clean_text(exif.get(_MODEL)), latitude, longitude


# ---------------------------------------------------------------- the pipeline


def process_photo(data: bytes, name: str = "photo") -> ProcessedPhoto:
    """Decode any common photo (JPEG, PNG, HEIC, ...), normalise it and encode what we store.

    Raises PhotoError with a message key naming the file (`name`) when the bytes are not a usable photo.
    """
    original = _open(data, name)
    taken_at, model, latitude, longitude = _exif_facts(original)
    size = original.size
    try:
        image = _reduced_rgb(original, MAX_SIDE)
        original.close()  # the full-size decode goes now, before the small copies below
        ImageOps.exif_transpose(image, in_place=True)
    except (OSError, ValueError) as exc:
        raise PhotoError("photo.error.not_image", name=name) from exc
    if (image.width > image.height) != (size[0] > size[1]):  # turned upright
        size = size[::-1]
    image = image.resize(_fitted(size, MAX_SIDE), Image.Resampling.LANCZOS)
    jpeg = _encode_jpeg(image)
    thumb = _encode_jpeg(_fit(image, THUMB_SIDE))
    return ProcessedPhoto(
        jpeg=jpeg,
        thumb=thumb,
        sha256=hashlib.sha256(jpeg).hexdigest(),
        thumb_sha256=hashlib.sha256(thumb).hexdigest(),
        width=image.width,
        height=image.height,
        phash=difference_hash(image),
        taken_at=taken_at,
        camera_model=model,
        gps_latitude=latitude,
        gps_longitude=longitude,
    )


# ---------------------------------------------------------------- content-addressed files


def photo_path(sha256: str, root: Path | None = None) -> Path:
    """photos/ab/abcdef….jpg: a two-character fan-out keeps directories small."""
    return Path(root or config.photo_dir()) / sha256[:2] / f"{sha256}.jpg"


def _write_once(path: Path, data: bytes) -> bool:
    """Atomic write: a reader sees the whole file or none; an existing file is never rewritten.

    The file is its owner's alone (0600, from mkstemp), in a folder that is too (0700). Returns whether
    the file was written.
    """
    if path.exists():
        return False
    if not path.parent.is_dir():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _sync_folder(path.parent.parent)  # the new fan-out folder's own name
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # The file's fsync covers its bytes, not its name: until the folder is synced, a crash can undo the rename
    # of a file whose row has since committed (the audit would show a photo that is gone).
    _sync_folder(path.parent)
    return True


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_files(photo: ProcessedPhoto, root: Path | None = None) -> None:
    """Write the photo and its thumbnail; call before committing the rows that refer to them.

    A full disk is a PhotoError (photo.error.disk_full): no half-written file stays, and the draft's
    answers, saved before, are untouched. A photo written before its thumbnail failed is swept later.
    """
    try:
        _write_once(photo_path(photo.sha256, root), photo.jpeg)
        _write_once(photo_path(photo.thumb_sha256, root), photo.thumb)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise PhotoError("photo.error.disk_full") from exc
        raise


PHOTO_COLUMNS = (
    "sha256",
    "thumb_sha256",
    "width",
    "height",
    "bytes",
    "phash",
    "taken_at",
    "camera_model",
    "gps_latitude",
    "gps_longitude",
)


def photo_row(photo: ProcessedPhoto) -> tuple[object, ...]:
    """The values of PHOTO_COLUMNS for one photo."""
    return (
        photo.sha256,
        photo.thumb_sha256,
        photo.width,
        photo.height,
        len(photo.jpeg),
        photo.phash,
        photo.taken_at,
        photo.camera_model,
        photo.gps_latitude,
        photo.gps_longitude,
    )


def insert_photo_row(cur: Cursor, photo: ProcessedPhoto) -> None:
    """Insert the photo's row in the caller's transaction; the same photo twice is one row."""
    cur.execute(
        f"INSERT INTO photos ({', '.join(PHOTO_COLUMNS)}) VALUES ({', '.join('?' * len(PHOTO_COLUMNS))})"
        " ON CONFLICT (sha256) DO NOTHING",
        list(photo_row(photo)),
    )


def forget_unused_rows(db: Database, older_than_seconds: float = DEFAULT_SWEEP_GRACE_SECONDS) -> int:
    """Delete `photos` rows that no audit, draft or action refers to (a discarded draft's pictures)."""
    cutoff = datetime.now() - timedelta(seconds=older_than_seconds)
    with db.write() as cur:
        # RETURNING: PostgreSQL's DELETE gives no row of its own (DuckDB's gives the count).
        forgotten = cur.execute(
            """DELETE FROM photos p WHERE p.created_at < ?
               AND NOT EXISTS (SELECT 1 FROM audit_photos a WHERE a.photo_sha256 = p.sha256)
               AND NOT EXISTS (SELECT 1 FROM draft_photos d WHERE d.photo_sha256 = p.sha256)
               AND NOT EXISTS (SELECT 1 FROM action_events e WHERE e.photo_sha256 = p.sha256)
               RETURNING p.sha256""",
            [cutoff],
        ).fetchall()
        return len(forgotten)


def _referenced_hashes(db: Database) -> set[str]:
    rows = db.cursor().execute("SELECT sha256, thumb_sha256 FROM photos").fetchall()
    return {sha for row in rows for sha in row}


def sweep_orphans(
    db: Database, root: Path | None = None, older_than_seconds: float = DEFAULT_SWEEP_GRACE_SECONDS
) -> int:
    """Delete photo files (and abandoned temp files) no `photos` row refers to; returns how many.

    Files younger than `older_than_seconds` are kept: their submit may not have committed yet.
    """
    root = Path(root or config.photo_dir())
    cutoff = time.time() - older_than_seconds
    referenced = _referenced_hashes(db)  # read after the cutoff, so a file older than it and committed is seen
    removed = 0
    for path in root.glob("*/*"):
        is_photo, is_temp = path.suffix == ".jpg" and not path.name.startswith("."), path.name.startswith(".tmp-")
        if not (is_photo or is_temp) or (is_photo and path.stem in referenced):
            continue
        try:
            if path.stat().st_mtime > cutoff:
                continue
            path.unlink()
            removed += 1
        except FileNotFoundError:  # removed meanwhile (another sweep)
            continue
    return removed
