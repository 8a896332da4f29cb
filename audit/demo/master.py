"""The demo's master data: regions, dealers, merchandisers and accounts, products and must-stock ranges, stores
with their owners, and each store's quality (the story the charts tell starts here)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import numpy as np
import pandas as pd

from audit import auth
from audit.demo.catalogue import (
    CATEGORIES,
    CHANNEL_WEIGHTS,
    CHANNELS,
    COMPETITORS,
    CONTACT_ROLES,
    CREDIT_NOTES,
    DEALERS,
    ENGLISH_NAMES,
    GIVEN_NAMES,
    GRADE_WEIGHTS_BY_CHANNEL,
    GRADES,
    MERCHANDISER_NAMES,
    MUST_STOCK_CATEGORY_WEIGHT,
    MUST_STOCK_COUNT,
    OUR_BRANDS_ZH,
    OWNERSHIP_BY_CHANNEL,
    REGION_WEIGHTS,
    REGIONS,
    STORE_CATEGORY_BY_CHANNEL,
    STORE_NAME_PATTERNS,
    STREETS,
    SUB_CHANNELS,
    SURNAMES,
    TRADE_NAMES,
)
from audit.demo.common import _pick, _quota


def _regions() -> pd.DataFrame:
    return pd.DataFrame([(code, en, zh) for code, en, zh, _ in REGIONS], columns=["code", "name_en", "name_zh"])


def _phone(rng: np.random.Generator) -> str:
    return f"1{int(rng.integers(30, 90))}{int(rng.integers(10**7, 10**8))}"


def _person(rng: np.random.Generator) -> str:
    return _pick(rng, SURNAMES) + "".join(_pick(rng, GIVEN_NAMES) for _ in range(int(rng.integers(1, 3))))


def _dealers(rng: np.random.Generator, stamp: datetime) -> pd.DataFrame:
    rows = [
        (code, en, zh, regions[0], _person(rng), _phone(rng), f"{code.lower()}@example.com", stamp)
        for code, en, zh, regions in DEALERS
    ]
    return pd.DataFrame(
        rows, columns=["code", "name_en", "name_zh", "region_code", "contact", "phone", "email", "updated_at"]
    )


# One merchandiser per city, numbered in region order: a merchandiser's day stays within one city, as a
# real territory does.
TERRITORIES = [(code, city_zh) for code, _, _, cities in REGIONS for _, city_zh, _, _ in cities]


def _merchandisers() -> list[tuple[str, str, str]]:
    """(username, Chinese display name, region) for the twelve merchandisers, one per territory."""
    return [(f"merch{n + 1:02d}", MERCHANDISER_NAMES[n], region) for n, (region, _) in enumerate(TERRITORIES)]


def _merchandiser_by_city() -> dict[str, str]:
    """City (Chinese) -> the merchandiser who works it."""
    return {city: username for (_, city), (username, _, _) in zip(TERRITORIES, _merchandisers(), strict=True)}


def _password_hashes(count: int) -> list[Future[str]]:
    """One argon2 hash of the demo password per account, each with its own salt and the app's real
    parameters (a shared hash would tell anyone who reads the database that the accounts share a password,
    and would stay shared by any account not yet given its own). Argon2 is slow on purpose, so the hashes
    are made in the background, two at a time, while the audits are generated."""
    pool = ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1))
    hashes = [pool.submit(auth.hash_password, "demo") for _ in range(count)]
    pool.shutdown(wait=False)  # the queued hashes still run; the threads end after the last one
    return hashes


def _users(merchandisers: list[tuple[str, str, str]], stamp: datetime) -> pd.DataFrame:
    """The demo accounts, without their password hashes (_password_hashes)."""
    rows: list[tuple[str, str, str, str, str | None]] = [  # username, names, role, dealer
        ("admin", "陈静", ENGLISH_NAMES["陈静"], "admin", None),
        ("manager", "郑丽", ENGLISH_NAMES["郑丽"], "manager", None),
    ]
    rows += [(username, name, ENGLISH_NAMES[name], "merchandiser", None) for username, name, _ in merchandisers]
    rows += [(f"dealer{code[1:]}", f"{zh} ({en})", en, "dealer", code) for code, en, zh, _ in DEALERS]
    frame = pd.DataFrame(rows, columns=["username", "display_name", "display_name_en", "role", "dealer_code"])
    return frame.assign(is_demo=True, created_at=stamp, updated_at=stamp)


@dataclass(frozen=True)
class Catalog:
    """The SKUs as arrays, for vectorised line generation."""

    codes: np.ndarray
    rrp: np.ndarray
    category: np.ndarray
    stock_out_risk: np.ndarray  # some SKUs sell out more often than others
    must: dict[str, np.ndarray]  # channel -> SKU indices that are must-stock there
    other: dict[str, np.ndarray]  # channel -> the remaining SKU indices


def _products(rng: np.random.Generator, stamp: datetime) -> tuple[pd.DataFrame, Catalog]:
    rows, categories = [], []
    for c, (category, _, _, (brand_en, brand_zh), (low, high), variants) in enumerate(CATEGORIES):
        for v, (variant_en, variant_zh) in enumerate(variants):
            price = np.floor(rng.uniform(low, high)) + 0.9  # shelf prices end in .9
            rows.append(
                (
                    f"P{c + 1}{v + 1:02d}",
                    f"{brand_en} {variant_en}",
                    f"{brand_zh}{variant_zh}",
                    brand_en,
                    category,
                    round(float(price), 2),
                )
            )
            categories.append(c)
    n, category_index = len(rows), np.array(categories)
    must = {}
    for channel in CHANNELS:
        weight = np.array(MUST_STOCK_CATEGORY_WEIGHT[channel], dtype=float)[category_index]
        must[channel] = np.sort(rng.choice(n, size=MUST_STOCK_COUNT[channel], replace=False, p=weight / weight.sum()))
    frame = pd.DataFrame(rows, columns=["code", "name_en", "name_zh", "brand", "category", "rrp"])
    frame["must_stock_channels"] = [[ch for ch in CHANNELS if i in must[ch]] for i in range(n)]
    frame["updated_at"] = stamp
    catalog = Catalog(
        codes=frame.code.to_numpy(),
        rrp=frame.rrp.to_numpy(dtype=float),
        category=frame.category.to_numpy(),
        stock_out_risk=rng.uniform(0, 0.08, size=n),
        must=must,
        other={ch: np.setdiff1d(np.arange(n), idx) for ch, idx in must.items()},
    )
    return frame, catalog


def _store_row(
    rng: np.random.Generator,
    number: int,
    region_index: int,
    channel: str,
    grade: str,
    merchandiser_by_city: dict[str, str],
    dealers_by_region: dict[str, list[str]],
) -> tuple[object, ...]:
    region_code, _, _, cities = REGIONS[region_index]
    city_en, city_zh, lat, lon = _pick(rng, cities)
    subs = SUB_CHANNELS[channel]
    sub = _pick(rng, list(subs), list(subs.values()))
    trade_zh, trade_en = _pick(rng, TRADE_NAMES)
    street_zh, street_en = _pick(rng, STREETS)
    pattern_zh, pattern_en = STORE_NAME_PATTERNS[sub]
    ownerships, ownership_weights = OWNERSHIP_BY_CHANNEL[channel]
    categories, category_weights = STORE_CATEGORY_BY_CHANNEL[channel]
    competitor_brands = [COMPETITORS[i][2] for i in sorted(rng.choice(len(COMPETITORS), size=2, replace=False))]
    return (
        f"S{number:05d}",
        f"{pattern_zh.format(zh=trade_zh)}（{street_zh}店）",
        f"{pattern_en.format(en=trade_en)} ({street_en})",
        f"{city_zh}市{street_zh}{int(rng.integers(1, 800))}号",
        _phone(rng),
        _person(rng),
        _pick(rng, CONTACT_ROLES),
        _pick(rng, ownerships, ownership_weights),
        _pick(rng, categories, category_weights),
        channel,
        sub,
        grade,
        region_code,
        city_zh,
        city_en,
        round(lat + rng.normal(0, 0.06), 5),
        round(lon + rng.normal(0, 0.06), 5),
        _pick(rng, dealers_by_region[region_code]),
        merchandiser_by_city[city_zh],
        "、".join(OUR_BRANDS_ZH[: int(rng.integers(2, 5))] + competitor_brands),
        _pick(rng, CREDIT_NOTES),
    )


STORE_COLUMNS = [
    "code",
    "name",
    "name_en",
    "address",
    "phone",
    "contact_name",
    "contact_role",
    "ownership",
    "category",
    "channel",
    "sub_channel",
    "grade",
    "region_code",
    "city",
    "city_en",
    "latitude",
    "longitude",
    "dealer_code",
    "merchandiser",
    "brands_carried",
    "credit_notes",
]


def _stores(rng: np.random.Generator, n: int, stamp: datetime) -> pd.DataFrame:
    region_index = _quota(rng, n, REGION_WEIGHTS)
    channel = _quota(rng, n, CHANNEL_WEIGHTS)
    grade = np.empty(n, dtype=np.int64)
    for c, name in enumerate(CHANNELS):
        in_channel = np.flatnonzero(channel == c)
        grade[in_channel] = _quota(rng, len(in_channel), GRADE_WEIGHTS_BY_CHANNEL[name])
    merchandiser_by_city = _merchandiser_by_city()
    dealers_by_region = {code: [d for d, _, _, served in DEALERS if code in served] for code, *_ in REGIONS}
    rows = [
        _store_row(
            rng,
            i + 1,
            int(region_index[i]),
            CHANNELS[channel[i]],
            GRADES[grade[i]],
            merchandiser_by_city,
            dealers_by_region,
        )
        for i in range(n)
    ]
    return pd.DataFrame(rows, columns=STORE_COLUMNS).assign(updated_at=stamp)


def _named(rows: Sequence[tuple[object, ...]], columns: list[str], stamp: datetime) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns).assign(updated_at=stamp)


def _store_quality(
    rng: np.random.Generator, stores: pd.DataFrame, merchandisers: list[tuple[str, str, str]]
) -> np.ndarray:
    """How well each store is kept (0–1): its own level, its merchandiser's and its dealer's effect."""
    merch_effect = dict(zip([m[0] for m in merchandisers], rng.normal(0, 0.06, len(merchandisers)), strict=True))
    dealer_effect = dict(zip([d[0] for d in DEALERS], rng.normal(0, 0.04, len(DEALERS)), strict=True))
    return cast(  # pandas ships no types
        np.ndarray,
        rng.beta(5, 2, size=len(stores))
        + stores.merchandiser.map(merch_effect).to_numpy()
        + stores.dealer_code.map(dealer_effect).to_numpy(),
    )
