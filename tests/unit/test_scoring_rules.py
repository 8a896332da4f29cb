"""The scoring rules a manager saves (settings.validate through scoring.save_settings) at their limits, the
settings read back from what an older version stored, and the defaults the README publishes. Each limit
here is one that a planted bug (make mutants) moved without any test failing."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from audit import scoring, settings
from audit.settings import COMPONENTS, DEFAULT_WEIGHTS, ScoringSettings, SettingsError
from tests.helpers.paths import ROOT


def refusal(db, **changes) -> str | None:
    """The reason saving the defaults with these changes is refused (None: saved, and then in force)."""
    try:
        saved = scoring.save_settings(db, replace(ScoringSettings(), **changes), "boss")
    except SettingsError as error:
        return error.key
    assert settings.load(db) == saved
    return None


def test_a_weight_is_a_number_from_0_to_100(db):
    for weight in (0, 100, 37.5):
        assert refusal(db, weights=DEFAULT_WEIGHTS | {"pop": weight}) is None
    for weight in (100.01, -0.01, float("nan"), "20", None):
        assert refusal(db, weights=DEFAULT_WEIGHTS | {"pop": weight}) == "settings.error.weight"
    assert refusal(db, weights={c: w for c, w in DEFAULT_WEIGHTS.items() if c != "pop"}) == "settings.error.weight"


def test_any_weight_above_nothing_makes_a_score(db):
    assert refusal(db, weights=dict.fromkeys(COMPONENTS, 0) | {"pop": 0.5}) is None
    assert refusal(db, weights=dict.fromkeys(COMPONENTS, 0)) == "settings.error.no_weight"


def test_the_bands_may_reach_0_and_100_with_amber_below_green(db):
    assert refusal(db, amber_min=0, green_min=100) is None
    assert refusal(db, amber_min=70, green_min=70) == "settings.error.bands"
    assert refusal(db, amber_min=-1) == "settings.error.bands"
    assert refusal(db, green_min=100.5) == "settings.error.bands"


def test_the_price_tolerance_runs_from_exact_to_half_the_rrp(db):
    for tolerance in (0, 0.5):
        assert refusal(db, price_tolerance=tolerance) is None
    for tolerance in (-0.01, 0.51):
        assert refusal(db, price_tolerance=tolerance) == "settings.error.tolerance"


def test_settings_stored_before_a_rule_existed_take_its_default(db):
    """A settings row saved by an older version names only what it knew: the rest is the default."""
    with db.write() as cur:
        cur.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)",
            [settings.SETTINGS_KEY, json.dumps({"weights": {"pop": 30}, "green_min": 90})],
        )
    read = settings.load(db)
    assert read == replace(ScoringSettings(), weights=DEFAULT_WEIGHTS | {"pop": 30}, green_min=90)
    assert read.weight_list()[COMPONENTS.index("pop")] == 30
    assert read.weight_list()[COMPONENTS.index("price")] == DEFAULT_WEIGHTS["price"]


def test_the_defaults_are_those_the_readme_publishes():
    """The README's component table and its settings row are what a manager starts from."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| Component | Measures | Default weight |")[1].split("\n\n")[0]
    published = [int(row.rsplit("|", 2)[1]) for row in table.strip().splitlines()[1:]]
    assert published == [DEFAULT_WEIGHTS[c] for c in COMPONENTS]
    bands = re.search(r"default green ≥ (\d+), amber (\d+)–\d+, red < (\d+)\)", readme)
    tolerance = re.search(r"price tolerance \(default (\d+) % under the RRP\)", readme)
    assert bands and tolerance
    defaults = ScoringSettings()
    assert (defaults.green_min, defaults.amber_min) == (float(bands[1]), float(bands[2]))
    assert defaults.price_tolerance == pytest.approx(int(tolerance[1]) / 100)
