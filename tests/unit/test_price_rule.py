"""The price check is one rule: a shelf price more than the tolerance under the RRP (settings.under_rrp, and
settings.under_rrp_sql for queries). Every place that finds or counts such a price agrees with it at the
boundary, so a changed comparison or sign in the rule fails here (tried by hand: `<` made `<=`, `1 -` made
`1 +`, in the SQL form and in the Python form, each fails these tests)."""

from __future__ import annotations

import re
from decimal import Decimal

import duckdb
import pytest

from audit import actions, auth, capture, scoring, settings
from audit.exports.summary import ExportRequest, audit_lines, build_summary
from audit.i18n import name_column
from tests.helpers.exports import END, START
from tests.helpers.paths import ROOT

TOLERANCE = settings.ScoringSettings().price_tolerance  # 0.05: at 10.00, 9.50 is the lowest price that passes
RRP = Decimal("10.00")
AT_THE_LIMIT, A_CENT_UNDER, OVER_THE_RRP = Decimal("9.50"), Decimal("9.49"), Decimal("10.20")


def sql_under_rrp(price, rrp, fraction) -> bool | None:
    """under_rrp_sql evaluated by DuckDB on values typed as the tables hold them (DECIMAL(10, 2) prices)."""
    expression = settings.under_rrp_sql("$price::DECIMAL(10, 2)", "$rrp::DECIMAL(10, 2)", "$fraction")
    return duckdb.execute(f"SELECT {expression}", {"price": price, "rrp": rrp, "fraction": fraction}).fetchone()[0]


@pytest.mark.parametrize(
    "price, rrp, fraction, under",
    [
        (AT_THE_LIMIT, RRP, TOLERANCE, False),
        (A_CENT_UNDER, RRP, TOLERANCE, True),
        (OVER_THE_RRP, RRP, TOLERANCE, False),
        (RRP, RRP, 0.0, False),
        (Decimal("9.99"), RRP, 0.0, True),
        (Decimal("7.50"), RRP, 0.25, False),
        (Decimal("7.49"), RRP, 0.25, True),
        (Decimal("0.01"), Decimal("0.02"), 0.5, False),
        (Decimal("0.50"), Decimal("1.00"), TOLERANCE, True),  # a price under one unit is checked too
    ],
)
def test_the_rule_in_python_and_in_sql_draws_the_line_at_the_same_cent(price, rrp, fraction, under):
    assert settings.under_rrp(float(price), float(rrp), fraction) is under
    assert sql_under_rrp(price, rrp, fraction) is under
    assert capture.price_below_tolerance(float(rrp), float(price), fraction) is under


def test_a_missing_price_is_no_finding_in_sql():
    assert sql_under_rrp(None, RRP, TOLERANCE) is None


@pytest.fixture
def boundary_audit(demo_db):
    """The latest audit of a store (in the export tests' period) with two in-stock lines whose tags are right:
    one priced at the limit, one a cent under it, both at an RRP of 10.00; counted again as the app would."""
    audit_id, store, dealer, merchandiser = demo_db.query_one(
        """SELECT a.id, a.store_code, s.dealer_code, a.merchandiser FROM audits a JOIN stores s ON s.code = a.store_code
           WHERE a.visit_date BETWEEN ? AND ? AND s.dealer_code IS NOT NULL
             AND a.id = (SELECT max(b.id) FROM audits b WHERE b.store_code = a.store_code)
             AND (SELECT count(*) FROM audit_lines l WHERE l.audit_id = a.id AND l.in_stock) >= 2
           ORDER BY a.visit_date DESC, a.id LIMIT 1""",
        [START, END],
    )
    at_limit, under = [
        code
        for (code,) in demo_db.cursor()
        .execute("SELECT product_code FROM audit_lines WHERE audit_id = ? AND in_stock ORDER BY 1 LIMIT 2", [audit_id])
        .fetchall()
    ]
    with demo_db.write() as cur:
        cur.execute("UPDATE products SET rrp = ? WHERE code IN (?, ?)", [RRP, at_limit, under])
        for code, price in ((at_limit, AT_THE_LIMIT), (under, A_CENT_UNDER)):
            cur.execute(
                """UPDATE audit_lines SET shelf_price = ?, tag_present = TRUE, tag_placed_ok = TRUE,
                          tag_matches = TRUE, tag_legible = TRUE WHERE audit_id = ? AND product_code = ?""",
                [price, audit_id, code],
            )
        scoring.recount(cur, TOLERANCE)
    return audit_id, store, dealer, merchandiser, at_limit, under


def test_every_query_finds_the_cent_under_and_passes_the_price_at_the_limit(demo_db, boundary_audit):
    audit_id, store, dealer, merchandiser, at_limit, under = boundary_audit
    merch, manager = auth.get_user(demo_db, merchandiser), auth.get_user(demo_db, "manager")

    # The store's last findings (the Audit page's "last time") and the audit's own record.
    findings = capture.last_findings(demo_db, merch, store, "en")
    assert findings is not None and findings.audit_id == audit_id
    named = f"SELECT code, {name_column('en')} FROM products WHERE code IN (?, ?)"
    names = dict(demo_db.cursor().execute(named, [at_limit, under]).fetchall())
    below = {name for name, problem in findings.price_problems if problem == "below_rrp"}
    assert names[under] in below and names[at_limit] not in below
    record = capture.audit_record(demo_db, merch, audit_id, "en")
    flagged = dict(zip(record.lines.product_code, record.lines.below_rrp, strict=True))
    assert (flagged[at_limit], flagged[under]) == (False, True)

    # Scoring: a price check passes for every in-stock line with a right tag whose price is not under.
    lines = demo_db.query_df(
        """SELECT l.shelf_price::DOUBLE AS price, p.rrp::DOUBLE AS rrp FROM audit_lines l
           JOIN products p ON p.code = l.product_code
           WHERE l.audit_id = ? AND l.in_stock AND l.tag_present AND l.tag_placed_ok AND l.tag_matches
             AND l.tag_legible""",
        [audit_id],
    )
    expected = sum(not capture.price_below_tolerance(r.rrp, r.price, TOLERANCE) for r in lines.itertuples())
    counted = demo_db.query_one("SELECT sum(price_ok) FROM audit_sku_metrics WHERE audit_id = ?", [audit_id])[0]
    assert counted == expected

    # The dealer's summary: its findings list and its lines sheet.
    request = ExportRequest(dealer, START, END)
    found = build_summary(demo_db, manager, request).findings
    below_rrp = set(found[(found.audit_id == audit_id) & (found.kind == "below_rrp")].item_code)
    assert under in below_rrp and at_limit not in below_rrp
    exported = audit_lines(demo_db, manager, request)
    exported = exported[exported.audit_id == audit_id].set_index("product_code").below_rrp
    assert (exported[at_limit], exported[under]) == (False, True)

    # The actions an audit opens: a price action for the cent under only, found alike on a reading cursor and in
    # a write transaction as submit finds them (PostgreSQL itself with --backend postgres).
    opened = actions.find_problems(demo_db.cursor(), [audit_id], TOLERANCE, None)
    priced = {row[3] for row in opened if row[2] == "price"}
    assert under in priced and at_limit not in priced
    with demo_db.write() as cur:
        assert actions.find_problems(cur, [audit_id], TOLERANCE, None) == opened


def test_no_query_writes_the_comparison_again():
    """A copy of the rule (a price against the RRP times one minus something) anywhere but settings.py."""
    copied = re.compile(r"rrp\w*\s*\*\s*\(\s*1\s*[-+]")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "audit").rglob("*.py"))
        if path.name != "settings.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if copied.search(line)
    ]
    assert found == []
