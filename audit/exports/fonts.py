"""The font the PDF embeds: one TrueType font with Latin and Chinese glyphs, subset into each PDF, so a
report reads the same in any viewer on any machine.

fpdf2 embeds TrueType (glyf) outlines. Debian's fonts-wqy-microhei ships one (a .ttc whose first face is
WenQuanYi Micro Hei); `make run` installs it. Noto Sans CJK (fonts-noto-cjk) has CFF outlines, which
fpdf2 would write as a TrueType font file that strict viewers refuse, so it is not used here.
AUDIT_PDF_FONT may name another TrueType font (.ttf, or a .ttc whose first face covers Chinese).
"""

from __future__ import annotations

import os
from pathlib import Path

from audit.exports.summary import ExportError

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian fonts-wqy-microhei (installed by the Makefile)
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # Debian fonts-wqy-zenhei
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # Debian fonts-arphic-uming
)
FONT_PACKAGE = "fonts-wqy-microhei"


def pdf_font() -> Path:
    """The font file to embed; ExportError (naming the package to install) when there is none."""
    configured = os.environ.get("AUDIT_PDF_FONT")
    candidates = (configured,) if configured else FONT_CANDIDATES
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ExportError("export.error.no_font", path=configured or FONT_CANDIDATES[0], package=FONT_PACKAGE)
