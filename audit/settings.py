"""Scoring settings a manager can change: component weights, band limits, the price tolerance."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from audit.db import Database
from audit.errors import UserFacingError
from audit.values import is_missing

COMPONENTS = ("availability", "height", "eye_level", "share_of_shelf", "price", "pop", "freshness")
DEFAULT_WEIGHTS = {
    "availability": 25,
    "height": 10,
    "eye_level": 10,
    "share_of_shelf": 10,
    "price": 20,
    "pop": 15,
    "freshness": 10,
}
BANDS = ("green", "amber", "red")
SETTINGS_KEY = "scoring"


def under_rrp(price: float, rrp: float, fraction: float) -> bool:
    """The price is more than `fraction` under the RRP: the price check's comparison (with the price tolerance)."""
    return price < rrp * (1 - fraction)


def under_rrp_sql(price: str, rrp: str, fraction: str) -> str:
    """under_rrp as an SQL expression over columns (or parameters) named by the caller; NULL when a price is.
    Every query that finds or counts a price under the RRP uses it: the rule is written here once, and
    tests/unit/test_price_rule.py holds the two forms to each other at the boundary."""
    return f"({price} < {rrp} * (1 - {fraction}))"


class SettingsError(UserFacingError):
    """Settings that cannot be saved as given."""


@dataclass(frozen=True)
class ScoringSettings:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    green_min: float = 85.0  # score >= green_min is green
    amber_min: float = 70.0  # amber_min <= score < green_min is amber; below is red
    price_tolerance: float = 0.05  # a shelf price more than this fraction under the RRP fails

    def band(self, score: float | None) -> str | None:
        if is_missing(score):
            return None
        return "green" if score >= self.green_min else "amber" if score >= self.amber_min else "red"

    def weight_list(self) -> list[float]:
        return [float(self.weights[c]) for c in COMPONENTS]  # validate() and from_stored() give each a weight

    def cache_key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def validate(settings: ScoringSettings) -> ScoringSettings:
    weights: dict[str, float] = {}
    for component in COMPONENTS:
        weight = settings.weights.get(component)
        if not isinstance(weight, (int, float)) or math.isnan(weight) or weight < 0 or weight > 100:
            raise SettingsError("settings.error.weight", component=component)
        weights[component] = weight
    if sum(weights.values()) <= 0:
        raise SettingsError("settings.error.no_weight")
    if not (0 <= settings.amber_min < settings.green_min <= 100):
        raise SettingsError("settings.error.bands")
    if not (0 <= settings.price_tolerance <= 0.5):
        raise SettingsError("settings.error.tolerance")
    # Equivalent mutant (make mutants): the settings as given are the same to every caller, since the form, the
    # defaults and from_stored() give exactly the components, each a number.
    return replace(settings, weights={c: float(w) for c, w in weights.items()})  # pragma: no mutate


def load(db: Database) -> ScoringSettings:
    row = db.query_one("SELECT value FROM settings WHERE key = ?", [SETTINGS_KEY])
    return from_stored(row[0] if row else None)


def from_stored(value: str | None) -> ScoringSettings:
    """The settings as stored (JSON), over the defaults; the defaults when nothing is stored."""
    if value is None:
        return ScoringSettings()
    stored = json.loads(value)
    defaults = ScoringSettings()
    return ScoringSettings(
        weights={**defaults.weights, **stored.get("weights", {})},
        green_min=stored.get("green_min", defaults.green_min),
        amber_min=stored.get("amber_min", defaults.amber_min),
        price_tolerance=stored.get("price_tolerance", defaults.price_tolerance),
    )


def last_change(db: Database) -> tuple[str | None, datetime | None]:
    """Who changed the settings last, and when (None, None while the defaults are in force)."""
    row = db.query_one("SELECT updated_by, updated_at FROM settings WHERE key = ?", [SETTINGS_KEY])
    return (row[0], row[1]) if row else (None, None)
