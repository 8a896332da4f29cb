"""The photos as the PDF and the XLSX embed them: the stored thumbnail (a JPEG of at most 400 px made when the
photo was stored), placed as it is. At 400 px a shelf can be seen at half a page's width, and embedding the
bytes needs no decoding or re-encoding; each file is read once per export however often it is placed."""

from __future__ import annotations

from audit import photos

THUMB_SIDE = photos.THUMB_SIDE


class Thumbnails:
    """Thumbnails of one export, each read once."""

    def __init__(self) -> None:
        self._read: dict[str, bytes | None] = {}

    def get(self, thumb_sha256: object) -> bytes | None:
        """JPEG bytes, or None when there is no photo, or its file is missing or not a JPEG."""
        if not isinstance(thumb_sha256, str) or not thumb_sha256:
            return None
        if thumb_sha256 not in self._read:
            self._read[thumb_sha256] = _read(thumb_sha256)
        return self._read[thumb_sha256]


def _read(thumb_sha256: str) -> bytes | None:
    try:
        data = photos.photo_path(thumb_sha256).read_bytes()
    except OSError:
        return None
    return data if data.startswith(b"\xff\xd8") else None  # the store holds JPEGs only; nothing else is placed


def thumb_size(width: int, height: int) -> tuple[int, int]:
    """The stored thumbnail's size for a photo of width x height (the photo fitted into THUMB_SIDE)."""
    scale = min(1.0, THUMB_SIDE / max(width, height, 1))
    return round(width * scale), round(height * scale)
