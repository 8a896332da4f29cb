"""Visit plans: which merchandiser visits which store on which working day.

    generate_week(db, viewer, week, level=...)    a week's plan from the grade frequencies, spread over
                                                  the working days, each day within a working day's
                                                  capacity; says which visits found no room; one transaction
    add_visit / move_visit / remove_visit         a manager's edits, each checked and refused with a
                                                  message in the user's language (PlanError)
    reassign_stores                               stores to another merchandiser, with their future visits
    today_plan(db, user, lang)                    the merchandiser's stops today in a suggested order
    visiting_order(points)                        nearest neighbour + 2-opt over haversine distances

An audit fulfils a planned visit when store, merchandiser and date match (AUDIT_FULFILS_PLAN). The link
is a rule evaluated in SQL, not a stored column: moving or removing a plan never leaves a stale link, a
visit done on another day than planned counts as unplanned (and the planned one as missed), and
audits need no change. Past days are history: they cannot be edited, generated over or replaced.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, cast

import pandas as pd

from audit import access, i18n, pg
from audit.auth import User
from audit.capture import VISIT_INTERVAL_DAYS
from audit.db import Cursor, Database, scalar
from audit.errors import UserFacingError
from audit.i18n import city_sql, person_sql, store_name_sql
from audit.stores import scope_clause
from audit.values import is_missing

WORKING_DAYS = 5  # Monday to Friday
EPOCH_MONDAY = date(2001, 1, 1)  # week numbers count from here, so they never restart with the year
PLAN_LEVELS = ("low", "high")  # the lower or the upper end of each grade's range
# Visits a week, as a cycle of weeks (DOMAIN.md: A 2–3 a week, B 1–2 a week, C 2–3 a month). A C store
# at the lower end is visited every other week (26 a year, 2.2 a month), at the upper end two weeks in
# three (34.7 a year, 2.9 a month); each store's phase in its cycle comes from its code.
PLAN_CYCLES = {
    "low": {"A": (2,), "B": (1,), "C": (1, 0)},
    "high": {"A": (3,), "B": (2,), "C": (1, 1, 0)},
}
EARTH_RADIUS_KM = 6371.0088

# A working day's capacity: the day's visits plus the travel between its stops must fit in it.
WORKDAY_HOURS = 8.0  # the default; the plan page and `python -m audit plan --hours` change it
WORKDAY_HOURS_RANGE = (1.0, 14.0)  # what a person may ask for
TRAVEL_KMH = 25.0  # city driving with parking: a planned day's round trip at this speed
DEFAULT_VISIT_MINUTES = 40.0  # a visit's length for a merchandiser without enough audits of their own
MIN_AUDITS_FOR_MEDIAN = 10  # audits before a merchandiser's own median duration is used
UNLOCATED_TRAVEL_MINUTES = 15.0  # travel for a stop without coordinates: about one 6 km leg at TRAVEL_KMH
# A day carries at most half as many visits again as the merchandiser's usual day (the week's visits / 5):
# a full week spread over its least-loaded days stays well inside it; a week planned from Thursday does not
# pile the visits Monday to Wednesday did not make onto Thursday and Friday (issue 13: 15 visits on a Friday).
BUSY_DAY_FACTOR = 1.5

# An audit fulfils a planned visit pv: same store, same merchandiser, same day. Shared with audit/visits.py.
AUDIT_FULFILS_PLAN = (
    "a.store_code = pv.store_code AND a.merchandiser = pv.merchandiser AND a.visit_date = pv.planned_date"
)
PLAN_STATUS_SQL = f"""CASE WHEN EXISTS (SELECT 1 FROM audits a WHERE {AUDIT_FULFILS_PLAN}) THEN 'done'
                          WHEN pv.planned_date < ?::DATE THEN 'missed'
                          WHEN pv.planned_date = ?::DATE THEN 'today'
                          ELSE 'planned' END"""


class PlanError(UserFacingError):
    """A plan change that cannot be made as asked. Days are kept as dates and worded as the plan page
    shows them ("Fri 18 Dec", i18n.fmt_day) in the reader's language."""

    def message(self, lang: str) -> str:
        return i18n.t(self.key, lang, **self.values_in(lang))

    def values_in(self, lang: str) -> dict[str, object]:
        return {
            name: i18n.fmt_day(value, lang) if isinstance(value, date) else value for name, value in self.values.items()
        }

    def in_language(self, lang: str) -> PlanError:
        """The same refusal with its days already worded for `lang` (for a screen that shows the values)."""
        return PlanError(self.key, **self.values_in(lang))


# ---------------------------------------------------------------- weeks and frequencies


def week_start(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=d) for d in range(WORKING_DAYS)]


def parse_day(text: str) -> date:
    """YYYY-MM-DD typed by a person or given on the command line."""
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise PlanError("plans.error.bad_date", value=str(text)) from None


def _phase(store_code: str) -> int:
    return zlib.crc32(store_code.encode("utf-8"))  # stable across processes, unlike hash()


def visits_in_week(grade: str, store_code: str, monday: date, level: str = "high") -> int:
    """How many visits the store's grade asks for in this week."""
    cycle = PLAN_CYCLES[level][grade]
    week_number = (week_start(monday) - EPOCH_MONDAY).days // 7
    return cycle[(week_number + _phase(store_code)) % len(cycle)]


def _max_gap(weekdays: Sequence[int]) -> int:
    """The longest wait between two visits if the pattern repeats every week (Friday to Monday = 3)."""
    gaps = [b - a for a, b in itertools.pairwise(weekdays)]
    return max(gaps + [7 - weekdays[-1] + weekdays[0]])


def spread(k: int, free: Sequence[int], load: dict[int, int], allowed_gap: float = math.inf) -> tuple[int, ...]:
    """k of the free weekdays (0 = Monday): first no wait longer than the grade allows (or as little
    longer as can be), then the days with the fewest visits so far, then the shortest longest wait."""
    if k <= 0 or not free:
        return ()
    options = itertools.combinations(sorted(free), min(k, len(free)))
    return min(
        options,
        key=lambda days: (
            max(0.0, _max_gap(days) - allowed_gap),
            sum(load.get(d, 0) for d in days),
            _max_gap(days),
            days,
        ),
    )


class PlanStore(NamedTuple):
    """A store as the generator sees it; imported stores may have no coordinates."""

    code: str
    grade: str
    merchandiser: str
    latitude: float | None = None
    longitude: float | None = None

    @property
    def point(self) -> tuple[float, float] | None:
        if is_missing(self.latitude) or is_missing(self.longitude):
            return None
        return float(self.latitude), float(self.longitude)


UNPLACED_REASONS = ("day_full", "days_left")


@dataclass(frozen=True)
class Unplaced:
    """Visits a store's grade asks for this week that the generator could not place."""

    store_code: str
    merchandiser: str
    visits: int
    reason: str  # day_full: no open day had room for it; days_left: fewer working days left than visits


@dataclass(frozen=True)
class WeekPlan:
    visits: list[tuple[str, str, date]]  # (store, merchandiser, day)
    unplaced: list[Unplaced]


def visit_minutes(audits: int, median_minutes: float | None) -> float:
    """How long a merchandiser's visit is planned to take: their own median audit once they have made
    MIN_AUDITS_FOR_MEDIAN audits, else DEFAULT_VISIT_MINUTES."""
    if audits >= MIN_AUDITS_FOR_MEDIAN and not is_missing(median_minutes) and median_minutes > 0:
        return float(median_minutes)
    return DEFAULT_VISIT_MINUTES


def route(points: Sequence[tuple[float, float]]) -> tuple[list[int], float]:
    """The day's suggested visiting order and round-trip km, the same whatever order the stops come in
    (visiting_order's result depends a little on its starting order; the page, the generator and the
    tests must agree on a day's length)."""
    canonical = sorted(range(len(points)), key=lambda i: points[i])
    order, km = visiting_order([points[i] for i in canonical])
    return [canonical[i] for i in order], km


def day_minutes(points: Sequence[tuple[float, float] | None], minutes_per_visit: float) -> float:
    """A working day's length: each visit, the round trip through the stops with coordinates at
    TRAVEL_KMH, and UNLOCATED_TRAVEL_MINUTES for each stop without (None)."""
    located = [p for p in points if p is not None]
    travel_km = route(located)[1]
    return (
        len(points) * minutes_per_visit
        + travel_km / TRAVEL_KMH * 60
        + (len(points) - len(located)) * UNLOCATED_TRAVEL_MINUTES
    )


def plan_week(
    stores: Iterable[Sequence[Any]],
    monday: date,
    level: str,
    days: Sequence[date],
    existing: Iterable[tuple[str, str, date]] = (),
    *,
    minutes_per_visit: Mapping[str, float] | None = None,
    day_limit_minutes: float = WORKDAY_HOURS * 60,
) -> WeekPlan:
    """(store, merchandiser, day) visits for one week, and the visits that found no room.

    stores: PlanStore fields (code, grade, merchandiser[, latitude, longitude]); days: the working days
    that may still be planned; existing: visits already planned this week, which count towards a store's
    visits and a day's load. No store should wait longer than its grade allows before it is overdue
    (audit.capture's rule); within that, the merchandiser's days are balanced, and no day is filled past
    `day_limit_minutes` of visits (minutes_per_visit per merchandiser, else DEFAULT_VISIT_MINUTES) and
    travel (day_minutes), nor past BUSY_DAY_FACTOR times the merchandiser's usual day. So the visits a
    week planned from Thursday still asks for are not crammed onto Thursday and Friday: what does not fit
    is reported. Stores are placed A first (C stores are the first left out of a full week), so an A or
    B store lands on the same weekdays every week."""
    monday = week_start(monday)
    open_days = {(d - monday).days for d in days if d.weekday() < WORKING_DAYS}
    placing = [PlanStore(*s) for s in stores]
    where = {s.code: s.point for s in placing}
    minutes_per_visit = minutes_per_visit or {}
    already: dict[str, int] = {}
    taken: dict[str, set[int]] = {}
    load: dict[str, dict[int, int]] = {}
    stops: dict[tuple[str, int], list[tuple[float, float] | None]] = {}
    for code, merchandiser, day in existing:
        weekday = (day - monday).days
        already[code] = already.get(code, 0) + 1
        taken.setdefault(code, set()).add(weekday)
        per_day = load.setdefault(merchandiser, {})
        per_day[weekday] = per_day.get(weekday, 0) + 1
        stops.setdefault((merchandiser, weekday), []).append(where.get(code))
    usual: dict[str, float] = {}
    for store in placing:
        usual[store.merchandiser] = (
            usual.get(store.merchandiser, 0) + visits_in_week(store.grade, store.code, monday, level) / WORKING_DAYS
        )
    planned, unplaced = [], []
    for store in sorted(placing, key=lambda s: (s.merchandiser, s.grade, s.code)):
        code, merchandiser = store.code, store.merchandiser
        k = visits_in_week(store.grade, code, monday, level) - already.get(code, 0)
        if k <= 0:
            continue
        per_day = load.setdefault(merchandiser, {})
        free = sorted(open_days - taken.get(code, set()))
        minutes = minutes_per_visit.get(merchandiser, DEFAULT_VISIT_MINUTES)
        most = max(1, math.ceil(BUSY_DAY_FACTOR * usual[merchandiser] - 1e-9))
        room = [
            d
            for d in free
            if per_day.get(d, 0) < most
            and day_minutes([*stops.get((merchandiser, d), []), store.point], minutes) <= day_limit_minutes
        ]
        chosen = spread(k, room, per_day, VISIT_INTERVAL_DAYS[store.grade][1])
        for weekday in chosen:
            per_day[weekday] = per_day.get(weekday, 0) + 1
            stops.setdefault((merchandiser, weekday), []).append(store.point)
            planned.append((code, merchandiser, monday + timedelta(days=weekday)))
        if k > len(free):
            unplaced.append(Unplaced(code, merchandiser, k - len(free), "days_left"))
        if min(k, len(free)) > len(chosen):
            unplaced.append(Unplaced(code, merchandiser, min(k, len(free)) - len(chosen), "day_full"))
    return WeekPlan(planned, unplaced)


# ---------------------------------------------------------------- checks shared by the edits


def _require_planner(viewer: User | None) -> None:
    """Managers and admins plan; None is the command line, run by whoever owns the machine."""
    if not access.allowed(viewer, access.SCORES):
        raise PlanError("plans.error.not_allowed")


def _check_day(day: date, today: date) -> None:
    if day.weekday() >= WORKING_DAYS:
        raise PlanError("plans.error.weekend", day=day)
    if day < today:
        raise PlanError("plans.error.past", day=day)


def _check_merchandiser(cur: Cursor, username: str | None) -> str:
    row = _one(
        cur, "SELECT username FROM users WHERE username = ? AND role = 'merchandiser' AND active", [username or ""]
    )
    if row is None:
        raise PlanError("plans.error.no_merchandiser", username=username or "—")
    return cast(str, row[0])


def _one(cur: Cursor, sql: str, params: Sequence[object] | None = None) -> tuple[Any, ...] | None:
    """The first row or None; fetchall, so no half-read result keeps the cursor busy (register())."""
    rows = cur.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _next_id(cur: Cursor) -> int:
    return cast(int, scalar(cur, "SELECT coalesce(max(id), 0) + 1 FROM planned_visits"))


def _visit(cur: Cursor, visit_id: int) -> tuple[int, str, str, date, bool]:
    row = _one(
        cur,
        f"""SELECT pv.id, pv.store_code, pv.merchandiser, pv.planned_date,
                               EXISTS (SELECT 1 FROM audits a WHERE {AUDIT_FULFILS_PLAN})
                        FROM planned_visits pv WHERE pv.id = ?""",
        [visit_id],
    )
    if row is None:
        raise PlanError("plans.error.no_visit")
    return row


def _check_editable(visit: tuple[int, str, str, date, bool], today: date) -> None:
    if visit[4]:
        raise PlanError("plans.error.done", store=visit[1])
    if visit[3] < today:
        raise PlanError("plans.error.past_visit", store=visit[1], day=visit[3])


def _check_free(cur: Cursor, store_code: str, day: date, except_id: int | None = None) -> None:
    clash = _one(
        cur,
        "SELECT 1 FROM planned_visits WHERE store_code = ? AND planned_date = ? AND id <> ?",
        [store_code, day, except_id or -1],
    )
    if clash:
        raise PlanError("plans.error.duplicate", store=store_code, day=day)


# ---------------------------------------------------------------- generating and editing


@dataclass(frozen=True)
class Generated:
    visits: int  # planned visits created
    merchandisers: int  # merchandisers who got a plan
    skipped: tuple[str, ...]  # merchandisers left as they were: they had a plan for these days already
    unplaced: tuple[Unplaced, ...] = ()  # visits the grades ask for that found no room, and why
    hours: float = WORKDAY_HOURS  # the working day the plan was filled to

    def counts(self, lang: str) -> dict[str, str]:
        """The counts as the "generated" messages word them: {visits} and {people}, singular or plural."""
        return {
            "visits": i18n.t("count.visits", lang, n=self.visits),
            "people": i18n.t("count.merchandisers", lang, n=self.merchandisers),
        }

    @property
    def unplaced_visits(self) -> int:
        return sum(u.visits for u in self.unplaced)

    def unplaced_reason(self, reason: str, lang: str) -> str:
        return i18n.t(f"plans.unplaced.{reason}", lang, hours=f"{self.hours:g}")


def check_hours(hours: float) -> float:
    low, high = WORKDAY_HOURS_RANGE
    if is_missing(hours) or not low <= float(hours) <= high:
        raise PlanError("plans.error.hours", hours=str(hours), low=f"{low:g}", high=f"{high:g}")
    return float(hours)


def visit_minutes_of(cur: Cursor, people: Sequence[str]) -> dict[str, float]:
    """Each merchandiser's planned visit length (visit_minutes) from their own audits' durations."""
    history = {
        m: (n, median)
        for m, n, median in cur.execute(
            """SELECT merchandiser, count(*),
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM submitted_at - started_at) / 60)
           FROM audits WHERE merchandiser = ANY(?) AND submitted_at > started_at
           GROUP BY merchandiser""",
            [list(people)],
        ).fetchall()
    }
    return {m: visit_minutes(*history.get(m, (0, None))) for m in people}


def usual_visit_minutes(db: Database, merchandiser: str) -> float:
    """One merchandiser's planned visit length, for a page (visit_minutes_of inside a transaction)."""
    return visit_minutes_of(db.cursor(), [merchandiser])[merchandiser]


def generate_week(
    db: Database,
    viewer: User | None,
    week: date,
    *,
    level: str = "high",
    merchandisers: Sequence[str] | None = None,
    replace: bool = False,
    today: date | None = None,
    source: str = "generated",
    hours: float | None = None,
) -> Generated:
    """Plan a week (the one holding `week`) for the given merchandisers (None: all) from their stores'
    grades, on the working days from today on, no day longer than `hours` (None: WORKDAY_HOURS) of visits
    and travel. A
    merchandiser who already has visits planned on those days keeps them, unless `replace`: then those
    not done yet are planned afresh."""
    _require_planner(viewer)
    if level not in PLAN_LEVELS:
        raise PlanError("plans.error.level", level=str(level))
    hours = check_hours(WORKDAY_HOURS if hours is None else hours)
    today = today or date.today()
    monday = week_start(week)
    days = [d for d in week_days(monday) if d >= today]
    if not days:
        raise PlanError("plans.error.week_over", week=monday)
    who = "TRUE" if merchandisers is None else "s.merchandiser = ANY(?)"
    who_params = [] if merchandisers is None else [list(merchandisers)]
    with db.write() as cur:
        if merchandisers is not None:
            for username in merchandisers:
                _check_merchandiser(cur, username)
        stores = cur.execute(
            f"""SELECT s.code, s.grade, s.merchandiser, s.latitude, s.longitude FROM stores s
                JOIN users u ON u.username = s.merchandiser AND u.role = 'merchandiser' AND u.active
                WHERE s.active AND {who}""",
            who_params,
        ).fetchall()
        people = sorted({s[2] for s in stores} | set(merchandisers or ()))
        if not people:
            return Generated(0, 0, (), hours=hours)
        busy = {
            r[0]
            for r in cur.execute(
                "SELECT DISTINCT merchandiser FROM planned_visits WHERE merchandiser = ANY(?)"
                " AND planned_date BETWEEN ? AND ?",
                [people, days[0], days[-1]],
            ).fetchall()
        }
        skipped = () if replace else tuple(sorted(busy))
        chosen = [m for m in people if m not in skipped]
        if not chosen:
            return Generated(0, 0, skipped, hours=hours)
        if replace:
            cur.execute(
                f"""DELETE FROM planned_visits pv WHERE pv.merchandiser = ANY(?)
                    AND pv.planned_date BETWEEN ? AND ?
                    AND NOT EXISTS (SELECT 1 FROM audits a WHERE {AUDIT_FULFILS_PLAN})""",
                [chosen, days[0], days[-1]],
            )
        existing = cur.execute(
            "SELECT store_code, merchandiser, planned_date FROM planned_visits"
            " WHERE planned_date BETWEEN ? AND ? AND (merchandiser = ANY(?)"
            "  OR store_code IN (SELECT code FROM stores WHERE merchandiser = ANY(?)))",
            [monday, monday + timedelta(days=6), chosen, chosen],
        ).fetchall()
        placed = plan_week(
            [s for s in stores if s[2] in chosen],
            monday,
            level,
            days,
            existing,
            minutes_per_visit=visit_minutes_of(cur, chosen),
            day_limit_minutes=hours * 60,
        )
        visits = placed.visits
        if visits:
            first, now = _next_id(cur), datetime.now()
            frame = pd.DataFrame(visits, columns=["store_code", "merchandiser", "planned_date"]).assign(
                id=range(first, first + len(visits)),
                source=source,
                created_by=viewer.username if viewer else None,
                created_at=now,
                updated_at=now,
            )
            with pg.staged(cur, "new_plan", frame, like="planned_visits"):
                cur.execute(
                    "INSERT INTO planned_visits (id, store_code, merchandiser, planned_date, source,"
                    " created_by, created_at, updated_at) SELECT id, store_code, merchandiser,"
                    " planned_date, source, created_by, created_at, updated_at FROM new_plan"
                )
    unplaced = tuple(sorted(placed.unplaced, key=lambda u: (u.merchandiser, u.reason, u.store_code)))
    return Generated(len(visits), len({m for _, m, _ in visits}), skipped, unplaced, hours)


def add_visit(
    db: Database,
    viewer: User | None,
    store_code: str,
    day: date,
    merchandiser: str | None = None,
    today: date | None = None,
) -> int:
    """Plan one more visit; the store's own merchandiser unless another is named (who must be it)."""
    _require_planner(viewer)
    today = today or date.today()
    _check_day(day, today)
    with db.write() as cur:
        row = _one(cur, "SELECT merchandiser FROM stores WHERE code = ? AND active", [store_code])
        if row is None:
            raise PlanError("plans.error.no_store", store=store_code)
        if row[0] is None:
            raise PlanError("plans.error.unassigned", store=store_code)
        username = _check_merchandiser(cur, merchandiser or row[0])
        if username != row[0]:
            raise PlanError("plans.error.not_their_store", store=store_code, username=username)
        _check_free(cur, store_code, day)
        visit_id = _next_id(cur)
        cur.execute(
            "INSERT INTO planned_visits (id, store_code, merchandiser, planned_date, source, created_by)"
            " VALUES (?, ?, ?, ?, 'manual', ?)",
            [visit_id, store_code, username, day, viewer.username if viewer else None],
        )
    return visit_id


def move_visit(db: Database, viewer: User | None, visit_id: int, day: date, today: date | None = None) -> None:
    """Move a planned visit that has not happened yet to another working day from today on."""
    _require_planner(viewer)
    today = today or date.today()
    with db.write() as cur:
        visit = _visit(cur, visit_id)
        _check_editable(visit, today)
        _check_day(day, today)
        _check_free(cur, visit[1], day, except_id=visit_id)
        cur.execute(
            "UPDATE planned_visits SET planned_date = ?, updated_at = ? WHERE id = ?", [day, datetime.now(), visit_id]
        )


def remove_visit(db: Database, viewer: User | None, visit_id: int, today: date | None = None) -> None:
    """Take a planned visit off the plan; done and past visits stay, they are the record."""
    _require_planner(viewer)
    today = today or date.today()
    with db.write() as cur:
        _check_editable(_visit(cur, visit_id), today)
        cur.execute("DELETE FROM planned_visits WHERE id = ?", [visit_id])


@dataclass(frozen=True)
class Reassigned:
    stores: int
    visits: int  # planned visits from today on that moved with their stores


def reassign_stores(
    db: Database, viewer: User | None, store_codes: Sequence[str], merchandiser: str, today: date | None = None
) -> Reassigned:
    """Give stores to another merchandiser; their visits planned from today on (not done) go along."""
    _require_planner(viewer)
    today = today or date.today()
    codes = sorted({c for c in store_codes if c})
    if not codes:
        raise PlanError("plans.error.no_stores_chosen")
    if not merchandiser:
        raise PlanError("plans.error.choose_merchandiser")
    with db.write() as cur:
        username = _check_merchandiser(cur, merchandiser)
        known = {r[0] for r in cur.execute("SELECT code FROM stores WHERE code = ANY(?)", [codes]).fetchall()}
        if unknown := [c for c in codes if c not in known]:
            raise PlanError("plans.error.no_store", store=", ".join(unknown))
        cur.execute(
            "UPDATE stores SET merchandiser = ?, updated_at = ? WHERE code = ANY(?)",
            [username, datetime.now(), codes],
        )
        moved = cur.execute(  # RETURNING: PostgreSQL's UPDATE gives no row of counts, as DuckDB's does
            f"""UPDATE planned_visits pv SET merchandiser = ?, updated_at = ?
                WHERE pv.store_code = ANY(?) AND pv.planned_date >= ? AND pv.merchandiser <> ?
                  AND NOT EXISTS (SELECT 1 FROM audits a WHERE {AUDIT_FULFILS_PLAN}) RETURNING id""",
            [username, datetime.now(), codes, today, username],
        ).fetchall()
    return Reassigned(len(codes), len(moved))


# ---------------------------------------------------------------- reading plans


def merchandisers(db: Database, lang: str) -> dict[str, str]:
    """Active merchandisers: username -> display name."""
    return dict(
        db.cursor()
        .execute(
            f"SELECT username, {person_sql(lang)} FROM users u WHERE role = 'merchandiser' AND active ORDER BY username"
        )
        .fetchall()
    )


def week_plan(
    db: Database, viewer: User, monday: date, merchandiser: str, lang: str, today: date | None = None
) -> pd.DataFrame:
    """One merchandiser's planned visits in a week, by day, with each visit's status."""
    today = today or date.today()
    scope, params = scope_clause(viewer)
    return db.query_df(
        f"""SELECT pv.id, pv.planned_date, pv.store_code, {store_name_sql(lang)} AS name, s.grade,
                   {city_sql(lang)} AS city,
                   s.latitude, s.longitude, {PLAN_STATUS_SQL} AS status
            FROM planned_visits pv JOIN stores s ON s.code = pv.store_code
            WHERE pv.merchandiser = ? AND pv.planned_date BETWEEN ? AND ? AND {scope}
            ORDER BY pv.planned_date, s.grade, pv.store_code""",
        [today, today, merchandiser, week_start(monday), week_start(monday) + timedelta(days=6), *params],
    )


def week_overview(db: Database, viewer: User, monday: date, lang: str, today: date | None = None) -> pd.DataFrame:
    """Per merchandiser: planned visits on each working day of the week, how many are done, stores."""
    today = today or date.today()
    monday = week_start(monday)
    scope, params = scope_clause(viewer)
    per_day = ", ".join(f"count(pv.id) FILTER (WHERE pv.planned_date = ?::DATE) AS d{d}" for d in range(WORKING_DAYS))
    return db.query_df(
        f"""WITH mine AS (SELECT s.merchandiser, count(*) AS stores FROM stores s
                          WHERE s.active AND {scope} GROUP BY ALL)
            SELECT u.username, {person_sql(lang)} AS display_name, coalesce(m.stores, 0) AS stores, {per_day},
                   count(pv.id) AS planned,
                   count(pv.id) FILTER (WHERE EXISTS (SELECT 1 FROM audits a WHERE {AUDIT_FULFILS_PLAN})) AS done
            FROM users u
            LEFT JOIN mine m ON m.merchandiser = u.username
            LEFT JOIN planned_visits pv ON pv.merchandiser = u.username AND pv.planned_date BETWEEN ? AND ?
            WHERE u.role = 'merchandiser' AND u.active
            GROUP BY ALL ORDER BY u.username""",
        [*params, *week_days(monday), monday, monday + timedelta(days=6)],
    )


def assigned_stores(db: Database, viewer: User, lang: str, merchandiser: str | None = None) -> pd.DataFrame:
    """Active stores with their merchandiser, for reassigning (all of one merchandiser's, or every one)."""
    scope, params = scope_clause(viewer)
    who, who_params = ("s.merchandiser = ?", [merchandiser]) if merchandiser else ("TRUE", [])
    return db.query_df(
        f"""SELECT s.code, {store_name_sql(lang)} AS name, s.grade, {city_sql(lang)} AS city, s.merchandiser,
                   {person_sql(lang)} AS merchandiser_name
            FROM stores s LEFT JOIN users u ON u.username = s.merchandiser
            WHERE s.active AND {scope} AND {who} ORDER BY s.code""",
        [*params, *who_params],
    )


# ---------------------------------------------------------------- the merchandiser's day


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def round_trip_km(points: Sequence[tuple[float, float]], order: Sequence[int]) -> float:
    """Length of the closed tour visiting points in `order` and returning to the first."""
    if len(order) < 2:
        return 0.0
    return sum(haversine_km(points[a], points[b]) for a, b in zip(order, [*order[1:], order[0]], strict=True))


def _two_opt(tour: list[int], dist: list[list[float]]) -> list[int]:
    """Reverse stretches of the closed tour while that shortens it (removes every crossing)."""
    n = len(tour)
    improved = True
    while improved:
        improved = False
        for i in range(n - 1):
            for j in range(i + 2, n if i else n - 1):
                a, b, c, d = tour[i], tour[i + 1], tour[j], tour[(j + 1) % n]
                if dist[a][c] + dist[b][d] < dist[a][b] + dist[c][d] - 1e-9:
                    tour[i + 1 : j + 1] = reversed(tour[i + 1 : j + 1])
                    improved = True
    return tour


def visiting_order(points: Sequence[tuple[float, float]]) -> tuple[list[int], float]:
    """A short round trip through the points: nearest neighbour from each start, improved by 2-opt, the
    shortest kept. Returns (indices in visiting order, round-trip km); the list starts after the
    longest leg, so that leg is the way home. Never longer than the given order."""
    n = len(points)
    if n < 3:
        return list(range(n)), round_trip_km(points, list(range(n)))
    dist = [[haversine_km(p, q) for q in points] for p in points]
    length = lambda tour: sum(dist[a][b] for a, b in zip(tour, [*tour[1:], tour[0]], strict=True))  # noqa: E731
    best = list(range(n))
    best = _two_opt(best, dist)
    for start in range(n if n <= 60 else 1):
        tour, left = [start], set(range(n)) - {start}
        while left:
            nearest = min(left, key=lambda j: (dist[tour[-1]][j], j))
            tour.append(nearest)
            left.remove(nearest)
        tour = _two_opt(tour, dist)
        if length(tour) < length(best) - 1e-9:
            best = tour
    longest = max(range(n), key=lambda i: dist[best[i - 1]][best[i]])
    best = best[longest:] + best[:longest]
    return best, length(best)


@dataclass(frozen=True)
class TodayPlan:
    stops: pd.DataFrame  # code, name, grade, city, status, done, leg_km — in the suggested order
    total_km: float | None  # round trip through the stops with coordinates; None when fewer than two
    without_position: int  # stops without coordinates, listed last


def today_plan(db: Database, user: User, lang: str, today: date | None = None) -> TodayPlan:
    """The user's planned stores today, in a suggested visiting order with the distance of each leg."""
    today = today or date.today()
    scope, params = scope_clause(user)
    stops = db.query_df(
        f"""SELECT pv.store_code AS code, {store_name_sql(lang)} AS name, s.grade, {city_sql(lang)} AS city,
                   s.latitude, s.longitude, {PLAN_STATUS_SQL} AS status
            FROM planned_visits pv JOIN stores s ON s.code = pv.store_code
            WHERE pv.merchandiser = ? AND pv.planned_date = ? AND s.active AND {scope}
            ORDER BY pv.store_code""",
        [today, today, user.username, today, *params],
    )
    stops["done"] = stops.status == "done"
    placed = stops[stops.latitude.notna() & stops.longitude.notna()]
    unplaced = stops[~stops.index.isin(placed.index)]
    points = list(zip(placed.latitude, placed.longitude, strict=True))
    order, total = visiting_order(points)
    ordered = placed.iloc[order].reset_index(drop=True)
    legs = [None] + [haversine_km(points[a], points[b]) for a, b in itertools.pairwise(order)]
    ordered["leg_km"] = pd.Series(legs[: len(ordered)], dtype="Float64")
    result = pd.concat([ordered, unplaced.assign(leg_km=pd.NA)], ignore_index=True)
    return TodayPlan(result.drop(columns=["latitude", "longitude"]), total if len(points) >= 2 else None, len(unplaced))
