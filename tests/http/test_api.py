"""The API over a real socket, on SQLite and PostgreSQL: the city's drain, auth, errors, load."""

from __future__ import annotations

import logging
import threading
from typing import Any

import httpx
import pytest
import sqlalchemy.exc
from eventsourcing.persistence import OperationalError as EventStoreOperationalError
from fastapi import FastAPI
from pydantic import BaseModel

from homecare.bootstrap import Homecare
from homecare.domain.payment_run import FIRST_PAID_MONTH, LAST_PAID_MONTH
from homecare.errors import StorageError
from homecare.http import create_app
from homecare.outbox.cursor import parse_cursor
from homecare.outbox.messages import FetchResult
from homecare.outbox.store import FetchPage
from tests.http.conftest import (
    CITY,
    DRAIN_SECRET,
    OPS,
    READ_SECRET,
    TOKENS,
    Live,
    fill,
    scenario_45,
)
from tests.http.server import serving
from tests.scenario import Scenario, pnr

PROTECTED = [
    "/buffer/items",
    "/buffer/month/2026-03",
    "/buffer/problems",
    "/buffer/deadline",
    "/buffer/month-report/2026-03",
]


def drain(client: httpx.Client, limit: int = 20) -> tuple[list[int], list[dict[str, Any]], str]:
    """Fetch until an empty batch, as the city does (R3)."""
    sizes: list[int] = []
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    for _ in range(100):
        response = client.get("/buffer/items", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        params["after"] = body["cursor"]
        if not body["items"]:
            return sizes, items, body["cursor"]
        sizes.append(len(body["items"]))
        items.extend(body["items"])
    raise AssertionError("the drain did not end")


def test_r3_r4_r5_scenario_through_http_20_20_2_then_the_month_shows_the_3_held(
    hc: Homecare, live: Live
) -> None:
    held = scenario_45(hc)
    with live.client(CITY) as city, live.client(OPS) as ops:
        sizes, items, cursor = drain(city)
        assert sizes == [20, 20, 2]
        assert len({i["message_id"] for i in items}) == 42
        assert not held & {i["assignment_id"] for i in items}
        assert [i["position"] for i in items] == sorted(i["position"] for i in items)
        FetchResult.model_validate({"items": items, "cursor": cursor})
        assert hc.buffer.delivered_position() == parse_cursor(cursor).position

        month = ops.get("/buffer/month/2026-03")
        assert month.status_code == 200
        assert {v["assignment_id"] for v in month.json()} == {str(h) for h in held}
        assert all(v["status"] == "held" for v in month.json())
        assert all(v["reasons"] == ["staff_missing_sd_number"] for v in month.json())
        problems = ops.get("/buffer/problems").json()
        assert [p["reason"] for p in problems] == ["staff_missing_sd_number"]
        assert len(problems[0]["items"]) == 3
        assert ops.get("/buffer/month/2026-02").json() == []


def test_the_body_is_the_librarys_fetch_result_as_json(hc: Homecare, live: Live) -> None:
    fill(hc, 3, customers=3)
    with live.client(CITY) as city:
        response = city.get("/buffer/items", params={"limit": 2})
    body = response.json()
    again = hc.buffer.fetch(after=None, limit=2)
    assert FetchResult.model_validate(body) == again
    assert body == again.model_dump(mode="json")
    # Byte for byte what FastAPI serialised from the model before the stored bytes were served.
    assert response.content == again.model_dump_json().encode()
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-length"] == str(len(response.content))


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-secret-0123456789abcdef"},
        {"Authorization": f"Bearer {DRAIN_SECRET}x"},
        {"Authorization": f"Basic {DRAIN_SECRET}"},
        {"Authorization": "Bearer"},
    ],
    ids=["none", "wrong", "longer", "not-bearer", "empty"],
)
def test_401_without_a_valid_token_and_no_data(
    live_sqlite: Live, path: str, headers: dict[str, str]
) -> None:
    live, hc = live_sqlite, live_sqlite.hc
    fill(hc, 2, customers=2)
    with live.client(headers) as client:
        response = client.get(path)
    assert response.status_code == 401
    assert response.json() == {"detail": "A valid bearer token is required."}
    assert response.headers["www-authenticate"] == "Bearer"
    assert hc.buffer.delivered_position() == 0


def test_403_a_read_only_token_may_not_drain_and_acknowledges_nothing(
    hc: Homecare, live: Live
) -> None:
    fill(hc, 3, customers=3)
    with live.client(CITY) as city, live.client(OPS) as ops:
        first = city.get("/buffer/items", params={"limit": 1}).json()
        response = ops.get("/buffer/items", params={"after": first["cursor"]})
        assert response.status_code == 403
        assert set(response.json()) == {"detail"}
        assert hc.buffer.delivered_position() == 0
        assert ops.get("/buffer/month/2026-03").status_code == 200
        assert ops.get("/buffer/problems").status_code == 200


def test_r14_deadline_and_month_report_with_a_read_token(hc: Homecare, live: Live) -> None:
    fill(hc, 3, customers=3)
    with live.client(OPS) as ops:
        deadline = ops.get("/buffer/deadline", params={"month": "2026-03"})
        assert deadline.status_code == 200, deadline.text
        body = deadline.json()
        assert (body["month"], body["run_at"]) == ("2026-03", "2026-04-06T10:00:00+02:00")
        assert (body["status"], body["not_delivered"]) == ("late", 3)  # the run has passed
        assert [g["reason"] for g in body["groups"]] == ["queued"]
        report = ops.get("/buffer/month-report/2026-03").json()
        assert report["total"]["visits_queued"] == 3
        assert ops.get("/buffer/deadline", params={"month": "2026-3"}).status_code == 422
        assert ops.get("/buffer/deadline", params={"moth": "2026-03"}).status_code == 422
        assert ops.get("/buffer/deadline").json()["month"] >= "2026-11"


def test_health_needs_no_token_and_reports_lag_in_events(hc: Homecare, live: Live) -> None:
    world = Scenario(hc.app)
    world.customer()
    with live.client() as client:
        before = client.get("/health")
        hc.catch_up()
        after = client.get("/health")
    assert before.status_code == 200
    assert before.json()["store_reachable"] is True
    assert before.json()["lag"] > 0
    assert set(before.json()["projections"]) == {r.name for r in hc.runners}
    assert after.json() == {
        "status": "ok",
        "store_reachable": True,
        "lag": 0,
        "projections": {r.name: 0 for r in hc.runners},
        "stopped": [],
        "problem": None,
    }


BAD_INPUT = [
    ("/buffer/items?after=abc", ["query", "after"]),
    ("/buffer/items?after=-1", ["query", "after"]),
    ("/buffer/items?after=1.5", ["query", "after"]),
    ("/buffer/items?after=", ["query", "after"]),
    ("/buffer/items?after=%C2%B2", ["query", "after"]),
    ("/buffer/items?after=" + "9" * 19, ["query", "after"]),
    ("/buffer/items?after=999", ["query", "after"]),
    ("/buffer/items?limit=0", ["query", "limit"]),
    ("/buffer/items?limit=501", ["query", "limit"]),
    ("/buffer/items?limit=-3", ["query", "limit"]),
    ("/buffer/items?limit=ten", ["query", "limit"]),
    ("/buffer/items?limit=2.5", ["query", "limit"]),
    # digits only: pydantic's lax mode would read each of these as 20
    ("/buffer/items?limit=20.0", ["query", "limit"]),
    ("/buffer/items?limit=%2B20", ["query", "limit"]),
    ("/buffer/items?limit=2_0", ["query", "limit"]),
    ("/buffer/items?limit=%2020", ["query", "limit"]),
    ("/buffer/month/2026-13", ["path", "month"]),
    ("/buffer/month/2026-00", ["path", "month"]),
    ("/buffer/month/0001-01", ["path", "month"]),
    ("/buffer/month/2026-3", ["path", "month"]),
    ("/buffer/month/26-03", ["path", "month"]),
    ("/buffer/month/march", ["path", "month"]),
    ("/buffer/month/1899-12", ["path", "month"]),
    ("/buffer/items?afer=3", ["query", "afer"]),
    ("/buffer/items?cursor=3&limit=5", ["query", "cursor"]),
    ("/buffer/month/2026-03?month=2026-04", ["query", "month"]),
    ("/buffer/problems?reason=x", ["query", "reason"]),
    # given empty is not "not given" (the month due next, the first page of 20)
    ("/buffer/deadline?month=", ["query", "month"]),
    ("/buffer/deadline?month=%20", ["query", "month"]),
    ("/buffer/items?limit=", ["query", "limit"]),
    # R14: no run in a year whose holidays the calendar does not know (6 Jan 2101)
    (f"/buffer/deadline?month={LAST_PAID_MONTH.next()}", ["query", "month"]),
    (f"/buffer/deadline?month={FIRST_PAID_MONTH.previous()}", ["query", "month"]),
    (f"/buffer/month-report/{LAST_PAID_MONTH.next()}", ["path", "month"]),
]


@pytest.mark.parametrize(("path", "loc"), BAD_INPUT, ids=[p for p, _ in BAD_INPUT])
def test_422_for_bad_input_in_the_pydantic_error_shape(
    live_sqlite: Live, path: str, loc: list[str]
) -> None:
    live, hc = live_sqlite, live_sqlite.hc
    fill(hc, 2, customers=2)
    with live.client(CITY) as city:
        response = city.get(path)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert [e["loc"] for e in detail] == [loc]
    assert all(set(e) == {"type", "loc", "msg"} and e["msg"] for e in detail)
    assert hc.buffer.delivered_position() == 0
    if loc == ["query", "limit"] and "limit=2" in path and path != "/buffer/items?limit=2.5":
        assert [e["type"] for e in detail] == ["whole_number"]  # a stable code


def test_422_for_an_unknown_cursor_says_what_to_send(hc: Homecare, live: Live) -> None:
    fill(hc, 2, customers=2)
    with live.client(CITY) as city:
        detail = city.get("/buffer/items?after=3").json()["detail"]
    assert detail == [
        {
            "type": "invalid_cursor",
            "loc": ["query", "after"],
            "msg": "Unknown cursor 3: the buffer has no position beyond 2. "
            "Send the cursor of your last fetch.",
        }
    ]


def test_d3_concurrent_fetches_with_one_cursor_get_the_same_items_and_the_mark_only_rises(
    hc: Homecare, live: Live
) -> None:
    fill(hc, 24)
    cursors = [None, "4", "8", "8", "8", "8", "12", "4", "8", "0"]
    results: dict[int, dict[str, Any]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(len(cursors))

    def fetch(n: int, after: str | None) -> None:
        try:
            with live.client(CITY) as city:
                start.wait(timeout=30)
                params = {"limit": 5} | ({"after": after} if after else {})
                response = city.get("/buffer/items", params=params)
                assert response.status_code == 200, response.text
                results[n] = response.json()
        except BaseException as error:  # pragma: no cover - asserted below
            errors.append(error)

    threads = [threading.Thread(target=fetch, args=(n, c)) for n, c in enumerate(cursors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    same = [results[n] for n, c in enumerate(cursors) if c == "8"]
    assert len(same) == 5
    assert all(r == same[0] for r in same)
    assert [i["position"] for i in same[0]["items"]] == [9, 10, 11, 12, 13]
    assert hc.buffer.delivered_position() == 12
    with live.client(CITY) as city:
        city.get("/buffer/items", params={"after": "4"})
    assert hc.buffer.delivered_position() == 12


def test_one_slow_fetch_does_not_block_other_requests(sqlite_hc: Homecare) -> None:
    hc = sqlite_hc
    fill(hc, 2, customers=2)
    entered, release = threading.Event(), threading.Event()
    real = hc.buffer.fetch_page  # what the endpoint calls

    def slow(*args: Any, **kwargs: Any) -> FetchPage:
        entered.set()
        release.wait(30)
        return real(*args, **kwargs)

    hc.buffer.fetch_page = slow  # type: ignore[method-assign]
    with serving(create_app(hc, TOKENS)) as url:
        result: list[int] = []
        slow_call = threading.Thread(
            target=lambda: result.append(httpx.get(f"{url}/buffer/items", headers=CITY).status_code)
        )
        slow_call.start()
        assert entered.wait(30)
        assert httpx.get(f"{url}/health").status_code == 200
        assert httpx.get(f"{url}/buffer/problems", headers=OPS).status_code == 200
        release.set()
        slow_call.join(30)
    assert result == [200]


def test_catch_up_on_fetch_projects_new_events_first(hc: Homecare) -> None:
    world = Scenario(hc.app)
    world.visit(world.customer(), world.staff())
    with serving(create_app(hc, TOKENS, catch_up_on_fetch=True)) as url:
        body = httpx.get(f"{url}/buffer/items", headers=CITY).json()
    assert len(body["items"]) == 1


def test_a_host_mounts_the_app_under_a_prefix(hc: Homecare) -> None:
    fill(hc, 2, customers=2)
    host = FastAPI()
    host.mount("/homecare", create_app(hc, TOKENS))
    with serving(host) as url:
        body = httpx.get(f"{url}/homecare/buffer/items", headers=CITY).json()
        schema = httpx.get(f"{url}/homecare/openapi.json").json()
        unauthorised = httpx.get(f"{url}/homecare/buffer/items")
    assert len(body["items"]) == 2
    assert "/buffer/items" in schema["paths"]
    assert unauthorised.status_code == 401


# -- failures: 503 for the store, 500 for a bug, and never personal data ------------


def _failing(error: BaseException) -> Any:
    def fail(*_args: object, **_kwargs: object) -> Any:
        raise error

    return fail


PERSONNUMMER = pnr(3).replace("-", "")
STORAGE_FAILURES = [
    StorageError("Cannot reach the store at postgresql://db/homecare."),
    EventStoreOperationalError(f"server closed the connection; params ({PERSONNUMMER},)"),
    sqlalchemy.exc.OperationalError("SELECT ... WHERE pnr = %s", (PERSONNUMMER,), Exception()),
    sqlalchemy.exc.TimeoutError(f"QueuePool limit reached ({PERSONNUMMER})"),
]


@pytest.mark.parametrize("error", STORAGE_FAILURES, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("route", ["fetch_page", "month", "problems"])  # fetch_page: /items
def test_503_when_the_store_fails_with_no_detail_leaked(
    sqlite_hc: Homecare, caplog: pytest.LogCaptureFixture, error: BaseException, route: str
) -> None:
    hc = sqlite_hc
    # below the boundary (the public method's own step), as a driver's error would arise
    setattr(hc.buffer, "_fetch_args" if route == "fetch_page" else "_read", _failing(error))
    path = {"fetch_page": "/buffer/items", "month": "/buffer/month/2026-03"}.get(
        route, "/buffer/problems"
    )
    with caplog.at_level(logging.DEBUG), serving(create_app(hc, TOKENS)) as url:
        response = httpx.get(f"{url}{path}", headers=CITY)
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The store is unavailable; try again later.",
        "code": "storage_error",
    }
    assert PERSONNUMMER not in caplog.text
    assert "storage" in caplog.text


def test_health_is_503_when_the_store_is_unreachable(sqlite_hc: Homecare) -> None:
    hc = sqlite_hc
    for runner in hc.runners:
        # below `lag`'s boundary: the read it makes
        runner.position = _failing(sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception()))  # type: ignore[method-assign]
    with serving(create_app(hc, TOKENS)) as url:
        response = httpx.get(f"{url}/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "store_reachable": False,
        "lag": None,
        "projections": {},
        "stopped": [],
        "problem": "storage_error",
    }


class _Strict(BaseModel):
    customer_personnummer: int


def test_a_bug_is_a_500_logged_by_type_and_frames_without_personal_data(
    sqlite_hc: Homecare, caplog: pytest.LogCaptureFixture
) -> None:
    hc = sqlite_hc
    try:
        _Strict.model_validate({"customer_personnummer": f"{PERSONNUMMER}x"})
    except Exception as error:
        bug = error
    hc.buffer.problems = _failing(bug)  # type: ignore[method-assign]
    with caplog.at_level(logging.DEBUG), serving(create_app(hc, TOKENS)) as url:
        response = httpx.get(f"{url}/buffer/problems", headers=OPS)
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal error; the operator's log has the details."}
    assert PERSONNUMMER not in response.text
    assert PERSONNUMMER not in caplog.text
    assert "pydantic_core._pydantic_core.ValidationError" in caplog.text


def test_secrets_are_never_logged(sqlite_hc: Homecare, caplog: pytest.LogCaptureFixture) -> None:
    hc = sqlite_hc
    fill(hc, 2, customers=2)
    with caplog.at_level(logging.DEBUG), serving(create_app(hc, TOKENS)) as url:
        items = httpx.get(f"{url}/buffer/items", headers=CITY).json()["items"]
        httpx.get(f"{url}/buffer/items", headers=OPS)
        httpx.get(f"{url}/buffer/items", headers={"Authorization": "Bearer guessed-secret-123456"})
    assert "city fetched 2 items" in caplog.text
    for secret in (DRAIN_SECRET, READ_SECRET, "guessed-secret-123456"):
        assert secret not in caplog.text
    personal = {i[k] for i in items for k in ("customer_personnummer", "staff_personnummer")}
    assert len(personal) == 3
    assert not any(p in caplog.text for p in personal)


def test_a_library_error_that_escaped_every_boundary_is_a_bug_not_a_503(
    sqlite_hc: Homecare, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 12: HTTP handles only HomecareErrors; the boundaries map the rest, so a raw
    driver error here means a missing boundary: the last resort answers it as a bug."""
    hc = sqlite_hc
    raw = sqlalchemy.exc.OperationalError("SELECT", (PERSONNUMMER,), Exception())
    hc.buffer.problems = _failing(raw)  # type: ignore[method-assign]
    with caplog.at_level(logging.DEBUG), serving(create_app(hc, TOKENS)) as url:
        response = httpx.get(f"{url}/buffer/problems", headers=OPS)
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal error; the operator's log has the details."}
    assert PERSONNUMMER not in caplog.text
