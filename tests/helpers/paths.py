"""Where things are, for tests in any folder under tests/: the checkout, the app, the sample master data and
the folder screenshots and rendered pages are kept in to be looked at."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout
APP = str(ROOT / "app.py")
SAMPLES = ROOT / "data" / "samples"
ARTIFACTS = ROOT / "tests" / "artifacts"
