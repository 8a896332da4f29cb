"""Failover without loss (issue 17): a tablet mid-audit on a cluster of three replicas behind HAProxy
(tools/cluster.py, deploy/haproxy.cfg) loses its replica to a SIGKILL. Streamlit reconnects through the
balancer, which sends it to another replica; the tablet is still signed in, on the same store's audit, with
every answer and the photo given before the kill; the audit is finished there and stored exactly once in
PostgreSQL. Screenshots: tests/artifacts/failover_*.png."""

from __future__ import annotations

import time
from decimal import Decimal

import psycopg
import pytest

from tests.helpers.audits import picture
from tests.helpers.browser import new_tablet_page, settle, shot
from tools.cluster import start_cluster

pytestmark = pytest.mark.browser

# The smallest demo that gives merch01 a store with an audit behind it: one store, and enough weeks that it
# was visited (the last audit lets the rest of the shelf be confirmed in one tap, which keeps the test short).
DEMO = ["--stores", "1", "--weeks", "4", "--photos", "0"]
MERCHANDISER = "merch01"
REPLICA_COOKIE = "audit_replica"

# When each of the page's websockets opened (the page's clock): the one opened after the kill is the reconnection.
WEBSOCKET_OPENS = """(() => {
  window.__wsOpens = [];
  const Original = window.WebSocket;
  window.WebSocket = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => window.__wsOpens.push(performance.now()));
    }
  };
})()"""


@pytest.fixture
def cluster(tmp_path):
    started = time.monotonic()
    running = start_cluster(tmp_path / "cluster", replicas=3, demo=DEMO)
    print(f"cluster of 3 replicas with the {' '.join(DEMO)} demo ready in {time.monotonic() - started:.1f} s")
    yield running
    running.stop()


def row(page, section: str, code: str):
    return page.locator(f'[class*="st-key-row-{section}-{code}"]')


def chosen(locator, name: str):
    return locator.get_by_role("radio", name=name, exact=True, checked=True)


def tap(page, locator) -> None:
    locator.click()
    settle(page)


def type_into(page, field, text: str) -> None:
    field.fill(text)
    field.press("Enter")
    settle(page)


def go_to_step(page, name: str) -> None:
    tap(page, page.get_by_role("radio", name=name, exact=True).first)
    assert page.get_by_role("radio", name=name, exact=True, checked=True).count() == 1


def upload(page, path) -> None:
    shown = page.locator('[data-testid="stImage"]').count()
    page.locator('input[type="file"]').last.set_input_files(str(path))  # the gallery box
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=\"stImage\"]').length > {shown}", timeout=60_000
    )
    settle(page)


def shown_lines(page, section: str) -> list[str]:
    """The codes of the section's rows, in the form's order."""
    return page.eval_on_selector_all(
        f'[class*="st-key-row-{section}-"]',
        f"""els => els.map(e => [...e.classList].find(c => c.startsWith('st-key-row-{section}-')))
                    .map(c => c.slice('st-key-row-{section}-'.length).replace(/-focus$/, ''))""",
    )


def replica_of(context, url: str) -> str:
    """The replica HAProxy's cookie names for this browser (app1, app2, …)."""
    return next(c["value"] for c in context.cookies(url) if c["name"] == REPLICA_COOKIE)


def test_a_tablet_mid_audit_carries_on_through_the_balancer_when_its_replica_is_killed(cluster, browser, tmp_path):
    with psycopg.connect(cluster.database_url) as connection:
        (store,) = connection.execute("SELECT code FROM stores WHERE merchandiser = %s", [MERCHANDISER]).fetchone()
        audits_before = connection.execute("SELECT count(*) FROM audits WHERE store_code = %s", [store]).fetchone()[0]
        rrp = dict(connection.execute("SELECT code, rrp FROM products").fetchall())
    assert audits_before >= 1, "the demo gives the store a last audit to confirm the rest of the shelf from"
    started = time.monotonic()

    context, page = new_tablet_page(browser, "landscape")
    context.add_init_script(WEBSOCKET_OPENS)
    page.goto(cluster.url)
    page.get_by_label("User name").fill(MERCHANDISER)
    page.get_by_label("Password", exact=True).fill("demo")
    tap(page, page.get_by_role("button", name="Sign in"))
    page.locator(".st-key-sign_out button").wait_for(timeout=30_000)
    tap(page, page.locator(f".st-key-open_{store} button"))
    tap(page, page.get_by_role("button", name="Start audit"))
    store_name = page.get_by_role("heading", level=3).first.inner_text()  # the audit form's heading: the store

    # Before the kill: the shelf photo, three lines answered by hand, one price typed.
    for name, seed in (("shelf", 1), ("store", 2)):
        (tmp_path / f"{name}.jpg").write_bytes(picture(seed))
    go_to_step(page, "Photos")
    tap(page, page.get_by_role("radio", name="Shelf", exact=True).last)  # which section the photo shows
    upload(page, tmp_path / "shelf.jpg")
    go_to_step(page, "Shelf")
    lines = shown_lines(page, "shelf")  # the store's checklist, as the form lists it
    out, counted, priced = lines[:3]
    tap(page, row(page, "shelf", out).get_by_role("radio", name="Out", exact=True))
    tap(page, row(page, "shelf", out).get_by_role("radio", name="No", exact=True))  # not restocked on the spot
    tap(page, row(page, "shelf", counted).get_by_role("radio", name="In stock", exact=True))
    type_into(page, row(page, "shelf", counted).locator("input[type=number]"), "7")
    tap(page, row(page, "shelf", counted).get_by_role("radio", name="1 Top", exact=True))
    go_to_step(page, "Price tags")
    price = (rrp[priced] - Decimal("0.10")).quantize(Decimal("0.01"))  # within the tolerance: no flag
    tap(page, row(page, "price", priced).get_by_role("radio", name="Tag", exact=True))
    type_into(page, row(page, "price", priced).locator("input[type=number]"), str(price))
    row(page, "price", priced).scroll_into_view_if_needed()
    shot(page, "failover_before_kill")

    first = replica_of(context, cluster.url)
    killed = int(first.removeprefix("app")) - 1
    opens_before = page.evaluate("window.__wsOpens.length")
    killed_at = page.evaluate("performance.now()")
    cluster.kill(killed)
    wall_killed = time.monotonic()
    page.wait_for_timeout(300)
    shot(page, "failover_reconnecting")  # what the tablet shows in the moment its replica is gone

    # Streamlit sees its websocket close, reconnects through HAProxy (to another replica), and the app runs the
    # page afresh there: wait for a new websocket, an answer on it, and that rerun to finish.
    page.wait_for_function(f"() => window.__wsOpens.length > {opens_before}", timeout=60_000)
    reopened_at = page.evaluate(f"window.__wsOpens[{opens_before}]")
    page.wait_for_function(f"() => window.__wsLast > window.__wsOpens[{opens_before}]", timeout=60_000)
    settle(page)
    row(page, "price", priced).wait_for(timeout=60_000)
    settle(page)
    shown_again = time.monotonic() - wall_killed
    row(page, "price", priced).scroll_into_view_if_needed()
    shot(page, "failover_after_reconnect")
    now = replica_of(context, cluster.url)
    print(
        f"{first} killed: websocket reopened after {(reopened_at - killed_at) / 1000:.2f} s, "
        f"the audit form shown again by {now} after {shown_again:.2f} s"
    )
    assert now != first and cluster.replicas[int(now.removeprefix("app")) - 1].process.poll() is None

    # Still signed in, on the same store's audit, at the section it was on, every answer there.
    assert page.get_by_label("Password", exact=True).count() == 0
    assert page.locator(".st-key-sign_out button").count() == 1
    assert page.get_by_role("heading", level=3).first.inner_text() == store_name
    assert page.get_by_role("radio", name="Price tags", exact=True, checked=True).count() == 1
    assert chosen(row(page, "price", priced), "Tag").count() == 1
    assert row(page, "price", priced).locator("input[type=number]").input_value() == str(price)
    go_to_step(page, "Shelf")
    assert chosen(row(page, "shelf", out), "Out").count() == 1
    assert chosen(row(page, "shelf", out), "No").count() == 1
    assert chosen(row(page, "shelf", counted), "In stock").count() == 1
    assert row(page, "shelf", counted).locator("input[type=number]").input_value() == "7"
    assert chosen(row(page, "shelf", counted), "1 Top").count() == 1
    assert shown_lines(page, "shelf") == lines
    row(page, "shelf", out).evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    shot(page, "failover_after_reconnect_shelf")
    go_to_step(page, "Photos")
    assert page.locator('[data-testid="stImage"]').count() == 1, "the shelf photo is still attached"

    # The rest: the store photo, the shelf, prices and POP as last time, no order; submit.
    tap(page, page.get_by_role("radio", name="Store", exact=True).last)
    upload(page, tmp_path / "store.jpg")
    go_to_step(page, "Shelf")
    tap(page, page.locator('button:has-text("Shelf and prices as last time")'))
    go_to_step(page, "POP")
    tap(page, page.locator('button:has-text("POP as last time")'))
    go_to_step(page, "Visit")
    tap(page, page.get_by_role("radio", name="No", exact=True).first)  # no order this time
    tap(page, page.locator(".st-key-capture_submit button"))
    page.locator('[data-testid="stAlertContentError"], [data-testid="stAlertContentSuccess"]').first.wait_for(
        timeout=60_000
    )
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0, page.locator(
        '[class*="st-key-capture_problem_"]'
    ).all_inner_texts()
    page.get_by_text("Audit submitted.").wait_for(timeout=30_000)
    settle(page)
    shot(page, "failover_submitted")
    print(f"the whole audit, kill included, took {time.monotonic() - started:.1f} s in the browser")
    context.close()

    # Stored exactly once, with what was answered before the kill.
    with psycopg.connect(cluster.database_url) as connection:
        audits = connection.execute(
            "SELECT id, merchandiser FROM audits WHERE store_code = %s AND source = 'app'", [store]
        ).fetchall()
        assert len(audits) == 1 and audits[0][1] == MERCHANDISER, audits
        assert connection.execute("SELECT count(*) FROM audits WHERE store_code = %s", [store]).fetchone() == (
            audits_before + 1,
        )
        audit_id = audits[0][0]
        stored = {
            code: rest
            for code, *rest in connection.execute(
                """SELECT product_code, in_stock, restocked, facings, shelf_level, tag_present, shelf_price,
                          shelf_answered, price_answered
                   FROM audit_lines WHERE audit_id = %s""",
                [audit_id],
            ).fetchall()
        }
        assert sorted(stored) == sorted(lines), "one line per line of the form"
        assert stored[out][:2] == [False, False]  # out of stock, not restocked on the spot
        assert stored[counted][0] is True and stored[counted][2:4] == [7, 1]
        assert stored[priced][4:6] == [True, price]
        # Those answered by hand before the kill stored as checked; the rest as confirmed after it.
        assert {code for code, line in stored.items() if line[6] == "checked"} == {out, counted}
        assert {code for code, line in stored.items() if line[7] == "checked"} == {priced}
        assert {line[6] for code, line in stored.items() if code not in (out, counted)} == {"bulk"}
        assert {line[7] for code, line in stored.items() if code != priced} == {"bulk"}
        sections = connection.execute(
            "SELECT section FROM audit_photos WHERE audit_id = %s ORDER BY section", [audit_id]
        ).fetchall()
        assert sections == [("shelf",), ("store",)]
        assert connection.execute(
            "SELECT count(*) FROM audit_drafts WHERE username = %s", [MERCHANDISER]
        ).fetchone() == (0,)
