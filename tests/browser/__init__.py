"""The running app in Debian's Chromium (marked `browser`; fixtures in tests/conftest.py)."""
