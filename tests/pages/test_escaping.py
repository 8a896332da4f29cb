"""One escaping path: every name that comes from data (people, stores, cities, dealers, products, POP
types, competitors, regions) holding Markdown links, images and HTML shows as typed on every page, for
every role, in both languages: in headings, captions, the sidebar, alerts, labels, options and help
texts (all of which Streamlit renders as Markdown), and in charts (which Plotly renders as HTML)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from audit import auth
from audit.ui.markdown import md_escape
from audit.ui.navigation import page_specs_for
from tests.helpers.apptest import APP, deep_links, elements, strings_in

LINK, IMAGE, TAG = (
    "[x](https://evil.example/a)",
    "![i](https://evil.example/i.png)",
    "<a href='https://evil.example'>h</a>",
)
PAYLOAD = f"{LINK}{IMAGE}{TAG} "
NAME_COLUMNS = {
    "users": ["display_name", "display_name_en"],
    "stores": ["name", "name_en", "city", "city_en", "address", "contact_name"],
    "dealers": ["name_en", "name_zh"],
    "products": ["name_en", "name_zh"],
    "pop_types": ["name_en", "name_zh"],
    "competitors": ["name_en", "name_zh"],
    "regions": ["name_en", "name_zh"],
}
# Fields Streamlit shows as plain text (never Markdown): what is typed, chosen from a list, or in a table.
PLAIN_FIELDS = {
    "options",
    "value",
    "default",
    "data",
    "placeholder",
    "raw_values",
    "formatted_value",
    "spec",
    "raw_value",
    "arrow_data",
    "columns",
    "column_config",
    "url",
    "page_name",
    "page_script_hash",
}


def rendered_markdown_and_charts(at: AppTest):
    markdown, charts = [], []
    for element in elements(at._tree):
        if element.type == "plotly_chart":
            charts.append(json.loads(element.proto.spec))
        for path, text in strings_in(element.proto):
            if not PLAIN_FIELDS & set(path):
                markdown.append((element.type, ".".join(path), text))
    return markdown, charts


@pytest.fixture
def hostile_demo(demo_db):
    with demo_db.write() as cur:
        for table, columns in NAME_COLUMNS.items():
            cur.execute(
                f"UPDATE {table} SET " + ", ".join(f"{c} = ? || {c}" for c in columns), [PAYLOAD] * len(columns)
            )
    return demo_db


def test_names_from_data_render_as_typed_on_every_page(hostile_demo):
    checked, live, drawn = 0, [], []
    for username in ("admin", "manager", "merch01", "dealer01"):
        deep = deep_links(hostile_demo, username)
        for spec in page_specs_for(auth.get_user(hostile_demo, username)):
            for lang, params in ((lang, params) for lang in ("en", "zh") for params in [{}, *deep.get(spec.path, [])]):
                at = AppTest.from_file(APP, default_timeout=60)
                at.context["locale"] = "zh-CN" if lang == "zh" else "en-GB"
                at.session_state["session_token"] = auth.start_session(hostile_demo, username)
                at.run().switch_page(spec.path)
                for name, value in params.items():
                    at.query_params[name] = value
                at.run()
                assert not at.exception, (username, spec.path, at.exception)
                markdown, charts = rendered_markdown_and_charts(at)
                live += [
                    (username, spec.path, lang, kind, field, text[:150])
                    for kind, field, text in markdown
                    if "](https://evil" in text or "<a href='https://evil" in text
                ]
                drawn += [
                    (username, spec.path, lang, text[:150])
                    for chart in charts
                    for text in json.dumps(chart).split('"')
                    if "<a href=" in text
                ]
                checked += len(markdown)
                if params:  # a store's card, audit or form names the store: shown, as typed
                    assert any(md_escape(LINK) in text for _, _, text in markdown), (username, spec.path, params)
    assert live == [], "\n".join(map(str, live))
    assert drawn == [], "\n".join(map(str, drawn))
    assert checked > 1000
