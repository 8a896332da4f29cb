"""File names made from data (a dealer code, dates, a language): the one place that makes them safe.

A code imported before codes were checked (audit.codes), or written into the database by hand, may hold
'/', '\\', '..' or a control character. Every export file and ZIP entry is named here, so such a code
gives a plain name that stays in its folder, never a path.
"""

from __future__ import annotations

import re

# UTF-8 bytes of a name without its extension: file systems allow 255; a Chinese character takes 3.
MAX_STEM_BYTES = 200
_UNSAFE = re.compile(r"[^\w\-. ]+")  # \w: letters and digits of any script, and '_'
_DOTS = re.compile(r"\.{2,}")


def _clean(text: str) -> str:
    """Letters and digits of any script, '-', '.', spaces; anything else (or a run of it) one '_'; no '..';
    no dot, space or '_' at either end (a leading dot hides a file; Windows drops trailing dots and spaces)."""
    return _DOTS.sub(".", _UNSAFE.sub("_", text)).strip("._ ")


def safe_file_name(stem: str, extension: str) -> str:
    """stem.extension as one plain file name (never empty, never a path)."""
    cleaned = _clean(stem).encode("utf-8")[:MAX_STEM_BYTES].decode("utf-8", "ignore").rstrip("._ ")
    return f"{cleaned or 'file'}.{_clean(extension) or 'bin'}"


def unique_file_name(name: str, taken: set[str]) -> str:
    """name, or name-2, name-3 … (before the extension) when a name in taken differs from it at most in
    case: two codes that name files alike ('D9/x' and 'D9_x', or 'd01' and 'D01' on a system that ignores
    case) must not overwrite each other. Adds the name returned to taken (casefolded)."""
    stem, dot, extension = name.rpartition(".")
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem}-{number}{dot}{extension}"
    taken.add(candidate.casefold())
    return candidate
