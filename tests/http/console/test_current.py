"""The console's pages read a store the key opens, and the current log (D8, R4, R5).

Formerly, with a wrong cipher key, the month said "Allt är levererat", problems
"Inga stoppade poster" and pauses none (only a customer's page failed, as a
generic store error); and with the right key and no worker, a confirmed visit not
yet projected was missing from its month. Now, as the API's views
(tests/http/test_current.py), a page checks the key once signed in and projects
first; a wrong key is a 503 page that says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from homecare.bootstrap import Homecare, connect
from homecare.http import create_app
from homecare.http.console import PersonalDataView
from homecare.http.current import LAG_HEADER
from tests.http.console.conftest import NOW, READ, TOKENS, Console, text_of
from tests.scenario import Scenario

KEY_1 = "A" * 43 + "="
KEY_2 = "B" * 43 + "="
EMPTY_STATES = ("Allt är levererat", "Inga stoppade poster", "Inga uppehåll matchar")


def _held_and_queued(hc: Homecare) -> dict[str, object]:
    """In March: one visit queued, one held (its staff has no SD number); nothing projected."""
    world = Scenario(hc.app)
    customer, good, no_sd = world.customer(), world.staff(), world.staff(sd_number=False)
    queued = world.visit(customer, good, day=date(2026, 3, 2))
    held = world.visit(customer, no_sd, day=date(2026, 3, 3))
    return {"customer": customer.id, "staff": no_sd, "queued": queued, "held": held}


def _pages(ids: dict[str, object]) -> list[str]:
    return [
        "/console/month/2026-03",
        "/console/problems",
        "/console/pauses?from=2026-03-01",
        f"/console/visits/{ids['held']}",
        f"/console/customers/{ids['customer']}",
        f"/console/staff/{ids['staff']}",
    ]


@pytest.fixture
def wrong_key(store_url: str) -> Iterator[tuple[Homecare, dict[str, object]]]:
    """A store written with KEY_1 (projected or not: both), opened with KEY_2."""
    with connect(store_url, cipher_key=KEY_1) as writer:
        ids = _held_and_queued(writer)
    with connect(store_url, cipher_key=KEY_2) as wrong:
        yield wrong, ids


def _signed_in(hc: Homecare, views: list[PersonalDataView]) -> TestClient:
    client = TestClient(create_app(hc, TOKENS, on_personal_data=views.append, clock=lambda: NOW))
    signed = client.post("/console/sign-in", data={"token": READ}, follow_redirects=False)
    assert signed.status_code == 303
    return client


def test_with_a_wrong_key_every_page_says_so_and_shows_nothing(
    wrong_key: tuple[Homecare, dict[str, object]],
) -> None:
    hc, ids = wrong_key
    views: list[PersonalDataView] = []
    client = _signed_in(hc, views)
    for path in _pages(ids):
        page = client.get(path)
        assert page.status_code == 503, (path, page.text)
        shown = text_of(page.text)
        assert "Krypteringsnyckeln öppnar inte lagret" in shown, path
        assert "wrong_cipher_key" in shown, path
        assert not any(empty in shown for empty in EMPTY_STATES), path
        assert str(ids["held"])[:8] not in shown, path
    english = text_of(client.get("/console/problems?lang=en").text)
    assert "The cipher key does not open the store" in english
    assert "HOMECARE_CIPHER_KEY" in english
    assert views == []  # nothing shown, so no view of anyone's data (R17)
    assert hc.buffer.delivered_position() == 0


def test_with_a_wrong_key_signing_in_comes_first(
    wrong_key: tuple[Homecare, dict[str, object]],
) -> None:
    hc, ids = wrong_key
    client = TestClient(create_app(hc, TOKENS, clock=lambda: NOW))
    for path in _pages(ids):
        page = client.get(path, follow_redirects=False)
        assert page.status_code == 303, path
        assert "/console/sign-in?next=" in page.headers["location"], path


def test_with_no_worker_a_page_projects_first(console: Console) -> None:
    ids = _held_and_queued(console.hc)  # confirmed, nothing projected: no worker runs
    with console.signed_in() as client:
        month = client.get("/console/month/2026-03")
        assert month.headers[LAG_HEADER] == "0"
        shown = text_of(month.text)
        assert "2 poster ej levererade" in shown
        assert "Allt är levererat" not in shown
        problems = text_of(client.get("/console/problems").text)
        assert "Personalkontot saknar SD-nummer" in problems
        assert str(ids["held"])[:8] in problems
        for path in _pages(ids):
            page = client.get(path)
            assert page.status_code == 200, (path, page.text)
            assert page.headers[LAG_HEADER] == "0", path


def test_with_a_worker_alive_a_page_says_how_far_behind_it_is(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    _held_and_queued(console.hc)
    console.hc.catch_up()
    Scenario(console.hc.app).customer()  # 4 events the (pretended) worker has not projected
    monkeypatch.setattr(console.hc, "worker_alive", lambda: True)
    with console.signed_in() as client:
        for path in ("/console/month/2026-03", "/console/problems", "/console/pauses"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert page.headers[LAG_HEADER] == "4", path
