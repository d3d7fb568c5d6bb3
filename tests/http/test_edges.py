"""Issue 11, item 6: every bad input to the HTTP API is an input error, on a real socket.

Examples of the kind with the right value: the last month of the calendar
(formerly 500), a repeated query parameter (formerly: the last one won), HEAD
on every GET route free of effects (formerly 405; the routes with effects refuse
it, tests/http/test_head.py), two Authorization headers (formerly: the first one
won), a query parameter on /metrics (formerly ignored).
"""

from __future__ import annotations

import pytest

from homecare.bootstrap import Homecare
from tests.http.conftest import CITY, DRAIN_SECRET, READ_SECRET, Live, fill

HEAD_ROUTES = ["/health", "/health/live", "/buffer/month-report/2026-03"]  # fixed lengths


def test_the_last_month_of_the_calendar_is_a_month(hc: Homecare, live: Live) -> None:
    fill(hc, 2, customers=2)
    with live.client(CITY) as city:
        assert city.get("/buffer/month/9999-12").json() == []
        assert len(city.get("/buffer/month/2026-03").json()) == 2


@pytest.mark.parametrize(
    "path",
    [
        "/buffer/items?after=1&after=4",
        "/buffer/items?limit=1&limit=1",
        "/buffer/items?after=1&limit=2&after=1",
        "/buffer/month/2026-03?x=1&x=2",
        "/buffer/problems?x=1&x=1",
        "/health?x=1&x=2",
    ],
)
def test_a_repeated_query_parameter_is_422_and_acknowledges_nothing(
    live_sqlite: Live, path: str
) -> None:
    fill(live_sqlite.hc, 6, customers=2)
    with live_sqlite.client(CITY) as city:
        response = city.get(path)
    assert response.status_code == 422, response.text
    repeated = [e for e in response.json()["detail"] if e["type"] == "repeated_parameter"]
    assert repeated
    assert repeated[0]["loc"][0] == "query"
    assert live_sqlite.hc.buffer.delivered_position() == 0


@pytest.mark.parametrize("path", ["/health", "/health/live", "/health/ready", "/metrics"])
@pytest.mark.parametrize("name", ["verbose", "name[]"])
def test_an_unknown_parameter_on_health_and_metrics_is_422(
    live_sqlite: Live, path: str, name: str
) -> None:
    with live_sqlite.client() as anyone:
        response = anyone.get(path, params={name: "homecare_up"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", name]


@pytest.mark.parametrize(
    "path",
    [
        "/buffer/items",
        "/buffer/month/2026-03",
        "/buffer/problems",
        "/buffer/deadline",
        "/buffer/month-report/2026-03",
    ],
)
@pytest.mark.parametrize(
    "secrets", [(READ_SECRET, DRAIN_SECRET), (DRAIN_SECRET, READ_SECRET), (DRAIN_SECRET,) * 2]
)
def test_two_authorization_headers_are_400_and_acknowledge_nothing(
    live_sqlite: Live, path: str, secrets: tuple[str, str]
) -> None:
    fill(live_sqlite.hc, 2, customers=2)
    headers = [("Authorization", f"Bearer {secret}") for secret in secrets]
    with live_sqlite.client() as client:
        response = client.get(path, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "Send one Authorization header; this request had several.",
        "code": "repeated_header",
    }
    assert live_sqlite.hc.buffer.delivered_position() == 0


@pytest.mark.parametrize("path", HEAD_ROUTES)
def test_head_answers_like_get_without_a_body(live_sqlite: Live, path: str) -> None:
    fill(live_sqlite.hc, 2, customers=2)
    with live_sqlite.client(CITY) as city:
        got = city.get(path)
        head = city.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"]


def test_head_without_a_token_is_401_like_get(live_sqlite: Live) -> None:
    with live_sqlite.client() as anyone:
        assert anyone.head("/buffer/month-report/2026-03").status_code == 401
        assert anyone.head("/nowhere").status_code == 404


@pytest.mark.parametrize("path", ["/buffer/items", "/buffer/problems", "/console/problems"])
def test_head_where_the_get_has_effects_is_405_on_a_real_socket(
    live_sqlite: Live, path: str
) -> None:
    fill(live_sqlite.hc, 2, customers=2)
    with live_sqlite.client(CITY) as city:
        head = city.head(path)
    assert (head.status_code, head.headers["allow"], head.content) == (405, "GET", b"")
    assert live_sqlite.hc.buffer.delivered_position() == 0
    assert live_sqlite.hc.access.entries() == []
