"""The table behind audit/ui/widget_texts.py: every English text it replaces is one Streamlit really draws (a
new Streamlit that rewords one fails here, not silently on a Chinese screen), and every replacement has its
English and Chinese text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit

from audit import i18n
from audit.ui import widget_texts

STREAMLIT = Path(streamlit.__file__).parent
# The frontend bundle, and the Python side for the date field's default format.
SOURCES = [
    *(STREAMLIT / "static" / "static" / "js").glob("*.js"),
    STREAMLIT / "elements" / "widgets" / "time_widgets.py",
]


@pytest.fixture(scope="module")
def bundle() -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in SOURCES)


@pytest.mark.parametrize("rule", widget_texts.all_rules(), ids=lambda rule: rule.streamlit[:40])
def test_each_replaced_text_is_drawn_by_the_pinned_streamlit(bundle, rule):
    # Streamlit builds some of them from pieces ("{size} per file", "Remove {name}"): each piece must be there.
    for piece in rule.pieces or re.split(r"\{\w+\}", rule.streamlit):
        assert piece.strip() in bundle, f"{piece!r} is not in Streamlit {streamlit.__version__}'s frontend"


@pytest.mark.parametrize("rule", [r for r in widget_texts.all_rules() if r.key], ids=lambda rule: rule.key)
def test_each_replacement_is_written_in_every_language_with_the_same_values(rule):
    values = set(re.findall(r"\{(\w+)\}", rule.streamlit))
    for key in filter(None, (rule.key, rule.waiting)):
        for lang in i18n.LANGUAGES:
            text = i18n.catalog(lang).get(key)
            assert text, f"{key} has no {lang} text"
            assert set(re.findall(r"\{(\w+)\}", text)) == values, f"{key} ({lang}) does not take {values}"


def test_the_script_carries_the_chosen_languages_texts_and_cannot_close_its_tag_early():
    zh, en = widget_texts.script("zh"), widget_texts.script("en")
    assert '"text": "拍照"' in zh and '"text": "Take photo"' in en
    assert "CONFIG" not in zh  # filled in
    assert "</" not in zh.replace("<\\/", "")
