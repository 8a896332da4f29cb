"""Small JPEG thumbnails of stored photos for the PDF and the XLSX, made from the stored 400 px
thumbnail (decoded at reduced size, which JPEG allows cheaply) and remembered per export."""
from __future__ import annotations

import io

from PIL import Image

from audit import photos


class Thumbnails:
    """Thumbnails of one export, each made once however often it is placed."""

    def __init__(self, side: int, quality: int = 80):
        self.side, self.quality = side, quality
        self._made: dict[str, bytes | None] = {}

    def get(self, thumb_sha256) -> bytes | None:
        """JPEG bytes at most `side` px, or None when there is no photo or its file is missing."""
        if not isinstance(thumb_sha256, str) or not thumb_sha256:
            return None
        if thumb_sha256 not in self._made:
            self._made[thumb_sha256] = self._make(thumb_sha256)
        return self._made[thumb_sha256]

    def _make(self, thumb_sha256: str) -> bytes | None:
        path = photos.photo_path(thumb_sha256)
        try:
            with Image.open(path) as image:
                image.draft("RGB", (self.side, self.side))
                image = image.convert("RGB")
                image.thumbnail((self.side, self.side))
                out = io.BytesIO()
                image.save(out, "JPEG", quality=self.quality)
                return out.getvalue()
        except (OSError, ValueError):
            return None
