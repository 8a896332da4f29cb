"""The test suite, by what a test drives: unit/ (services and pure functions, no Streamlit), pages/ (the
Streamlit pages through AppTest), browser/ (the running app in Chromium, marked `browser`). Fixtures for all
are in conftest.py, shared helpers in helpers/. Packages, so two folders may hold files of one name."""
