"""What a master-data code may hold (store, dealer, product, POP type, competitor and region codes).

Codes end up in file names, ZIP entries, URLs and widget keys, so they are checked once, when they come
in: letters and digits of any script (a company may code its stores in Chinese, and a region the import
creates takes its name as its code, e.g. "Far West" or "西北"), with '-', '_', '.' or a space between them;
the first character a letter or digit (no hidden '.x' names), never two dots in a row (no '..'), at most
MAX_CODE_LENGTH characters. Path separators, ':', control and text-direction characters are refused.
User names have their own, stricter rule (audit.users.USERNAME_PATTERN).
"""

from __future__ import annotations

MAX_CODE_LENGTH = 40
CODE_SEPARATORS = frozenset("-_. ")


def is_valid_code(text: str) -> bool:
    return (
        0 < len(text) <= MAX_CODE_LENGTH
        and text[0].isalnum()
        and ".." not in text
        and all(c.isalnum() or c in CODE_SEPARATORS for c in text)
    )
