"""The five-minute store audit (issue 14), in Chromium at both tablet sizes with touch: a 30-SKU store whose
shelf matches the last visit except for 5 SKUs (one out of stock, two facings changed, one level changed,
one price changed), with POP, a competitor observation and two photos. Every action is counted: at most 60
taps and 8 typed values. The same test walks Next and Previous through every section and back, and fails on
any error box or server traceback. A second test measures every button, radio and checkbox of every section:
none under 44 px high. Screenshots: tests/artifacts/flow_*.png."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from audit import auth, capture, photos
from audit.db import Database
from tests.helpers.audits import complete_answers, picture
from tests.helpers.browser import TABLETS, new_tablet_page, settle, shot

pytestmark = pytest.mark.browser
SKUS = 30
STEPS = ("Shelf", "Price tags", "POP", "Competitors", "Photos", "Visit")


@pytest.fixture
def thirty_skus(demo_dir):
    """merch01's first store with 30 must-stock SKUs (products added for its channel as needed) and an audit
    yesterday that found every SKU in stock, 3 facings at eye level, priced at the RRP, and all POP present."""
    db = Database(demo_dir / "audit.duckdb")
    user = auth.get_user(db, "merch01")
    store = capture.store_queue(db, user, "en").code.iloc[0]
    channel = db.query_one("SELECT channel FROM stores WHERE code = ?", [store])[0]
    have = len(capture.checklist(db, user, store, "en").skus)
    with db.write() as cur:
        for n in range(SKUS - have):
            cur.execute(
                """INSERT INTO products (code, name_en, name_zh, brand, category, rrp, must_stock_channels, active)
                           VALUES (?, ?, ?, 'Qingquan', 'tea', 4.5, [?], TRUE)""",
                [f"P9{n:02d}", f"Test tea {n}", f"测试茶 {n}", channel],
            )
    checklist = capture.checklist(db, user, store, "en")
    assert len(checklist.skus) == SKUS
    yesterday = datetime.now() - timedelta(days=1)
    draft = capture.open_draft(db, user, store, now=yesterday)
    draft.answers = complete_answers(checklist)
    for line in draft.answers["shelf"].values():
        line.clear()
        line.update(in_stock=True, facings=3, shelf_level=2, fifo_ok=True, near_expiry=False, damaged=False)
    draft.answers["competitors"] = []
    capture.save_draft(db, draft)
    capture.add_draft_photo(db, draft, photos.process_photo(picture(31)), "store")
    capture.submit(db, user, draft.submission_key, now=yesterday)
    db.close()
    return store, checklist


class Counter:
    """Every tap and every typed value the merchandiser makes, each followed by waiting for the app."""

    def __init__(self, page):
        self.page, self.taps, self.typed = page, 0, 0

    def settle(self) -> None:
        settle(self.page)

    def tap(self, locator) -> None:
        locator.click()
        self.taps += 1
        self.settle()

    def type(self, locator, text: str) -> None:
        locator.fill(text)
        locator.press("Enter")
        self.typed += 1
        self.settle()

    def upload(self, path) -> None:  # choosing the photo the tablet camera took: one tap
        shown = self.page.locator('[data-testid="stImage"]').count()
        self.page.locator('input[type="file"]').first.set_input_files(str(path))
        self.taps += 1
        self.page.wait_for_function(
            f"() => document.querySelectorAll('[data-testid=\"stImage\"]').length > {shown}", timeout=30_000
        )  # stored and shown among the audit's photos
        self.settle()


def no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def submitted_or_refused(page) -> None:
    """Wait for the submit's answer; a refusal fails the test naming what the app said was missing."""
    page.locator('[data-testid="stAlertContentError"], [data-testid="stAlertContentSuccess"]').first.wait_for(
        timeout=30_000
    )
    refusal = page.locator('[data-testid="stAlertContentError"]')
    missing = page.locator('[class*="st-key-capture_problem_"]')
    assert refusal.count() == 0, (refusal.all_inner_texts(), missing.all_inner_texts())
    page.get_by_text("Audit submitted.").wait_for(timeout=30_000)


def row(page, section: str, code: str):
    return page.locator(f'[class*="st-key-row-{section}-{code}"]')


@pytest.mark.parametrize("orientation", list(TABLETS))
def test_a_thirty_sku_audit_takes_under_sixty_taps_and_eight_typed_values(
    app_url, browser, orientation, thirty_skus, tmp_path
):
    store, checklist = thirty_skus
    codes = list(checklist.skus.code)
    context, page = new_tablet_page(browser, orientation)
    act = Counter(page)
    page.goto(app_url)
    act.type(page.get_by_label("User name"), "merch01")
    page.get_by_label("Password", exact=True).fill("demo")
    act.typed += 1
    act.tap(page.get_by_role("button", name="Sign in"))
    act.tap(page.locator(f".st-key-open_{store} button"))  # lands on today's plan / the queue
    act.tap(page.get_by_role("button", name="Start audit"))

    # Next and Previous through every section and back (not counted: a check of the navigation).
    for step in STEPS[1:]:
        page.locator(".st-key-capture_next button").click()
        act.settle()
        assert page.get_by_role("radio", name=step, exact=True, checked=True).count() == 1
        no_errors(page)
    assert page.locator(".st-key-capture_submit button").count() == 1
    for step in reversed(STEPS[:-1]):
        page.locator(".st-key-capture_prev button").click()
        act.settle()
        assert page.get_by_role("radio", name=step, exact=True, checked=True).count() == 1
        no_errors(page)

    # Two photos the tablet's camera took: the shelf (which lets the shelf be confirmed) and the store.
    from PIL import Image

    for name, colour in (("shelf", (60, 140, 90)), ("store", (200, 120, 60))):
        Image.new("RGB", (1600, 1200), colour).save(tmp_path / f"{name}.jpg")
    act.tap(page.get_by_role("radio", name="Photos", exact=True))
    act.tap(page.get_by_role("radio", name="Shelf", exact=True).last)  # which section the photo shows
    act.upload(tmp_path / "shelf.jpg")
    act.tap(page.get_by_role("radio", name="Store", exact=True).last)
    act.upload(tmp_path / "store.jpg")
    assert page.locator('[data-testid="stImage"]').count() == 2

    # The shelf and prices as found last time, in one tap; then only the five exceptions.
    act.tap(page.get_by_role("radio", name="Shelf", exact=True).first)
    act.tap(page.get_by_role("button", name=f"Shelf and prices as last time ({2 * SKUS})"))
    # As the merchandiser sees it: every row drawn again with its badge before the first exception is tapped.
    row(page, "shelf", codes[-1]).get_by_text("as last time").wait_for(timeout=30_000)
    act.settle()
    shot(page, f"flow_shelf_confirmed_{orientation}")
    act.tap(row(page, "shelf", codes[0]).get_by_role("radio", name="Out", exact=True))
    for code, facings in ((codes[1], "5"), (codes[2], "1")):
        act.type(row(page, "shelf", code).locator("input[type=number]"), facings)
    act.tap(row(page, "shelf", codes[3]).get_by_role("radio", name="1 Top", exact=True))
    shot(page, f"flow_shelf_exceptions_{orientation}")
    for code in codes[:4]:  # each changed line now says it was checked, not confirmed as last time
        assert row(page, "shelf", code).get_by_text("as last time").count() == 0, code
    assert row(page, "shelf", codes[5]).get_by_text("as last time").count() == 1
    act.tap(page.locator(".st-key-capture_next button"))  # Price tags
    shot(page, f"flow_price_{orientation}")
    act.type(row(page, "price", codes[4]).locator("input[type=number]"), "3.20")
    act.tap(page.locator(".st-key-capture_next button"))  # POP
    pop_confirm = page.get_by_role("button", name="POP as last time")
    if len(checklist.pop_types):
        act.tap(page.locator('button:has-text("POP as last time")'))
    else:
        assert pop_confirm.count() == 0
    act.tap(page.locator(".st-key-capture_next button"))  # Competitors
    act.tap(page.get_by_role("button", name="Add competitor observation"))
    act.tap(page.get_by_role("radio", name="Guanyi", exact=True))
    act.tap(page.get_by_text("Promotion", exact=True).first)
    act.tap(page.get_by_role("radio", name="Visit", exact=True))
    act.tap(page.get_by_role("radio", name="No", exact=True).first)  # no order this time
    shot(page, f"flow_visit_{orientation}")
    act.tap(page.locator(".st-key-capture_submit button"))
    submitted_or_refused(page)
    shot(page, f"flow_submitted_{orientation}")
    no_errors(page)
    assert act.taps <= 60 and act.typed <= 8, (act.taps, act.typed)

    found = page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
    out_name = checklist.skus.set_index("code").name[codes[0]]
    assert any(f"Stock-outs: {out_name}" in text for text in found)  # what this audit found: the exception
    print(f"{orientation}: {act.taps} taps, {act.typed} typed values")
    context.close()


TARGETS = """() => {
  const seen = [];
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const taps = 'button, [role="radio"], [role="checkbox"], [role="switch"], input[type="checkbox"]';
  for (const el of main.querySelectorAll(taps)) {
    let target = el;
    if (el.matches('input[type="checkbox"]')) target = el.closest('label') || el;  // the label is what a finger taps
    if (!visible(target)) continue;
    const r = target.getBoundingClientRect();
    const text = target.innerText || target.getAttribute('aria-label') || target.dataset.testid || '';
    seen.push({text: text.trim().slice(0, 40),
               height: Math.round(r.height * 10) / 10, testid: target.dataset.testid || el.dataset.testid || ''});
  }
  const opener = document.querySelector('[data-testid="stExpandSidebarButton"]');
  if (opener && visible(opener)) { const r = opener.getBoundingClientRect();
    seen.push({text: 'sidebar opener', height: Math.min(r.height, r.width), testid: 'stExpandSidebarButton'}); }
  return seen;
}"""


@pytest.mark.parametrize("orientation", list(TABLETS))
def test_every_tap_target_on_the_audit_form_is_at_least_44_px_high(app_url, browser, orientation, thirty_skus):
    store, checklist = thirty_skus
    context, page = new_tablet_page(browser, orientation)
    act = Counter(page)
    page.goto(app_url)
    page.get_by_label("User name").fill("merch01")
    page.get_by_label("Password", exact=True).fill("demo")
    act.tap(page.get_by_role("button", name="Sign in"))
    act.tap(page.locator(f".st-key-open_{store} button"))
    act.tap(page.get_by_role("button", name="Start audit"))
    small, measured = [], 0
    for step in STEPS:
        act.tap(page.get_by_role("radio", name=step, exact=True).first)
        if step == "Competitors":
            act.tap(page.get_by_role("button", name="Add competitor observation"))
        if step == "Shelf":
            act.tap(page.get_by_role("radio", name="In stock", exact=True).first)  # its row opens facings and level
        targets = page.evaluate(TARGETS)
        measured += len(targets)
        small += [(step, t["text"], t["testid"], t["height"]) for t in targets if t["height"] < 44]
    shot(page, f"flow_targets_{orientation}")
    assert measured > 100
    assert small == [], "\n".join(map(str, sorted(set(small))))
    context.close()
