"""The buffer's routes answer from a readable, current store, or say why not (D8, R4, R14).

Formerly, with a wrong cipher key, `/health` was 503 `wrong_cipher_key` and the CLI
refused, while the views answered 200 `[]`, zero counts and `clear`; and with the
right key and no worker, a confirmed visit not yet projected was left out of a
`clear` deadline.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

import homecare.http.current as current
from homecare.bootstrap import Homecare, connect
from homecare.errors import CipherKeyError
from homecare.http import create_app
from homecare.http.current import LAG_HEADER, RECHECK_SECONDS, KeyCheck
from tests.http.conftest import CITY, OPS, TOKENS
from tests.scenario import Scenario

KEY_1 = "A" * 43 + "="
KEY_2 = "B" * 43 + "="
ROUTES = [
    "/buffer/items",
    "/buffer/month/2026-03",
    "/buffer/problems",
    "/buffer/deadline?month=2026-03",
    "/buffer/month-report/2026-03",
]
VIEWS = ROUTES[1:]


def _one_confirmed_visit(hc: Homecare) -> None:
    world = Scenario(hc.app)
    world.visit(world.customer(), world.staff(), day=date(2026, 3, 2))


@pytest.mark.parametrize("projected", [False, True], ids=["unprojected", "caught-up"])
def test_a_wrong_cipher_key_is_503_on_every_buffer_route(store_url: str, projected: bool) -> None:
    with connect(store_url, cipher_key=KEY_1) as writer:
        _one_confirmed_visit(writer)
        if projected:
            writer.catch_up()
    with connect(store_url, cipher_key=KEY_2) as wrong:
        client = TestClient(create_app(wrong, TOKENS))
        assert client.get("/health").json()["problem"] == "wrong_cipher_key"
        for path in ROUTES:
            response = client.get(path, headers=CITY)
            assert response.status_code == 503, (path, response.text)
            assert response.json()["code"] == "wrong_cipher_key", path
            assert "cipher key" in response.json()["detail"]
        assert wrong.buffer.delivered_position() == 0


def test_what_a_token_may_do_is_decided_before_the_key_is_checked(store_url: str) -> None:
    """401 and 403 come first, on every route: a token that may not call a route is told
    so, not that the key is wrong (the read token's fetch used to be 503)."""
    with connect(store_url, cipher_key=KEY_1) as writer:
        _one_confirmed_visit(writer)
    with connect(store_url, cipher_key=KEY_2) as wrong:
        app = create_app(wrong, TOKENS)
        client = TestClient(app)
        for path in ROUTES:
            assert client.get(path).status_code == 401, path
            unknown = {"Authorization": "Bearer nobody-configured-this-0123456789"}
            assert client.get(path, headers=unknown).status_code == 401, path
        refused = client.get("/buffer/items", headers=OPS)
        assert refused.status_code == 403, refused.text
        assert "may read the buffer but not drain it" in refused.json()["detail"]
        for path in VIEWS:  # a read token may read: then the key is checked
            assert client.get(path, headers=OPS).json()["code"] == "wrong_cipher_key", path
        # ROUTES names every /buffer route: a new one is checked here too once added to it
        found = set(app.openapi()["paths"])
        expected = {re.sub(r"\d{4}-\d{2}", "{month}", path.split("?")[0]) for path in ROUTES}
        assert {path for path in found if path.startswith("/buffer")} == expected


def test_a_refused_request_projects_nothing(hc: Homecare) -> None:
    """The views catch up only once the token (and the key) passed."""
    _one_confirmed_visit(hc)
    client = TestClient(create_app(hc, TOKENS))
    for path in VIEWS:
        assert client.get(path).status_code == 401, path
    assert all(runner.lag() > 0 for runner in hc.runners)


def test_with_no_worker_a_view_projects_first_as_the_cli_does(hc: Homecare) -> None:
    _one_confirmed_visit(hc)  # confirmed, not projected: no worker runs
    client = TestClient(create_app(hc, TOKENS))
    deadline = client.get("/buffer/deadline", params={"month": "2026-03"}, headers=OPS)
    assert deadline.json()["status"] == "late"  # not "clear": the visit is not delivered
    assert deadline.json()["not_delivered"] == 1
    assert deadline.headers[LAG_HEADER] == "0"
    for path in VIEWS:
        assert client.get(path, headers=OPS).headers[LAG_HEADER] == "0", path
    assert len(client.get("/buffer/month/2026-03", headers=OPS).json()) == 1
    report = client.get("/buffer/month-report/2026-03", headers=OPS).json()
    assert report["total"]["visits_queued"] == 1


def test_with_a_worker_alive_a_view_says_how_far_behind_it_is(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch
) -> None:
    _one_confirmed_visit(hc)
    hc.catch_up()
    Scenario(hc.app).customer()  # 4 events the (pretended) worker has not projected yet
    monkeypatch.setattr(hc, "worker_alive", lambda: True)
    client = TestClient(create_app(hc, TOKENS))
    for path in VIEWS:
        response = client.get(path, headers=OPS)
        assert response.status_code == 200, path
        assert response.headers[LAG_HEADER] == "4", path
    assert LAG_HEADER not in client.get("/buffer/items", headers=CITY).headers


@pytest.mark.parametrize("way", ["awaited", "called"])
def test_a_proven_key_is_trusted_for_a_while_a_failure_never(
    monkeypatch: pytest.MonkeyPatch, way: str
) -> None:
    """Awaited as the API's dependency, or called in a worker thread as the console does."""
    answers: list[bool | Exception] = [False, CipherKeyError("wrong"), True, True]
    calls: list[int] = []

    def proven(_hc: object) -> bool:
        calls.append(1)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(current, "key_proven", proven)
    now = [0.0]
    check = KeyCheck(object(), clock=lambda: now[0])  # type: ignore[arg-type]

    def run() -> None:
        if way == "awaited":
            asyncio.run(check())
        else:
            check.check()

    run()  # an empty store proves nothing: checked again
    with pytest.raises(CipherKeyError):
        run()  # a failure is not remembered
    run()  # proven
    run()
    now[0] += RECHECK_SECONDS - 1
    run()
    assert len(calls) == 3
    now[0] += 2
    run()  # checked again after RECHECK_SECONDS
    assert len(calls) == 4
