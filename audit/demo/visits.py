"""The demo's visits: competitor campaigns, which stores are visited when and by whom (audit rows), and the visit
plans those visits fulfil or miss."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from audit import plans
from audit.demo.catalogue import CAMPAIGN_DIP, COMPETITORS, REGION_DRIFT, REGIONS, VISIT_NOTES
from audit.demo.common import NO_TEXT

# ---------------------------------------------------------------- competitor campaigns


@dataclass(frozen=True)
class Campaign:
    competitor: int
    region: str
    first_week: int
    last_week: int


def _campaigns(rng: np.random.Generator, weeks: int) -> list[Campaign]:
    """Each competitor runs 2–4 campaigns of 2–5 weeks, each in one or two regions."""
    region_codes = [code for code, *_ in REGIONS]
    campaigns = []
    for c in range(len(COMPETITORS)):
        for _ in range(int(rng.integers(2, 5))):
            length = int(rng.integers(2, 6))
            start = int(rng.integers(0, max(1, weeks - length + 1)))
            for r in sorted(rng.choice(len(region_codes), size=int(rng.integers(1, 3)), replace=False)):
                campaigns.append(Campaign(c, region_codes[r], start, start + length - 1))
    return campaigns


def _campaign_active(
    campaigns: list[Campaign], region: np.ndarray, week: np.ndarray, competitor: int | None = None
) -> np.ndarray:
    """Per visit: does a campaign (of `competitor`, or of anyone) run in its region that week?"""
    active = np.zeros(len(region), dtype=bool)
    for campaign in campaigns:
        if competitor is None or campaign.competitor == competitor:
            active |= (region == campaign.region) & (week >= campaign.first_week) & (week <= campaign.last_week)
    return active


# ---------------------------------------------------------------- visits


def _visits_per_store_week(
    rng: np.random.Generator, grade: np.ndarray, week: np.ndarray, phase: np.ndarray
) -> np.ndarray:
    """A: 2–3 a week, B: 1–2 a week, C: 2–3 a month (every other week, with some extra and some missed)."""
    u = rng.random(len(grade))
    a = np.where(u < 0.06, 1, np.where(u < 0.56, 2, 3))  # the odd week with one visit is a missed one
    b = np.where(u < 0.06, 0, np.where(u < 0.62, 1, 2))
    on_week = (week + phase) % 2 == 0
    c = (u < np.where(on_week, 0.95, 0.18)).astype(np.int64)
    return np.select([grade == "A", grade == "B"], [a, b], c)


def _working_days(rng: np.random.Generator, visits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For k visits in a store-week: k distinct weekdays (Mon–Fri). Returns (store-week row, weekday)."""
    day_order = np.argsort(rng.random((len(visits), 5)), axis=1)
    rows = np.repeat(np.arange(len(visits)), visits)
    slot = np.arange(len(rows)) - np.repeat(np.cumsum(visits) - visits, visits)
    return rows, day_order[rows, slot]


def _schedule(rng: np.random.Generator, merchandiser: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start minute (after midnight) and duration of each visit.

    A merchandiser's visits of a day follow one another between 08:30 and 18:00 with 10 minutes of travel
    between them; visits last 15–60 minutes, shorter on a crowded day. `merchandiser` is an integer code.
    """
    group_key = merchandiser.astype(np.int64) * 100_000 + day
    order = np.lexsort((rng.random(len(day)), group_key))  # random order of the day's visits
    key = group_key[order]
    new_group = np.r_[True, key[1:] != key[:-1]]
    group_start = np.flatnonzero(new_group)
    group = np.cumsum(new_group) - 1
    rank = np.arange(len(order)) - group_start[group]
    slot = 570 / np.diff(np.r_[group_start, len(order)])[group]  # minutes of the working day per visit
    duration = np.maximum(np.minimum(rng.integers(15, 61, size=len(order)), np.floor(slot) - 10), 15)
    spare = np.clip(slot - duration - 10, 0, None)
    start, length = np.empty(len(day), dtype=np.int64), np.empty(len(day), dtype=np.int64)
    start[order] = np.floor(8.5 * 60 + rank * slot + rng.random(len(order)) * spare)
    length[order] = duration
    return start, length


def _visit_outcomes(
    rng: np.random.Generator, grade: np.ndarray, quality: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per visit: was an order placed (likelier in well-kept stores), its amount (bigger in A stores), a note."""
    m = len(grade)
    ordered = rng.random(m) < 0.35 + 0.4 * quality
    order_size = np.select([grade == "A", grade == "B"], [3.0, 1.6], 1.0)
    amount = np.where(ordered, np.round(rng.lognormal(6.0, 0.6, size=m) * order_size, 2), np.nan)
    noted = rng.random(m) < 0.08
    notes = np.where(noted, np.array(VISIT_NOTES, dtype=object)[rng.integers(len(VISIT_NOTES), size=m)], NO_TEXT)
    return ordered, amount, notes


@dataclass
class DrawnVisits:
    """The visits the demo made (its audit rows), with what drew each one's answers."""

    audits: pd.DataFrame
    channel: np.ndarray  # per audit
    region: np.ndarray
    week: np.ndarray
    quality: np.ndarray  # compliance level of the store at that visit, 0.15–0.98


def _draw_visits(
    rng: np.random.Generator,
    stores: pd.DataFrame,
    weeks: int,
    today: date,
    store_quality: np.ndarray,
    campaigns: list[Campaign],
) -> DrawnVisits:
    n = len(stores)
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    store_of_week, week_of_week = np.repeat(np.arange(n), weeks), np.tile(np.arange(weeks), n)
    phase = rng.integers(0, 2, size=n)[store_of_week]
    visits = _visits_per_store_week(rng, stores.grade.to_numpy()[store_of_week], week_of_week, phase)
    rows, weekday = _working_days(rng, visits)
    store, week = store_of_week[rows], week_of_week[rows]
    day = week * 7 + weekday  # days since first_monday
    keep = day <= (today - first_monday).days
    store, week, day = store[keep], week[keep], day[keep]

    merch_code = pd.factorize(stores.merchandiser, sort=True)[0]
    start, duration = _schedule(rng, merch_code[store], day)
    order = np.lexsort((store, start, day))  # ids follow time: the newest visits have the highest ids
    store, week, day, start, duration = store[order], week[order], day[order], start[order], duration[order]

    region = stores.region_code.to_numpy()[store]
    trend = pd.Series(region).map(REGION_DRIFT).to_numpy() * (week / max(weeks - 1, 1) - 0.5)
    dip = np.where(_campaign_active(campaigns, region, week), CAMPAIGN_DIP, 0.0)
    quality = np.clip(store_quality[store] + trend - dip, 0.15, 0.98)

    ordered, amount, notes = _visit_outcomes(rng, stores.grade.to_numpy()[store], quality)
    visit_day = pd.Timestamp(first_monday) + pd.to_timedelta(day, unit="D")
    started_at = visit_day + pd.to_timedelta(start, unit="m")
    ids = np.arange(1, len(store) + 1)
    audits = pd.DataFrame(
        {
            "id": ids,
            "submission_key": [f"demo-{i}" for i in ids],
            "store_code": stores.code.to_numpy()[store],
            "merchandiser": stores.merchandiser.to_numpy()[store],
            "visit_date": visit_day.date,
            "started_at": started_at,
            "submitted_at": started_at + pd.to_timedelta(duration, unit="m"),
            "order_placed": ordered,
            "order_amount": amount,
            "notes": notes,
            "source": "demo",
        }
    )
    return DrawnVisits(audits, stores.channel.to_numpy()[store], region, week, quality)


# ---------------------------------------------------------------- visit plans

COMPLETION_RANGE = (0.70, 0.95)  # share of planned visits each merchandiser does, drawn per merchandiser
UNPLANNED_RANGE = (0.03, 0.12)  # share of each merchandiser's visits made off the plan


def _visit_plans(
    rng: np.random.Generator,
    audits: pd.DataFrame,
    stores: pd.DataFrame,
    merchandisers: list[tuple[str, str, str]],
    today: date,
    stamp: datetime,
) -> pd.DataFrame:
    """The plans the demo visits were made against, so completion and success tell a story.

    Most audits fulfil a planned visit (same store, merchandiser and day); a few per merchandiser were
    made off the plan. Each merchandiser also missed some planned visits: an extra planned visit of the
    same store in the same week, on a weekday nobody visited it. The rest of this week and next week are
    planned by the real generator (audit.plans.plan_week), as a manager would."""
    names = [m[0] for m in merchandisers]
    completion = dict(zip(names, rng.uniform(*COMPLETION_RANGE, len(names)), strict=True))
    unplanned = dict(zip(names, rng.uniform(*UNPLANNED_RANGE, len(names)), strict=True))
    merch = audits.merchandiser.to_numpy()
    visit_day = pd.to_datetime(audits.visit_date).to_numpy()
    on_plan = rng.random(len(audits)) >= pd.Series(merch).map(unplanned).to_numpy()
    done = pd.DataFrame(
        {
            "store_code": audits.store_code.to_numpy()[on_plan],
            "merchandiser": merch[on_plan],
            "planned_date": visit_day[on_plan],
        }
    ).drop_duplicates(["store_code", "planned_date"])

    miss_rate = done.merchandiser.map({m: (1 - c) / c for m, c in completion.items()}).to_numpy()
    source = done[rng.random(len(done)) < miss_rate]
    weekday = source.planned_date.dt.day_of_week.to_numpy()
    shift = (weekday + rng.integers(1, 5, size=len(source))) % 5 - weekday  # another weekday of that week
    missed = source.assign(planned_date=source.planned_date + pd.to_timedelta(shift, unit="D"))
    visited = pd.DataFrame({"store_code": audits.store_code, "planned_date": visit_day})
    missed = (
        missed[missed.planned_date <= pd.Timestamp(today)]
        .merge(visited, how="left", on=["store_code", "planned_date"], indicator=True)
        .query("_merge == 'left_only'")
        .drop(columns="_merge")
        .drop_duplicates(["store_code", "planned_date"])
    )
    history = pd.concat([done, missed], ignore_index=True)
    history["planned_date"] = history.planned_date.dt.date

    # The days still ahead: the rest of this week and the next, from the grade frequencies, each day within a
    # working day of visits (each merchandiser's own median length) and travel, as the generator plans them.
    monday = plans.week_start(today)
    assigned = list(
        stores[["code", "grade", "merchandiser", "latitude", "longitude"]].itertuples(index=False, name=None)
    )
    took = (audits.submitted_at - audits.started_at).dt.total_seconds() / 60
    minutes = {m: plans.visit_minutes(len(d), d.median()) for m, d in took.groupby(audits.merchandiser)}
    this_week = history[history.planned_date >= monday]
    ahead = plans.plan_week(
        assigned,
        monday,
        "high",
        [d for d in plans.week_days(monday) if d > today],
        this_week[["store_code", "merchandiser", "planned_date"]].itertuples(index=False, name=None),
        minutes_per_visit=minutes,
    ).visits
    ahead += plans.plan_week(
        assigned,
        monday + timedelta(weeks=1),
        "high",
        plans.week_days(monday + timedelta(weeks=1)),
        minutes_per_visit=minutes,
    ).visits
    future = pd.DataFrame(ahead, columns=["store_code", "merchandiser", "planned_date"])

    frame = pd.concat([history.assign(source="demo"), future.assign(source="generated")], ignore_index=True)
    frame = frame.sort_values(["planned_date", "merchandiser", "store_code"], kind="stable", ignore_index=True)
    made = (
        pd.to_datetime(frame.planned_date)
        - pd.to_timedelta(pd.to_datetime(frame.planned_date).dt.day_of_week + 3, unit="D")
        + pd.Timedelta(hours=17)
    )
    created = np.maximum(made.to_numpy(), np.datetime64(stamp))  # the Friday before, once the data existed
    return frame.assign(id=np.arange(1, len(frame) + 1), created_by="manager", created_at=created, updated_at=created)[
        ["id", "store_code", "merchandiser", "planned_date", "source", "created_by", "created_at", "updated_at"]
    ]
