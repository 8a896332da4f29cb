"""Errors meant for the person using the app: a message key and its values, shown in their language."""

from __future__ import annotations

from audit import i18n


class UserFacingError(ValueError):
    def __init__(self, key: str, **values: object):
        super().__init__(i18n.t(key, i18n.DEFAULT_LANGUAGE, **values))
        self.key = key
        self.values = values

    def message(self, lang: str) -> str:
        return i18n.t(self.key, lang, **self.values)
