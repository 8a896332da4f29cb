"""The Streamlit pages run headless through AppTest (tests/helpers/apptest.py)."""
