"""Every row of the error map, injected under every public entry point, on both stores.

The library error is raised where that library really runs: eventsourcing's
from the recorder's methods, SQLAlchemy's from `Connection.execute` (and
`exec_driver_sql`). Whatever the entry point (the facade, `hc.buffer`,
`hc.pauses`, `hc.month_close`, the audit, `catch_up` and a runner, a CLI
command, an HTTP route), the same HomecareError comes out, with the library
error as its cause and none of its text (D8). A new row of
`homecare._es.error_map.LIBRARY_ERRORS` adds its cases here by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy.exc as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

import homecare.cli.output
from homecare import audit
from homecare._es.error_map import LIBRARY_ERRORS, Translation
from homecare.bootstrap import Homecare, connect
from homecare.cli.app import app as cli_app
from homecare.domain.customer import Customer
from homecare.errors import HomecareError
from homecare.http import create_app
from homecare.http.errors import status_for
from tests.conftest import ACTOR, T0
from tests.http.conftest import CITY, TOKENS

PERSONNUMMER = "191212121212"
EVENTSOURCING, SQLALCHEMY = "eventsourcing", "sqlalchemy"
RECORDER_METHODS = ("insert_events", "select_events", "select_notifications", "max_notification_id")


def library_of(cls: type[Exception]) -> str:
    return cls.__module__.split(".")[0]


def library_error(cls: type[Exception]) -> Exception:
    """An instance of `cls` whose text quotes a personnummer, as a driver's may (D8)."""
    if issubclass(cls, sa.DBAPIError):
        return cls(f"SELECT ... WHERE pnr = '{PERSONNUMMER}'", {}, Exception(PERSONNUMMER))
    return cls(f"failed on row ({PERSONNUMMER},)")


def inject(monkeypatch: pytest.MonkeyPatch, hc: Homecare, error: Exception) -> None:
    """From now on, every call into the library of `error` under `hc` raises it."""

    def fail(*_args: object, **_kwargs: object) -> Any:
        raise error

    if library_of(type(error)) == EVENTSOURCING:
        for name in RECORDER_METHODS:
            monkeypatch.setattr(hc.app.recorder, name, fail)
    else:
        monkeypatch.setattr(Connection, "execute", fail)
        monkeypatch.setattr(Connection, "exec_driver_sql", fail)


@dataclass(frozen=True)
class World:
    hc: Homecare
    url: str
    customer: UUID


@dataclass(frozen=True)
class Outcome:
    """What came out: the error's code, its message (None: a fixed text was shown, as
    HTTP's 503), and its class where the caller holds the error itself."""

    code: str
    message: str | None
    error: type[HomecareError] | None = None


Call = Callable[[World, pytest.MonkeyPatch, Exception], Outcome]


@dataclass(frozen=True)
class EntryPoint:
    """A public way in: `call(world, monkeypatch, error)` injects `error` (after whatever
    it needs to set up) and returns what came out."""

    name: str
    libraries: frozenset[str]
    call: Call


def raised(work: Callable[[World], object]) -> Call:
    def call(world: World, monkeypatch: pytest.MonkeyPatch, error: Exception) -> Outcome:
        inject(monkeypatch, world.hc, error)
        with pytest.raises(HomecareError) as caught:
            work(world)
        assert caught.value.__cause__ is error
        return Outcome(caught.value.code, caught.value.message, type(caught.value))

    return call


def through_the_cli(world: World, monkeypatch: pytest.MonkeyPatch, error: Exception) -> Outcome:
    """`homecare buffer month`, the failure armed once the command has opened the store."""
    opened = homecare.cli.output.connect

    def connect_then_fail(*args: Any, **kwargs: Any) -> Homecare:
        found = opened(*args, **kwargs)
        inject(monkeypatch, found, error)
        return found

    monkeypatch.setattr(homecare.cli.output, "connect", connect_then_fail)
    result = CliRunner().invoke(cli_app, ["--db", world.url, "buffer", "month", "2026-03"])
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    code, message = lines[0].removeprefix("homecare: error: ").split(": ", 1)
    return Outcome(code, message)


def through_http(world: World, monkeypatch: pytest.MonkeyPatch, error: Exception) -> Outcome:
    """GET /buffer/items on an app that catches up before each fetch: the status of the
    mapped error, its code, and its message unless the store failed (a fixed text)."""
    client = TestClient(create_app(world.hc, TOKENS, catch_up_on_fetch=True))
    inject(monkeypatch, world.hc, error)
    response = client.get("/buffer/items", headers=CITY)
    body = response.json()
    assert PERSONNUMMER not in response.text
    mapped = next(r for c, r in LIBRARY_ERRORS.items() if isinstance(error, c)).of(error)
    assert response.status_code == status_for(mapped)
    return Outcome(body["code"], None if response.status_code == 503 else body["detail"])


BOTH = frozenset({EVENTSOURCING, SQLALCHEMY})
ENTRY_POINTS = [
    EntryPoint(
        "facade_command",
        frozenset({EVENTSOURCING}),
        raised(
            lambda w: w.hc.app.register_customer(
                personnummer="19121212-1212", name="T", organisation="O", actor=ACTOR, at=T0
            )
        ),
    ),
    EntryPoint(
        "facade_query",
        frozenset({EVENTSOURCING}),
        raised(lambda w: w.hc.app.get(Customer, w.customer)),
    ),
    EntryPoint("buffer_fetch", frozenset({SQLALCHEMY}), raised(lambda w: w.hc.buffer.fetch())),
    EntryPoint(
        "buffer_month", frozenset({SQLALCHEMY}), raised(lambda w: w.hc.buffer.month(2026, 3))
    ),
    EntryPoint(
        "buffer_problems", frozenset({SQLALCHEMY}), raised(lambda w: w.hc.buffer.problems())
    ),
    EntryPoint(
        "pauses_list",
        frozenset({SQLALCHEMY}),
        raised(
            lambda w: w.hc.pauses.list(
                period_from=date(2026, 3, 1),
                period_to=date(2026, 3, 31),
                now=datetime(2026, 3, 15, tzinfo=UTC),
            )
        ),
    ),
    EntryPoint(
        "month_close_report",
        frozenset({SQLALCHEMY}),
        raised(lambda w: w.hc.month_close.report(2026, 3)),
    ),
    EntryPoint(
        "audit_history",
        frozenset({EVENTSOURCING}),
        raised(lambda w: audit.history(w.hc, w.customer)),
    ),
    EntryPoint("audit_verify", BOTH, raised(lambda w: audit.verify(w.hc))),
    EntryPoint(
        "audit_as_of",
        BOTH,
        raised(lambda w: audit.as_of(w.hc, w.customer, datetime(2026, 3, 15, tzinfo=UTC))),
    ),
    EntryPoint("catch_up", BOTH, raised(lambda w: w.hc.catch_up())),
    EntryPoint("runner_lag", BOTH, raised(lambda w: w.hc.runners[0].lag())),
    EntryPoint("cli_buffer_month", BOTH, through_the_cli),
    EntryPoint("http_buffer_items", BOTH, through_http),
]
CASES = [
    pytest.param(entry, cls, row, id=f"{entry.name}-{cls.__name__}")
    for entry in ENTRY_POINTS
    for cls, row in sorted(LIBRARY_ERRORS.items(), key=lambda item: item[0].__name__)
    if library_of(cls) in entry.libraries
]


@pytest.fixture
def world(store_url: str) -> Iterator[World]:
    with connect(store_url) as hc:
        customer = hc.app.register_customer(
            personnummer="19121212-1212", name="Tolvan", organisation="Norr", actor=ACTOR, at=T0
        )
        yield World(hc, store_url, customer)


def test_every_library_is_injected_somewhere() -> None:
    assert {library_of(cls) for cls in LIBRARY_ERRORS} <= BOTH


@pytest.mark.parametrize(("entry", "cls", "row"), CASES)
def test_a_library_error_under_an_entry_point_comes_out_mapped(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    entry: EntryPoint,
    cls: type[Exception],
    row: Translation,
) -> None:
    error = library_error(cls)
    found = entry.call(world, monkeypatch, error)
    expected = row.of(error)
    assert found.code == expected.code
    if found.message is not None:
        assert found.message == expected.message
        assert PERSONNUMMER not in found.message
    if found.error is not None:
        assert found.error is row.error
