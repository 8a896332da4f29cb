"""Visit plans: which merchandiser visits which store on which working day.

    generate_week(db, viewer, week, level=...)    a week's plan from the grade frequencies, spread over
                                                  the working days; one transaction
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
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable, Sequence

import pandas as pd

from audit import access, i18n
from audit.auth import User
from audit.capture import VISIT_INTERVAL_DAYS
from audit.db import Database
from audit.errors import UserFacingError
from audit.stores import scope_clause, store_display_name

WORKING_DAYS = 5                      # Monday to Friday
EPOCH_MONDAY = date(2001, 1, 1)       # week numbers count from here, so they never restart with the year
PLAN_LEVELS = ("low", "high")         # the lower or the upper end of each grade's range
# Visits a week, as a cycle of weeks (DOMAIN.md: A 2–3 a week, B 1–2 a week, C 2–3 a month). A C store
# at the lower end is visited every other week (26 a year, 2.2 a month), at the upper end two weeks in
# three (34.7 a year, 2.9 a month); each store's phase in its cycle comes from its code.
PLAN_CYCLES = {
    "low": {"A": (2,), "B": (1,), "C": (1, 0)},
    "high": {"A": (3,), "B": (2,), "C": (1, 1, 0)},
}
EARTH_RADIUS_KM = 6371.0088

# An audit fulfils a planned visit pv: same store, same merchandiser, same day. Shared with audit/visits.py.
AUDIT_FULFILS_PLAN = ("a.store_code = pv.store_code AND a.merchandiser = pv.merchandiser"
                      " AND a.visit_date = pv.planned_date")
PLAN_STATUS_SQL = f"""CASE WHEN EXISTS (SELECT 1 FROM audits a WHERE {AUDIT_FULFILS_PLAN}) THEN 'done'
                          WHEN pv.planned_date < ?::DATE THEN 'missed'
                          WHEN pv.planned_date = ?::DATE THEN 'today'
                          ELSE 'planned' END"""


class PlanError(UserFacingError):
    """A plan change that cannot be made as asked."""


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
    gaps = [b - a for a, b in zip(weekdays, weekdays[1:])]
    return max(gaps + [7 - weekdays[-1] + weekdays[0]])


def spread(k: int, free: Sequence[int], load: dict[int, int], allowed_gap: float = math.inf) -> tuple[int, ...]:
    """k of the free weekdays (0 = Monday): first no wait longer than the grade allows (or as little
    longer as can be), then the days with the fewest visits so far, then the shortest longest wait."""
    if k <= 0 or not free:
        return ()
    options = itertools.combinations(sorted(free), min(k, len(free)))
    return min(options, key=lambda days: (max(0.0, _max_gap(days) - allowed_gap),
                                          sum(load.get(d, 0) for d in days), _max_gap(days), days))


def plan_week(stores: Iterable[tuple[str, str, str]], monday: date, level: str, days: Sequence[date],
              existing: Iterable[tuple[str, str, date]] = ()) -> list[tuple[str, str, date]]:
    """(store, merchandiser, day) visits for one week.

    stores: (code, grade, merchandiser); days: the working days that may still be planned; existing:
    visits already planned this week, which count towards a store's visits and a day's load. No store
    should wait longer than its grade allows before it is overdue (audit.capture's rule); within that,
    the merchandiser's days are balanced. Stores are placed A first, so an A or B store lands on the
    same weekdays every week."""
    monday = week_start(monday)
    open_days = {(d - monday).days for d in days if d.weekday() < WORKING_DAYS}
    already: dict[str, int] = {}
    taken: dict[str, set[int]] = {}
    load: dict[str, dict[int, int]] = {}
    for code, merchandiser, day in existing:
        already[code] = already.get(code, 0) + 1
        taken.setdefault(code, set()).add((day - monday).days)
        per_day = load.setdefault(merchandiser, {})
        per_day[(day - monday).days] = per_day.get((day - monday).days, 0) + 1
    planned = []
    for code, grade, merchandiser in sorted(stores, key=lambda s: (s[2], s[1], s[0])):
        k = visits_in_week(grade, code, monday, level) - already.get(code, 0)
        per_day = load.setdefault(merchandiser, {})
        free = sorted(open_days - taken.get(code, set()))
        for weekday in spread(k, free, per_day, VISIT_INTERVAL_DAYS[grade][1]):
            per_day[weekday] = per_day.get(weekday, 0) + 1
            planned.append((code, merchandiser, monday + timedelta(days=weekday)))
    return planned


# ---------------------------------------------------------------- checks shared by the edits

def _require_planner(viewer: User | None) -> None:
    """Managers and admins plan; None is the command line, run by whoever owns the machine."""
    if not access.allowed(viewer, access.SCORES):
        raise PlanError("plans.error.not_allowed")


def _check_day(day: date, today: date) -> None:
    if day.weekday() >= WORKING_DAYS:
        raise PlanError("plans.error.weekend", day=day.isoformat())
    if day < today:
        raise PlanError("plans.error.past", day=day.isoformat())


def _check_merchandiser(cur, username: str | None) -> str:
    row = _one(cur, "SELECT username FROM users WHERE username = ? AND role = 'merchandiser' AND active",
               [username or ""])
    if row is None:
        raise PlanError("plans.error.no_merchandiser", username=username or "—")
    return row[0]


def _one(cur, sql: str, params: list | None = None):
    """The first row or None; fetchall, so no half-read result keeps the cursor busy (register())."""
    rows = cur.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _next_id(cur) -> int:
    return _one(cur, "SELECT coalesce(max(id), 0) + 1 FROM planned_visits")[0]


def _visit(cur, visit_id: int) -> tuple:
    row = _one(cur, f"""SELECT pv.id, pv.store_code, pv.merchandiser, pv.planned_date,
                               EXISTS (SELECT 1 FROM audits a WHERE {AUDIT_FULFILS_PLAN})
                        FROM planned_visits pv WHERE pv.id = ?""", [visit_id])
    if row is None:
        raise PlanError("plans.error.no_visit")
    return row


def _check_editable(visit: tuple, today: date) -> None:
    if visit[4]:
        raise PlanError("plans.error.done", store=visit[1])
    if visit[3] < today:
        raise PlanError("plans.error.past_visit", store=visit[1], day=visit[3].isoformat())


def _check_free(cur, store_code: str, day: date, except_id: int | None = None) -> None:
    clash = _one(cur, "SELECT 1 FROM planned_visits WHERE store_code = ? AND planned_date = ? AND id <> ?",
                 [store_code, day, except_id or -1])
    if clash:
        raise PlanError("plans.error.duplicate", store=store_code, day=day.isoformat())


# ---------------------------------------------------------------- generating and editing

@dataclass(frozen=True)
class Generated:
    visits: int                 # planned visits created
    merchandisers: int          # merchandisers who got a plan
    skipped: tuple[str, ...]    # merchandisers left as they were: they had a plan for these days already

    def counts(self, lang: str) -> dict[str, str]:
        """The counts as the "generated" messages word them: {visits} and {people}, singular or plural."""
        return {"visits": i18n.t("count.visits", lang, n=self.visits),
                "people": i18n.t("count.merchandisers", lang, n=self.merchandisers)}


def generate_week(db: Database, viewer: User | None, week: date, *, level: str = "high",
                  merchandisers: Sequence[str] | None = None, replace: bool = False, today: date | None = None,
                  source: str = "generated") -> Generated:
    """Plan a week (the one holding `week`) for the given merchandisers (None: all) from their stores'
    grades, on the working days from today on. A merchandiser who already has visits planned on those
    days keeps them, unless `replace`: then those not done yet are planned afresh."""
    _require_planner(viewer)
    if level not in PLAN_LEVELS:
        raise PlanError("plans.error.level", level=str(level))
    today = today or date.today()
    monday = week_start(week)
    days = [d for d in week_days(monday) if d >= today]
    if not days:
        raise PlanError("plans.error.week_over", week=monday.isoformat())
    who = "TRUE" if merchandisers is None else "list_contains(?, s.merchandiser)"
    who_params = [] if merchandisers is None else [list(merchandisers)]
    with db.write() as cur:
        if merchandisers is not None:
            for username in merchandisers:
                _check_merchandiser(cur, username)
        stores = cur.execute(
            f"""SELECT s.code, s.grade, s.merchandiser FROM stores s
                JOIN users u ON u.username = s.merchandiser AND u.role = 'merchandiser' AND u.active
                WHERE s.active AND {who}""", who_params).fetchall()
        people = sorted({m for _, _, m in stores} | set(merchandisers or ()))
        if not people:
            return Generated(0, 0, ())
        busy = {r[0] for r in cur.execute(
            "SELECT DISTINCT merchandiser FROM planned_visits WHERE list_contains(?, merchandiser)"
            " AND planned_date BETWEEN ? AND ?", [people, days[0], days[-1]]).fetchall()}
        skipped = () if replace else tuple(sorted(busy))
        chosen = [m for m in people if m not in skipped]
        if not chosen:
            return Generated(0, 0, skipped)
        if replace:
            cur.execute(
                f"""DELETE FROM planned_visits pv WHERE list_contains(?, pv.merchandiser)
                    AND pv.planned_date BETWEEN ? AND ?
                    AND NOT EXISTS (SELECT 1 FROM audits a WHERE {AUDIT_FULFILS_PLAN})""",
                [chosen, days[0], days[-1]])
        existing = cur.execute(
            "SELECT store_code, merchandiser, planned_date FROM planned_visits"
            " WHERE planned_date BETWEEN ? AND ? AND (list_contains(?, merchandiser)"
            "  OR store_code IN (SELECT code FROM stores WHERE list_contains(?, merchandiser)))",
            [monday, monday + timedelta(days=6), chosen, chosen]).fetchall()
        visits = plan_week([s for s in stores if s[2] in chosen], monday, level, days, existing)
        if visits:
            first, now = _next_id(cur), datetime.now()
            frame = pd.DataFrame(visits, columns=["store_code", "merchandiser", "planned_date"]).assign(
                id=range(first, first + len(visits)), source=source,
                created_by=viewer.username if viewer else None, created_at=now, updated_at=now)
            cur.register("new_plan", frame)
            try:
                cur.execute("INSERT INTO planned_visits (id, store_code, merchandiser, planned_date, source,"
                            " created_by, created_at, updated_at) SELECT id, store_code, merchandiser,"
                            " planned_date, source, created_by, created_at, updated_at FROM new_plan")
            finally:
                cur.unregister("new_plan")
    return Generated(len(visits), len({m for _, m, _ in visits}), skipped)


def add_visit(db: Database, viewer: User | None, store_code: str, day: date,
              merchandiser: str | None = None, today: date | None = None) -> int:
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
        cur.execute("INSERT INTO planned_visits (id, store_code, merchandiser, planned_date, source, created_by)"
                    " VALUES (?, ?, ?, ?, 'manual', ?)",
                    [visit_id, store_code, username, day, viewer.username if viewer else None])
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
        cur.execute("UPDATE planned_visits SET planned_date = ?, updated_at = ? WHERE id = ?",
                    [day, datetime.now(), visit_id])


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
    visits: int     # planned visits from today on that moved with their stores


def reassign_stores(db: Database, viewer: User | None, store_codes: Sequence[str], merchandiser: str,
                    today: date | None = None) -> Reassigned:
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
        known = {r[0] for r in cur.execute("SELECT code FROM stores WHERE list_contains(?, code)", [codes]).fetchall()}
        if unknown := [c for c in codes if c not in known]:
            raise PlanError("plans.error.no_store", store=", ".join(unknown))
        cur.execute("UPDATE stores SET merchandiser = ?, updated_at = ? WHERE list_contains(?, code)",
                    [username, datetime.now(), codes])
        moved = _one(cur, f"""UPDATE planned_visits pv SET merchandiser = ?, updated_at = ?
                              WHERE list_contains(?, pv.store_code) AND pv.planned_date >= ? AND pv.merchandiser <> ?
                                AND NOT EXISTS (SELECT 1 FROM audits a WHERE {AUDIT_FULFILS_PLAN})""",
                     [username, datetime.now(), codes, today, username])[0]
    return Reassigned(len(codes), int(moved))


# ---------------------------------------------------------------- reading plans

def merchandisers(db: Database) -> dict[str, str]:
    """Active merchandisers: username -> display name."""
    return dict(db.cursor().execute(
        "SELECT username, display_name FROM users WHERE role = 'merchandiser' AND active ORDER BY username"
    ).fetchall())


def week_plan(db: Database, viewer: User, monday: date, merchandiser: str, lang: str,
              today: date | None = None) -> pd.DataFrame:
    """One merchandiser's planned visits in a week, by day, with each visit's status."""
    today = today or date.today()
    scope, params = scope_clause(viewer)
    return db.query_df(
        f"""SELECT pv.id, pv.planned_date, pv.store_code, {store_display_name(lang)} AS name, s.grade, s.city,
                   s.latitude, s.longitude, {PLAN_STATUS_SQL} AS status
            FROM planned_visits pv JOIN stores s ON s.code = pv.store_code
            WHERE pv.merchandiser = ? AND pv.planned_date BETWEEN ? AND ? AND {scope}
            ORDER BY pv.planned_date, s.grade, pv.store_code""",
        [today, today, merchandiser, week_start(monday), week_start(monday) + timedelta(days=6), *params])


def week_overview(db: Database, viewer: User, monday: date, today: date | None = None) -> pd.DataFrame:
    """Per merchandiser: planned visits on each working day of the week, how many are done, stores."""
    today = today or date.today()
    monday = week_start(monday)
    scope, params = scope_clause(viewer)
    per_day = ", ".join(f"count(pv.id) FILTER (WHERE pv.planned_date = ?::DATE) AS d{d}" for d in range(WORKING_DAYS))
    return db.query_df(
        f"""WITH mine AS (SELECT s.merchandiser, count(*) AS stores FROM stores s
                          WHERE s.active AND {scope} GROUP BY ALL)
            SELECT u.username, u.display_name, coalesce(m.stores, 0) AS stores, {per_day},
                   count(pv.id) AS planned,
                   count(pv.id) FILTER (WHERE EXISTS (SELECT 1 FROM audits a WHERE {AUDIT_FULFILS_PLAN})) AS done
            FROM users u
            LEFT JOIN mine m ON m.merchandiser = u.username
            LEFT JOIN planned_visits pv ON pv.merchandiser = u.username AND pv.planned_date BETWEEN ? AND ?
            WHERE u.role = 'merchandiser' AND u.active
            GROUP BY ALL ORDER BY u.username""",
        [*params, *week_days(monday), monday, monday + timedelta(days=6)])


def assigned_stores(db: Database, viewer: User, lang: str, merchandiser: str | None = None) -> pd.DataFrame:
    """Active stores with their merchandiser, for reassigning (all of one merchandiser's, or every one)."""
    scope, params = scope_clause(viewer)
    who, who_params = ("s.merchandiser = ?", [merchandiser]) if merchandiser else ("TRUE", [])
    return db.query_df(
        f"""SELECT s.code, {store_display_name(lang)} AS name, s.grade, s.city, s.merchandiser,
                   u.display_name AS merchandiser_name
            FROM stores s LEFT JOIN users u ON u.username = s.merchandiser
            WHERE s.active AND {scope} AND {who} ORDER BY s.code""", [*params, *who_params])


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
    return sum(haversine_km(points[a], points[b]) for a, b in zip(order, [*order[1:], order[0]]))


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
                    tour[i + 1:j + 1] = reversed(tour[i + 1:j + 1])
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
    length = lambda tour: sum(dist[a][b] for a, b in zip(tour, [*tour[1:], tour[0]]))  # noqa: E731
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
    stops: pd.DataFrame         # code, name, grade, city, status, done, leg_km — in the suggested order
    total_km: float | None      # round trip through the stops with coordinates; None when fewer than two
    without_position: int       # stops without coordinates, listed last


def today_plan(db: Database, user: User, lang: str, today: date | None = None) -> TodayPlan:
    """The user's planned stores today, in a suggested visiting order with the distance of each leg."""
    today = today or date.today()
    scope, params = scope_clause(user)
    stops = db.query_df(
        f"""SELECT pv.store_code AS code, {store_display_name(lang)} AS name, s.grade, s.city,
                   s.latitude, s.longitude, {PLAN_STATUS_SQL} AS status
            FROM planned_visits pv JOIN stores s ON s.code = pv.store_code
            WHERE pv.merchandiser = ? AND pv.planned_date = ? AND s.active AND {scope}
            ORDER BY pv.store_code""",
        [today, today, user.username, today, *params])
    stops["done"] = stops.status == "done"
    placed = stops[stops.latitude.notna() & stops.longitude.notna()]
    unplaced = stops[~stops.index.isin(placed.index)]
    points = list(zip(placed.latitude, placed.longitude))
    order, total = visiting_order(points)
    ordered = placed.iloc[order].reset_index(drop=True)
    legs = [None] + [haversine_km(points[a], points[b]) for a, b in zip(order, order[1:])]
    ordered["leg_km"] = pd.Series(legs[:len(ordered)], dtype="Float64")
    result = pd.concat([ordered, unplaced.assign(leg_km=pd.NA)], ignore_index=True)
    return TodayPlan(result.drop(columns=["latitude", "longitude"]), total if len(points) >= 2 else None,
                     len(unplaced))
