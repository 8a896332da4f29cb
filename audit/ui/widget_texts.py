"""Streamlit's own widget texts in the user's language (issue 14: no English left on a Chinese screen).

Streamlit 1.67 draws some texts itself, in English only: the upload box ("Upload", "25.0MB per file • JPG…"),
the camera ("Take Photo", "Clear photo"), the connection-lost dialog, the hint under a text field, a list's
"No results", table and image tool buttons, and the labels a screen reader or a long press shows. install(),
called by app.py on every run, puts one script in the page (widget_texts.js); Streamlit runs it once and again
only when the language changes. A MutationObserver replaces each of those texts with the app's own from
audit/locales, or hides what has no place here (a link to Streamlit's English help, the command that restarts
Streamlit in a terminal). The English below is copied from Streamlit's frontend bundle
(streamlit/static/static/js/*.js); tests/unit/test_widget_texts.py fails when a new Streamlit no longer has one.

The same script serves the photo step: an upload box whose key ends in device_camera_key() opens the tablet's
camera at full resolution (capture="environment" on its file input), and the in-page camera's button waits
until its video plays (a tap before that took no photo) and says so.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

import streamlit as st

from audit import i18n
from audit.ui.context import lang

DEVICE_CAMERA = "device_camera"
_DEVICE_CAMERA_BOX = f'[class*="-{DEVICE_CAMERA}"]'  # Streamlit puts st-key-<key, ":" as "-"> on the box
_SCRIPT = Path(__file__).with_name("widget_texts.js")
_PLACEHOLDER = re.compile(r"\{\w+\}")

UPLOADER = '[data-testid="stFileUploader"]'
CAMERA = '[data-testid="stCameraInput"]'
DIALOG = '[role="dialog"]'
STATUS = '[data-testid="stStatusWidget"]'


class Rule(NamedTuple):
    streamlit: str  # Streamlit's English, {name} where it puts a value
    key: str | None  # the app's text (audit/locales); None: hidden
    within: str | None = None  # only inside this element (short words that could be anyone's)
    waiting: str | None = None  # the text while the camera's video does not play yet
    hide: str | None = None  # hidden: the closest element matching this (else the text's own)
    pieces: tuple[str, ...] = ()  # how Streamlit's code spells a text it puts together (checked by a test)


# The first rule that fits a text wins: the narrower ones come first.
RULES = (
    # The upload box (FileUploader, utils chunks). "Upload" opens the camera in the box marked for it.
    Rule("Upload", "widget.upload.take_photo", within=_DEVICE_CAMERA_BOX),
    Rule("Upload", "widget.upload.button", within=UPLOADER),
    Rule("file upload", "widget.upload.take_photo", within=_DEVICE_CAMERA_BOX),  # the file input's own label
    Rule("file upload", "widget.upload.input", within=UPLOADER),
    Rule("Drag and drop files here", "widget.upload.drop", within=UPLOADER),
    Rule("Drag and drop a file here", "widget.upload.drop", within=UPLOADER),
    Rule("{size} per file", "widget.upload.limit", within=UPLOADER),
    Rule("• {types}", "widget.upload.types", within=UPLOADER),
    Rule("Add files", "widget.upload.add", within=UPLOADER),
    Rule("Remove {name}", "widget.remove", within=f"{UPLOADER}, [data-testid='stMultiSelect']"),
    Rule("Cancel upload of {name}", "widget.upload.cancel", within=UPLOADER),
    Rule("Error:", "widget.upload.error", within=UPLOADER),
    Rule("{type} files are not allowed.", "widget.upload.not_allowed"),
    Rule("File must be {size} or smaller.", "widget.upload.too_large"),
    Rule("File size is too small.", "widget.upload.too_small"),
    Rule("Only one file is allowed.", "widget.upload.one_file"),
    Rule("Upload failed", "widget.upload.failed", within=UPLOADER),
    Rule("Click to retry upload", "widget.upload.retry"),
    Rule("Unexpected error. Please try again.", "widget.upload.unexpected"),
    # The in-page camera (CameraInput chunk).
    Rule("Take Photo", "widget.camera.take", within=CAMERA, waiting="widget.camera.starting"),
    Rule("Clear photo", "widget.camera.clear", within=CAMERA),
    Rule("Uploading...", "widget.camera.uploading", within=CAMERA),
    Rule("This app would like to use your camera.", "widget.camera.allow", within=CAMERA),
    Rule("Learn how to allow access.", None, within=CAMERA),  # Streamlit's help page, in English, online
    Rule("Switch camera", "widget.camera.switch", within=CAMERA),
    Rule("Snapshot", "widget.camera.snapshot", within=CAMERA),
    # Text fields, numbers, lists (InputInstructions, TextInput, NumberInput, Selectbox, Multiselect, utils).
    Rule("Press Enter to apply", "widget.input.enter", pieces=("Press Enter to ${e}", "`apply`")),
    Rule("Press Enter to submit form", "widget.input.enter_form", pieces=("Press Enter to ${e}", "`submit form`")),
    Rule("Press {keys}+Enter to apply", "widget.input.keys_enter", pieces=("`Press ${", "+Enter to ${e}", "`apply`")),
    Rule(
        "Press {keys}+Enter to submit form",
        "widget.input.keys_enter_form",
        pieces=("`Press ${", "+Enter to ${e}", "`submit form`"),
    ),
    Rule("Clear entry", "widget.clear"),
    Rule("Clear value", "widget.clear"),
    Rule("Decrement", "widget.number.less"),
    Rule("Increment", "widget.number.more"),
    Rule("Choose an option", "widget.select.choose"),
    Rule("Choose options", "widget.select.choose"),
    Rule("Choose or add an option", "widget.select.choose"),
    Rule("No results", "widget.select.no_results"),
    Rule("No options to select", "widget.select.no_options"),
    Rule("Clear all", "widget.select.clear_all"),
    Rule("Select all", "widget.select.all"),
    Rule("Open", "widget.select.open", within='[data-baseweb="select"]'),
    # Dates (DateInput chunk); the field's placeholder is the format the app asks for.
    Rule("YYYY-MM-DD", "widget.date.format"),  # views/plans.py asks for this one
    Rule("YYYY/MM/DD", "widget.date.format_slash", pieces=('"YYYY/MM/DD"',)),  # st.date_input's default (Python)
    Rule("Choose date", "widget.date.choose"),
    Rule("Choose date range", "widget.date.choose_range"),
    Rule("Clear date", "widget.date.clear"),
    Rule("Clear dates", "widget.date.clear"),
    Rule("Previous month", "widget.date.previous_month"),
    Rule("Next month", "widget.date.next_month"),
    Rule("Use arrow keys to navigate dates. Enter to select. Escape to close.", "widget.date.keys"),
    # The page around (index chunk): skip link, sidebar, running state.
    Rule("Skip to main content", "widget.page.skip"),
    Rule("Sidebar", "widget.page.sidebar"),
    Rule("App pages", "widget.page.pages"),
    Rule("Expand sidebar", "widget.page.expand_sidebar"),
    Rule("Collapse sidebar", "widget.page.collapse_sidebar"),
    Rule("Main menu", "widget.page.menu"),
    Rule("Notifications", "widget.page.notifications"),
    Rule("progress", "widget.page.progress"),
    Rule("Running...", "widget.page.running"),
    Rule("Stop", "widget.page.stop", within=STATUS),
    Rule("Close", "widget.close", within=f"{DIALOG}, [data-testid='stToast']"),
    # The connection lost (index chunk): the status in the corner, then the dialog.
    Rule("Connecting", "widget.connection.connecting"),
    Rule("Connecting to Streamlit server", "widget.connection.connecting_long"),
    Rule("Unable to connect to Streamlit server", "widget.connection.failed"),
    Rule("Error", "widget.connection.title", within=STATUS),
    Rule("Connection error", "widget.connection.title", within=DIALOG),
    Rule(
        "Is Streamlit still running? If you accidentally stopped Streamlit, just restart it in your terminal:",
        "widget.connection.lost",
    ),
    Rule("Streamlit server is not responding. Are you connected to the internet?", "widget.connection.lost"),
    Rule("Connection timed out.", "widget.connection.lost"),
    Rule("streamlit run yourscript.py", None, within=DIALOG, hide="pre"),  # a developer's command
    Rule("Script execution error", "widget.page.script_error"),
)
# Tool buttons over a table or an image (Toolbar, DataFrame chunks): "Fullscreen", "Fullscreen: <caption>".
TOOLBAR = {
    "Fullscreen": "widget.tool.fullscreen",
    "Close fullscreen": "widget.tool.close_fullscreen",
    "Download as CSV": "widget.tool.download_csv",
    "Search": "widget.tool.search",
    "Close Search": "widget.tool.close_search",
    "Show/hide columns": "widget.tool.columns",
    "Clear selection": "widget.tool.clear_selection",
}


def all_rules() -> tuple[Rule, ...]:
    tools = tuple(
        rule
        for label, key in TOOLBAR.items()
        for rule in (Rule(label, key), Rule(f"{label}: {{name}}", f"{key}.of", pieces=(label, "${e}: ${n}")))
    )
    return RULES + tools


def device_camera_key(key: str) -> str:
    """The key of an upload box that opens the tablet's camera (the script finds it by this ending)."""
    return f"{key}:{DEVICE_CAMERA}"


def _texts(key: str) -> list[str]:
    return [i18n.t(key, language) for language in i18n.LANGUAGES]


@cache
def script(language: str) -> str:
    """The page's script for one language: every rule with its texts (the match takes any language, so a
    page switched to another language is translated back from what it shows)."""
    rules = []
    for rule in all_rules():
        match = [rule.streamlit]
        spec: dict[str, object] = {"within": rule.within}
        if rule.key is None:
            spec["hide"] = rule.hide or True
        else:
            spec["text"] = i18n.t(rule.key, language)
            match += _texts(rule.key)
            if rule.waiting:
                spec["waiting"] = i18n.t(rule.waiting, language)
                match += _texts(rule.waiting)
        # The most specific template first: "· 格式：{types}" must be read before "· {types}" reads it as types.
        spec["match"] = sorted(set(match), key=lambda text: -len(_PLACEHOLDER.sub("", text)))
        rules.append(spec)
    config = {"lang": language, "rules": rules, "deviceCamera": _DEVICE_CAMERA_BOX}
    # "</" cannot end the script early inside a JSON string written as "<\/".
    return _SCRIPT.read_text(encoding="utf-8").replace(
        "CONFIG", json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    )


def install() -> None:
    """Once per run, from app.py. The element takes no room: its container is hidden."""
    st.html(
        '<style>[data-testid="stElementContainer"]:has(script[data-audit-widget-texts]){display:none}</style>'
        f"<script data-audit-widget-texts>{script(lang())}</script>",
        unsafe_allow_javascript=True,
    )
