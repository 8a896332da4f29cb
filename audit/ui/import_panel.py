"""Placeholder until the import module lands."""
import streamlit as st


def import_panel(db, lang: str) -> None:
    st.write("")
