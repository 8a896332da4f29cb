"""The sidebar every page shares: language choice, who is signed in, sign out."""

from __future__ import annotations

import streamlit as st
from PIL import Image, ImageDraw
from streamlit.delta_generator import DeltaGenerator

from audit.auth import User
from audit.i18n import LANGUAGES
from audit.ui import context
from audit.ui.context import t
from audit.ui.markdown import md_escape

LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
THEME_COLOUR = "#0F766E"  # .streamlit/config.toml primaryColor


@st.cache_resource
def app_icon() -> Image.Image:
    """The tab icon, drawn here and served by the app itself (a :material/…: icon is fetched from a
    font CDN, which a self-hosted app on a closed network must not depend on)."""
    icon = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    draw.rounded_rectangle((2, 2, 61, 61), radius=12, fill=THEME_COLOUR)
    draw.line([(16, 33), (27, 44), (48, 21)], fill="white", width=7, joint="curve")
    return icon


def language_picker(where: DeltaGenerator = st.sidebar) -> None:
    current = context.lang()
    if st.session_state.get("lang_choice") != current:
        st.session_state.lang_choice = current

    def changed() -> None:
        choice = st.session_state.lang_choice
        context.set_lang(choice if choice in LANGUAGES else current)

    where.segmented_control(
        t("shell.language"),
        LANGUAGES,
        format_func=LANGUAGE_NAMES.__getitem__,
        key="lang_choice",
        on_change=changed,
        width="stretch",
        required=True,
    )


def account_box(user: User) -> None:
    with st.sidebar:
        st.divider()
        st.markdown(f"**{md_escape(user.name(context.lang()))}**  \n{t('role.' + user.role)}")
        if st.button(t("shell.sign_out"), key="sign_out", icon=":material/logout:", width="stretch"):
            context.sign_out()
            st.rerun()


# Every tap target at least 44 px high (Apple's and Google's minimum for a finger): buttons, the segmented
# choices and pills, number steppers, the sidebar opener; less empty space above the content. A row the
# submit list pointed at is outlined (views/capture.py).
TABLET_CSS = """
[data-testid="stMainBlockContainer"] { padding: 2.5rem 1.5rem 2rem; }
button[data-testid^="stBaseButton"], button[data-variant], [data-testid="stPopoverButton"],
[data-testid="stNumberInput"] input,
[data-testid="stSelectbox"] button, [data-testid="stMultiSelect"] button, [data-testid="stSelectbox"] [role="combobox"],
[data-testid="stNumberInput"] button, [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapseButton"] button, [data-testid="stExpandSidebarButton"] button { min-height: 44px; }
[data-testid="stExpandSidebarButton"], [data-testid="stExpandSidebarButton"] button { min-width: 44px; }
[data-testid="stCheckbox"] label { min-height: 44px; align-items: center; }
[class*="st-key-row-"][class*="-focus"] { outline: 3px solid #D64545; outline-offset: 2px; border-radius: 0.5rem; }
"""


def tablet_layout() -> None:
    """The tablet's CSS (TABLET_CSS), once per page run."""
    st.html(f"<style>{TABLET_CSS}</style>")
