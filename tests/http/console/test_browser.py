"""The console in a real browser: headless Chromium from the system's packages, driven by
Playwright, over the demo's store (R4, R5, R6, R9, R12, R2, D6).

After `homecare demo --no-drain` (a real process) the operator signs in, steps
months back and forth, sees the held items, follows a fix link; the fixes are
then made at the source (as the provider's system would, through the
facade), the city fetches everything over HTTP, and the month is empty.
Screenshots of every page go to build/console-screenshots/ (gitignored;
HOMECARE_TEST_SCREENSHOTS overrides); docs/console/ holds a copy for the docs.

The browser is /usr/bin/chromium (Debian's `chromium`; HOMECARE_TEST_CHROMIUM
overrides); Playwright's own browser downloads are never used. Without it the
test is skipped with the reason, except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from homecare.bootstrap import Homecare, connect
from homecare.demo import ACTIVITIES, demo_personnummer
from homecare.http import create_app
from tests.conftest import IN_CI
from tests.http.console.conftest import DRAIN, READ, TOKENS
from tests.http.server import serving

ROOT = Path(__file__).resolve().parents[3]
MORNING_AFTER = datetime(2026, 4, 2, 6, 30, tzinfo=UTC)
SHOTS = Path(os.environ.get("HOMECARE_TEST_SCREENSHOTS", ROOT / "build" / "console-screenshots"))


def _browser() -> str:
    """The system Chromium's path, or a skip (a failure in CI) saying why not."""
    reason = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "Playwright for Python is not installed (pip install -e '.[dev]')"
    path = os.environ.get("HOMECARE_TEST_CHROMIUM") or shutil.which("chromium") or ""
    if reason is None and not (path and os.access(path, os.X_OK)):
        reason = "no system Chromium (apt-get install -y chromium, or set HOMECARE_TEST_CHROMIUM)"
    if reason is not None:
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: the browser test must run)")
        pytest.skip(reason)
    return path


@pytest.fixture
def demo_store(tmp_path: Path) -> Iterator[Homecare]:
    """`homecare demo --no-drain` run as a user runs it, into a fresh SQLite file."""
    url = f"sqlite:///{tmp_path}/demo.db"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "homecare"), "--db", url, "demo", "--no-drain"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with connect(url) as hc:
        hc.catch_up()
        yield hc


def _fix_everything_at_the_source(hc: Homecare) -> None:
    """R6, as the provider's own system would: staff accounts completed, decisions granted."""
    at = datetime.now(UTC)
    staff: dict[Any, set[str]] = {}
    customers: set[Any] = set()
    for group in hc.buffer.problems():
        for item in group.items:
            if group.reason.startswith("staff_missing_"):
                staff.setdefault(item.staff_id, set()).add(group.reason)
            elif group.reason in {"no_valid_decision", "activity_not_granted"}:
                customers.add(item.customer)
    for n, (staff_id, reasons) in enumerate(sorted(staff.items(), key=lambda s: str(s[0]))):
        fields: dict[str, Any] = {}
        if "staff_missing_personnummer" in reasons:
            fields["personnummer"] = demo_personnummer(900 + n)
        if "staff_missing_sd_number" in reasons:
            fields["sd_number"] = f"SD8{n:03d}"
        hc.app.update_staff(staff_id, **fields, actor="browser-test", at=at)
    for customer in sorted(customers, key=str):
        hc.app.register_decision(
            customer,
            valid_from=date(2026, 1, 1),
            valid_to=None,
            activities=ACTIVITIES,
            actor="browser-test",
            at=at,
        )
    hc.catch_up()
    assert hc.buffer.problems() == []


def _city_fetches_everything(url: str) -> int:
    """R3: the city's poller, over HTTP, until an empty batch (which acknowledges the last)."""
    fetched = 0
    params: dict[str, Any] = {"limit": 200}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {DRAIN}"}) as city:
        for _ in range(100):
            body = city.get("/buffer/items", params=params).raise_for_status().json()
            fetched += len(body["items"])
            if not body["items"]:
                return fetched
            params["after"] = body["cursor"]
    raise AssertionError("the city's drain did not end")


def test_the_operators_month_in_a_real_browser(demo_store: Homecare) -> None:
    chromium = _browser()
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    # The console's "now": the morning after the demo's simulated week, so the payment
    # run of March (2026-04-06 10:00, Easter Monday) is still ahead (R14).
    app = create_app(demo_store, TOKENS, catch_up_on_fetch=True, clock=lambda: MORNING_AFTER)
    with serving(app) as url, sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--lang=sv-SE"],
        )
        page = browser.new_page(
            viewport={"width": 1280, "height": 900},
            locale="sv-SE",
            timezone_id="Europe/Stockholm",
            java_script_enabled=False,  # the console works without it
        )
        page.set_default_timeout(30_000)

        def shot(name: str) -> None:
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)

        # Every page refuses without a sign-in: the browser lands on the form.
        page.goto(f"{url}/console/month/2026-03")
        expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
        page.keyboard.press("Tab")  # the first stop is the skip link
        expect(page.locator(":focus")).to_have_text("Hoppa till innehållet")
        shot("01-sign-in")
        page.get_by_label("API-token").fill(READ)
        page.get_by_role("button", name="Logga in").click()

        # R4: March holds the demo's undelivered items; step forward and back.
        expect(page).to_have_url(f"{url}/console/month/2026-03")
        expect(page.get_by_role("heading", level=1)).to_have_text("Integrationsbuffert: mars 2026")
        undelivered = page.get_by_role("heading", level=2, name="poster ej levererade")
        expect(undelivered).to_be_visible()  # the panel then names them reason by reason
        expect(page.get_by_text("Tid kvar: 4 dygn 1 timme.")).to_be_visible()  # R14
        expect(page.get_by_text("Allt är levererat")).to_have_count(0)
        shot("02-month-with-held-items")
        page.get_by_role("link", name="Nästa månad").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Integrationsbuffert: april 2026")
        expect(page.get_by_text("Allt är levererat")).to_be_visible()
        shot("03-next-month-empty")
        page.get_by_role("link", name="Föregående månad").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Integrationsbuffert: mars 2026")

        # R5: held items grouped by reason; follow a fix link to the staff account.
        page.get_by_role("link", name="Problem", exact=True).click()
        expect(page.get_by_role("heading", name="Personalkontot saknar SD-nummer")).to_be_visible()
        expect(page.get_by_role("heading", name="Kunden saknar beslut")).to_be_visible()
        shot("04-problems")
        page.locator("a.fix", has_text="Öppna personalkontot").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Personal")
        expect(page.get_by_text("saknas").first).to_be_visible()
        shot("05-staff-to-fix")

        # R2 and D6: a held visit and its customer's history.
        page.locator("main table a[href*='/visits/']").first.click()
        expect(page.get_by_role("heading", name="Integrationsstatus")).to_be_visible()
        expect(page.get_by_text("Stoppad").first).to_be_visible()
        shot("06-visit")
        page.locator("main dl a[href*='/customers/']").first.click()
        expect(page.get_by_role("heading", name="Historik")).to_be_visible()
        expect(page.get_by_text("CustomerRegistered")).to_be_visible()
        shot("07-customer-history")

        # R9, R12: the pause overview with ended pauses, and the days per customer.
        page.get_by_role("link", name="Uppehåll", exact=True).click()
        page.get_by_label("Från").fill("2026-03-01")
        page.get_by_label("Till").fill("2026-04-30")
        page.get_by_label("Visa avslutade uppehåll").check()
        page.get_by_role("button", name="Visa", exact=True).click()
        expect(page.get_by_role("cell", name="Inställd").first).to_be_visible()
        expect(page.get_by_role("rowheader", name="Staden har").first).to_be_visible()
        expect(page.locator("caption", has_text="skiljer sig").first).to_be_visible()
        shot("08-pauses")
        page.locator("#calendars table").first.screenshot(path=str(SHOTS / "08b-days.png"))
        pauses_page = page.url
        page.get_by_role("link", name="Föregående månad").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("1 feb. 2026")

        # R6 at the source, then the city's fetch: the month is empty.
        _fix_everything_at_the_source(demo_store)
        assert _city_fetches_everything(url) > 0
        page.goto(f"{url}/console/month/2026-03")
        expect(page.get_by_text("Allt är levererat")).to_be_visible()
        expect(page.get_by_text("ej levererad")).to_have_count(0)
        shot("09-month-empty-after-fix-and-fetch")
        page.goto(pauses_page)  # the city now holds exactly the days the pauses imply
        expect(page.get_by_role("rowheader", name="Staden har").first).to_be_visible()
        expect(page.locator("caption", has_text="skiljer sig")).to_have_count(0)
        days = page.locator("#calendars table").first
        days.screenshot(path=str(SHOTS / "09b-days-after-fetch.png"))
        page.goto(f"{url}/console/problems?lang=en")
        expect(page.get_by_role("heading", name="No held items")).to_be_visible()
        page.goto(f"{url}/console/month/2026-03")
        expect(page.get_by_text("Everything delivered")).to_be_visible()
        shot("10-month-empty-english")
        browser.close()
    assert len(list(SHOTS.glob("*.png"))) >= 12
