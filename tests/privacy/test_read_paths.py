"""R17 (issue 15 item 3): every public read path of personal data records who read whom,
what and why, in the same store; the access log of a scripted scenario is exactly the
expected entries, and holds no personal data. Both stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from homecare.audit import as_of, history
from homecare.bootstrap import Homecare
from homecare.cli.app import app as cli_app
from homecare.domain.contract import Contract
from homecare.domain.customer import Customer
from homecare.domain.pause import Pause
from homecare.domain.staff import Staff
from homecare.errors import InvalidInputError, NotFoundError
from homecare.http import ApiToken, create_app
from homecare.privacy import access_log
from tests.scenario import Scenario, local

CITY_SECRET = "city-drain-secret-0123456789abcdef"
TOKENS = [ApiToken("city", CITY_SECRET, can_drain=True)]
CITY = {"Authorization": f"Bearer {CITY_SECRET}"}
NAME, STAFF_NAME, REASON = "Tolvan Tolvansson", "Anna Andersson", "Sjukhus efter fall"
CUSTOMER, STAFF = "customer", "staff"

Row = tuple[str, UUID, str, str, str, str]


@dataclass(frozen=True)
class World:
    customer: UUID
    contract: UUID
    staff: UUID
    pause: UUID
    personnummer: str
    at: datetime


@pytest.fixture
def world(hc: Homecare) -> World:
    """A customer and a staff member, a confirmed visit on 2026-03-02, a hospital pause."""
    s = Scenario(hc.app)
    c = s.customer(name=NAME, organisation="Team Norr")
    k = s.staff(name=STAFF_NAME)
    s.visit(c, k, day=date(2026, 3, 2))
    p = s.pause("customer", c.id, local(2026, 3, 10), local(2026, 3, 12), reason_text=REASON)
    hc.catch_up()
    number = hc.app.get(Customer, c.id).personnummer.value
    _forget(hc)  # the setup's own reads are not the scenario's
    return World(c.id, c.contract, k, p, number, s.at)


def _forget(hc: Homecare) -> None:
    with hc.database.write_engine.begin() as conn:
        conn.execute(access_log.delete())


def logged(hc: Homecare) -> list[Row]:
    return [
        (e.reader, e.subject_id, e.subject_kind.value, e.what, e.purpose, e.channel.value)
        for e in hc.access.entries()
    ]


def cli(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli_app, ["--db", url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_access_log_of_a_scripted_scenario_is_exactly_the_reads(
    hc: Homecare, store_url: str, world: World
) -> None:
    c, k = world.customer, world.staff
    hc.app.get(Customer, c, reader="karin", purpose="phone call from the customer")
    hc.app.get(Staff, k)  # a host's call as before: reader "host"
    hc.app.get(Contract, world.contract, reader="karin")  # no personal data: nothing
    hc.app.get_as_of(Pause, world.pause, world.at, reader="karin", purpose="planning")
    history(hc, c, reader="ulla", purpose="complaint 2026-17")
    as_of(hc, c, local(2026, 3, 3), reader="ulla", purpose="complaint 2026-17")
    cli(
        store_url,
        "--reader",
        "olle",
        "pauses",
        "list",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--inactive",
    )
    cli(store_url, "--reader", "olle", "--purpose", "month check", "buffer", "month", "2026-03")
    cli(store_url, "--reader", "olle", "audit", "history", "--customer", str(c))
    client = TestClient(create_app(hc, TOKENS))
    first = client.get("/buffer/items", headers=CITY)
    assert first.status_code == 200
    assert len(first.json()["items"]) == 2
    again = client.get("/buffer/items", params={"after": first.json()["cursor"]}, headers=CITY)
    assert again.json()["items"] == []  # nothing fetched: nothing read

    assert logged(hc) == [
        ("karin", c, CUSTOMER, "customer", "phone call from the customer", "facade"),
        ("host", k, STAFF, "staff", "host application", "facade"),
        ("karin", c, CUSTOMER, "pause", "planning", "facade"),
        ("ulla", c, CUSTOMER, "history", "complaint 2026-17", "audit"),
        ("ulla", c, CUSTOMER, "as_of", "complaint 2026-17", "audit"),
        ("ulla", k, STAFF, "as_of", "complaint 2026-17", "audit"),
        ("olle", c, CUSTOMER, "pauses_list", "homecare pauses list", "cli"),
        ("olle", c, CUSTOMER, "buffer_month", "month check", "cli"),
        ("olle", k, STAFF, "buffer_month", "month check", "cli"),
        ("olle", c, CUSTOMER, "history", "homecare audit history", "cli"),
        ("city", c, CUSTOMER, "fetch", "the city's poll", "http"),
        ("city", k, STAFF, "fetch", "the city's poll", "http"),
    ]
    assert {e.at.tzinfo is not None for e in hc.access.entries()} == {True}


def test_the_access_log_holds_no_personal_data(hc: Homecare, store_url: str, world: World) -> None:
    hc.app.get(Customer, world.customer, reader="karin")
    as_of(hc, world.customer, local(2026, 3, 3), reader="ulla")
    cli(
        store_url,
        "--reader",
        "olle",
        "pauses",
        "list",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--inactive",
    )
    TestClient(create_app(hc, TOKENS)).get("/buffer/items", headers=CITY)
    with hc.database.engine.connect() as conn:
        rows = conn.execute(select(access_log)).all()
    text = repr(rows)
    assert len(rows) >= 5
    digits = world.personnummer.replace("-", "")
    for personal in (NAME, STAFF_NAME, REASON, "Team Norr", world.personnummer, digits[-4:] + "'"):
        assert personal not in text


def test_a_facade_read_records_only_what_it_found(hc: Homecare, world: World) -> None:
    with pytest.raises(NotFoundError):
        hc.app.get(Customer, world.staff, reader="karin")  # a staff id: not found
    assert hc.app.get_as_of(Customer, world.customer, local(2020, 1, 1), reader="k") is None
    assert logged(hc) == []
    with pytest.raises(InvalidInputError, match="reader"):
        hc.app.get(Customer, world.customer, reader="")
    assert logged(hc) == []


def test_a_read_whose_entry_cannot_be_written_fails_and_shows_nothing(
    hc: Homecare, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from homecare.errors import StorageError
    from homecare.privacy import AccessLog

    def broken(*_args: object, **_kwargs: object) -> int:
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(AccessLog, "record", broken)
    with pytest.raises(StorageError, match="access-log entry"):
        hc.app.get(Customer, world.customer, reader="karin")
    with pytest.raises(StorageError, match="access-log entry"):
        history(hc, world.customer, reader="ulla")
    client = TestClient(create_app(hc, TOKENS), raise_server_exceptions=False)
    response = client.get("/buffer/items", headers=CITY)
    assert response.status_code == 503
    assert NAME not in response.text
    assert world.personnummer not in response.text
    monkeypatch.undo()
    retried = client.get("/buffer/items", headers=CITY)  # the same items, now logged
    assert len(retried.json()["items"]) == 2
    assert [row[3] for row in logged(hc)] == ["fetch", "fetch"]


def test_cli_reads_are_the_os_users_with_the_commands_purpose(
    hc: Homecare, store_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "os-user")
    cli(store_url, "buffer", "problems")  # nothing held: no subject shown
    cli(store_url, "assignments", "list", "--customer", str(world.customer))
    cli(store_url, "audit", "as-of", "2026-03-03", "--customer", str(world.customer))
    cli(store_url, "buffer", "fetch")
    c, k = world.customer, world.staff
    assert logged(hc) == [
        ("os-user", c, CUSTOMER, "assignments_list", "homecare assignments list", "cli"),
        ("os-user", k, STAFF, "assignments_list", "homecare assignments list", "cli"),
        ("os-user", c, CUSTOMER, "as_of", "homecare audit as-of", "cli"),
        ("os-user", k, STAFF, "as_of", "homecare audit as-of", "cli"),
        ("os-user", c, CUSTOMER, "buffer_fetch", "homecare buffer fetch", "cli"),
        ("os-user", k, STAFF, "buffer_fetch", "homecare buffer fetch", "cli"),
    ]


def test_http_views_record_the_tokens_reads(hc: Homecare, world: World) -> None:
    client = TestClient(create_app(hc, TOKENS))
    assert client.get("/buffer/month/2026-03", headers=CITY).status_code == 200
    assert client.get("/buffer/month/2026-05", headers=CITY).json() == []
    c, k = world.customer, world.staff
    purpose = "operator view: buffer month"
    assert logged(hc) == [
        ("city", c, CUSTOMER, "buffer_month", purpose, "http"),
        ("city", k, STAFF, "buffer_month", purpose, "http"),
    ]


@pytest.fixture
def console(hc: Homecare) -> TestClient:
    nurse = ApiToken("nurse", "ops-personal-secret-0123456789", can_see_personal=True)
    client = TestClient(create_app(hc, [nurse]))  # the default hook: the access log
    signed = client.post(
        "/console/sign-in",
        data={"token": nurse.secret, "next": "/console/"},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    return client


def test_console_pages_record_the_signed_in_viewers_views_only(
    hc: Homecare, world: World, console: TestClient
) -> None:
    c, k = world.customer, world.staff
    assert console.get(f"/console/customers/{c}").status_code == 200
    assert console.get(f"/console/staff/{k}").status_code == 200
    assert console.get(f"/console/staff/{c}").status_code == 404  # nothing read
    assert logged(hc) == [  # the unmasked views; the pages' own loads are not facade reads
        ("nurse", c, CUSTOMER, "view", "console customer", "console"),
        ("nurse", k, STAFF, "view", "console staff", "console"),
    ]


def test_a_malformed_purpose_is_refused_before_reading(hc: Homecare, world: World) -> None:
    with pytest.raises(InvalidInputError, match="purpose"):
        history(hc, world.customer, reader="ulla", purpose="x" * 201)
    assert logged(hc) == []
