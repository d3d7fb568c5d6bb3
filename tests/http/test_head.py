"""HEAD is safe (RFC 9110 9.2.1): it never does what a GET with effects does. Both stores.

Formerly every GET route answered HEAD by running its GET: a `HEAD /buffer/items`
acknowledged (the delivered mark moved), raised the served mark (R16: an item
served only by a HEAD was then not withdrawn by a cull), recorded a fetch and
wrote access-log entries (R17), with no body sent. Now HEAD is answered only by
the routes whose GET has no effects; elsewhere it is 405 with `Allow: GET` and
nothing runs.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from homecare._sql.database import fetches
from homecare.bootstrap import Homecare
from homecare.http import create_app
from homecare.http.console import build_console
from homecare.http.tokens import TokenRing
from homecare.outbox.delivery import served_position
from tests.http.conftest import CITY, DRAIN_SECRET, TOKENS, fill
from tests.scenario import Scenario

ANSWER_HEAD = {
    "/health",
    "/health/live",
    "/health/ready",
    "/metrics",
    "/buffer/month-report/{month}",
    "/console/sign-in",
    "/console/",
    "/console/month",
}
"""The GET routes free of effects (nothing acknowledged, marked, recorded or logged)."""


def _state(hc: Homecare) -> tuple[Any, ...]:
    """Everything a GET with effects changes: the marks, the fetches, the access log."""
    with hc.database.engine.connect() as conn:
        fetched = conn.execute(select(func.count()).select_from(fetches)).scalar_one()
        served = served_position(conn)
    return (
        hc.buffer.delivered_position(),
        served,
        fetched,
        [(e.reader, e.subject_id, e.what) for e in hc.access.entries()],
        hc.app.recorder.max_notification_id(),
    )


def test_d3_r16_r17_a_head_of_the_fetch_acknowledges_serves_and_logs_nothing(
    hc: Homecare,
) -> None:
    fill(hc, 6, customers=3)
    client = TestClient(create_app(hc, TOKENS))
    first = client.get("/buffer/items", params={"limit": 3}, headers=CITY).json()
    before = _state(hc)
    assert before[:3] == (0, 3, 1)
    head = client.head("/buffer/items", params={"after": first["cursor"], "limit": 3}, headers=CITY)
    assert head.status_code == 405
    assert head.headers["allow"] == "GET"
    assert head.content == b""
    assert _state(hc) == before  # nothing acknowledged, served, recorded or logged
    again = client.get("/buffer/items", params={"after": first["cursor"], "limit": 3}, headers=CITY)
    assert again.status_code == 200
    assert len(again.json()["items"]) == 3
    assert hc.buffer.delivered_position() == 3


def test_r17_a_head_of_an_operators_view_is_refused_before_the_token_is_read(
    hc: Homecare,
) -> None:
    fill(hc, 2, customers=2)
    client = TestClient(create_app(hc, TOKENS))
    for headers in ({}, CITY):
        refused = client.head("/buffer/problems", headers=headers)
        assert (refused.status_code, refused.headers["allow"]) == (405, "GET")
        assert refused.headers["content-type"] == "application/json"  # {"detail": ...}
    assert hc.access.entries() == []


def _concrete(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)


def test_every_get_route_answers_head_only_when_free_of_effects(hc: Homecare) -> None:
    """Each GET route of the app and the console, signed in with a token that may drain
    and see personal data: HEAD either answers as GET does, for the routes listed in
    ANSWER_HEAD only, or is 405; and no HEAD changes anything."""
    world = Scenario(hc.app)
    staff, customer = world.staff(), world.customer()
    visit = world.visit(customer, staff)
    hc.catch_up()
    ids = {
        "month": "2026-03",
        "customer_id": str(customer.id),
        "staff_id": str(staff),
        "assignment_id": str(visit),
    }
    app = create_app(hc, TOKENS)
    client = TestClient(app, headers=CITY)
    signed = client.post("/console/sign-in", data={"token": DRAIN_SECRET}, follow_redirects=False)
    assert signed.status_code == 303
    api = [p for p, operations in app.openapi()["paths"].items() if "get" in operations]
    console = build_console(hc, TokenRing(TOKENS)).routes  # not in the OpenAPI document
    pages = [r.path for r in console if isinstance(r, APIRoute) and "GET" in r.methods]
    assert set(api + pages) >= ANSWER_HEAD | {"/buffer/items", "/console/pauses"}
    answered: set[str] = set()
    before = _state(hc)
    for route in api + pages:
        path = _concrete(route, ids)
        head = client.head(path, follow_redirects=False)
        assert head.content == b"", path
        if head.status_code == 405:
            assert head.headers["allow"] == "GET", path
            continue
        answered.add(route)
        assert _state(hc) == before, path
    assert answered == ANSWER_HEAD
    assert _state(hc) == before
    for path in sorted(ANSWER_HEAD):  # and these answer as their GET does
        got = client.get(_concrete(path, ids), follow_redirects=False)
        head = client.head(_concrete(path, ids), follow_redirects=False)
        assert head.status_code == got.status_code, path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
        assert head.headers.get("location") == got.headers.get("location"), path
