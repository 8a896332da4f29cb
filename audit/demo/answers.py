"""The demo's answers: each visit's SKU lines, POP checks and competitor observations, drawn from the store's
quality, its region's drift and the campaigns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.demo.catalogue import (
    CATEGORY_ZH,
    CHANNELS,
    COMPETITOR_KINDS,
    COMPETITORS,
    FACINGS_BASE,
    KIND_WEIGHTS_CAMPAIGN,
    KIND_WEIGHTS_QUIET,
    OBSERVED_IN_CAMPAIGN,
    OBSERVED_QUIET,
    POP_TYPES,
)
from audit.demo.common import NO_TEXT
from audit.demo.master import Catalog
from audit.demo.visits import Campaign, DrawnVisits, _campaign_active


def _line_skus(
    rng: np.random.Generator, channels: np.ndarray, catalog: Catalog
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(audit row, SKU index, must-stock flag), sorted by audit: every must-stock SKU of the channel,
    and for some visits one or two other SKUs."""
    row_parts: list[np.ndarray] = []
    sku_parts: list[np.ndarray] = []
    must_parts: list[np.ndarray] = []
    for channel in CHANNELS:
        in_channel = np.flatnonzero(channels == channel)
        required, others = catalog.must[channel], catalog.other[channel]
        row_parts.append(np.repeat(in_channel, len(required)))
        sku_parts.append(np.tile(required, len(in_channel)))
        must_parts.append(np.ones(len(in_channel) * len(required), dtype=bool))
        extras = rng.choice(3, size=len(in_channel), p=[0.8, 0.13, 0.07])
        extra_rows = np.repeat(in_channel, extras)
        # two distinct extra SKUs: the second is offset from the first by 1..len-1
        first = rng.integers(len(others), size=len(in_channel))
        offset = np.where(
            np.arange(len(extra_rows)) - np.repeat(np.cumsum(extras) - extras, extras) == 0,
            0,
            1 + rng.integers(max(len(others) - 1, 1), size=len(extra_rows)),
        )
        row_parts.append(extra_rows)
        sku_parts.append(others[(np.repeat(first, extras) + offset) % len(others)])
        must_parts.append(np.zeros(len(extra_rows), dtype=bool))
    rows, skus, must = np.concatenate(row_parts), np.concatenate(sku_parts), np.concatenate(must_parts)
    order = np.lexsort((skus, rows))
    return rows[order], skus[order], must[order]


def _when(mask: np.ndarray, values: np.ndarray, dtype: str = "boolean") -> pd.Series:
    """values where the question applies, NULL elsewhere."""
    return pd.Series(values, dtype=dtype).where(mask)


def _shelf_levels(u: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """Eye level (2) is likelier in well-kept stores; the rest split top 30 %, waist 45 %, floor 25 %."""
    eye = 0.15 + 0.45 * quality
    rest = 1 - eye
    top, waist = 0.30 * rest, 0.45 * rest
    return np.where(u < eye, 2, np.where(u < eye + top, 1, np.where(u < eye + top + waist, 3, 4)))


def _lines(
    rng: np.random.Generator, audit_ids: np.ndarray, channels: np.ndarray, quality: np.ndarray, catalog: Catalog
) -> pd.DataFrame:
    rows, sku, must = _line_skus(rng, channels, catalog)
    n, q = len(sku), quality[rows]
    u = rng.random((11, n))
    in_stock = u[0] < np.clip(0.62 + 0.37 * q - catalog.stock_out_risk[sku], 0.3, 0.995)
    base = pd.Series(channels[rows]).map(FACINGS_BASE).to_numpy()
    facings = np.where(in_stock, np.minimum(1 + rng.poisson(base + 3 * q), 12), 0)
    tag_present = u[2] < 0.7 + 0.28 * q
    # Mostly the RRP; sometimes 5–20 % below (an unauthorised discount), rarely a little above.
    price_factor = np.where(
        u[3] < 0.12 * (1 - q) + 0.02, rng.uniform(0.8, 0.95, n), np.where(u[3] > 0.95, rng.uniform(1.02, 1.08, n), 1.0)
    )
    return pd.DataFrame(
        {
            "audit_id": audit_ids[rows],
            "product_code": catalog.codes[sku],
            "must_stock": must,
            "in_stock": in_stock,
            "facings": facings.astype(np.int16),
            "shelf_level": _when(in_stock, _shelf_levels(u[1], q), "Int8"),
            "restocked": _when(~in_stock, u[4] < 0.1 + 0.4 * q),
            "fifo_ok": _when(in_stock, u[5] < 0.75 + 0.23 * q),
            "near_expiry": _when(in_stock, u[6] < 0.01 + 0.08 * (1 - q)),
            "damaged": _when(in_stock, u[7] < 0.005 + 0.04 * (1 - q)),
            "tag_present": tag_present,
            "tag_placed_ok": _when(tag_present, u[8] < 0.8 + 0.19 * q),
            "tag_matches": _when(tag_present, u[9] < 0.85 + 0.14 * q),
            "tag_legible": _when(tag_present, u[10] < 0.9),
            "shelf_price": _when(in_stock & tag_present, np.round(catalog.rrp[sku] * price_factor, 1), "Float64"),
        }
    )


def _pop_checks(
    rng: np.random.Generator, audit_ids: np.ndarray, channels: np.ndarray, quality: np.ndarray
) -> pd.DataFrame:
    frames = []
    for code, _, _, required in POP_TYPES:
        rows = np.flatnonzero(np.isin(channels, required))
        q, u = quality[rows], rng.random((2, len(rows)))
        present = u[0] < 0.4 + 0.55 * q
        condition = np.where(u[1] < 0.45 + 0.45 * q, "good", np.where(u[1] < 0.97 - 0.1 * (1 - q), "worn", "damaged"))
        frames.append(
            pd.DataFrame(
                {
                    "audit_id": audit_ids[rows],
                    "pop_type_code": code,
                    "present": present,
                    "condition": pd.Series(condition, dtype=object).where(present, None),
                }
            )
        )
    return pd.concat(frames).sort_values(["audit_id", "pop_type_code"], kind="stable")


def _observations(
    rng: np.random.Generator, drawn: DrawnVisits, campaigns: list[Campaign], catalog: Catalog
) -> pd.DataFrame:
    """Competitor activity: frequent and mostly promotions or price changes while a campaign runs."""
    audit_ids, frames = drawn.audits.id.to_numpy(), []
    for c, (code, name_en, name_zh) in enumerate(COMPETITORS):
        active = _campaign_active(campaigns, drawn.region, drawn.week, competitor=c)
        rows = np.flatnonzero(rng.random(len(audit_ids)) < np.where(active, OBSERVED_IN_CAMPAIGN, OBSERVED_QUIET))
        k, campaign = len(rows), active[rows]
        kind = np.where(
            campaign,
            rng.choice(COMPETITOR_KINDS, size=k, p=KIND_WEIGHTS_CAMPAIGN),
            rng.choice(COMPETITOR_KINDS, size=k, p=KIND_WEIGHTS_QUIET),
        )
        sku = rng.integers(len(catalog.codes), size=k)
        normal = np.round(catalog.rrp[sku] * rng.uniform(0.88, 1.08, k), 1)
        discounted = np.isin(kind, ["promotion", "price_change"])
        promo = np.where(discounted, np.round(normal * rng.uniform(0.78, 0.92, k), 1), np.nan)
        flash = np.where(discounted & (rng.random(k) < 0.25), np.round(normal * rng.uniform(0.55, 0.72, k), 1), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "audit_id": audit_ids[rows],
                    "competitor_code": code,
                    "competitor_other": None,
                    "kind": kind,
                    "product": [f"{name_zh}{CATEGORY_ZH[category]}" for category in catalog.category[sku]],
                    "product_code": catalog.codes[sku],
                    "normal_price": normal,
                    "promo_price": promo,
                    "flash_price": flash,
                    "facings": (rng.poisson(np.where(campaign, 6, 3)) + 1).astype(np.int16),
                    "note": np.where(campaign, f"{name_zh}活动 / {name_en} campaign", NO_TEXT),
                }
            )
        )
    frame = pd.concat(frames).sort_values(["audit_id", "competitor_code"], kind="stable")
    return frame.assign(id=np.arange(1, len(frame) + 1))[["id", *frame.columns]]
