"""D8: with a cipher key, no personnummer is readable in the database.

The raw bytes are read past the library: on SQLite the database files on disk
and the `stored_events` table through sqlite3; on PostgreSQL the
`homecare_events` table and every other table through psycopg. Without a key
the same checks find the number, so these tests can fail.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from eventsourcing.cipher import AESCipher
from psycopg import sql
from sqlalchemy.engine import make_url

from homecare.application import HomecareApplication
from homecare.bootstrap import Homecare, connect
from homecare.domain import Customer, Staff
from homecare.errors import HomecareError, StorageError
from tests.domain.pnr import VALID, VALID_STAFF, assert_not_shown, forms
from tests.scenario import ACTOR, HOUR, T0, pair

SQLITE_EVENTS_TABLE = "stored_events"  # eventsourcing.sqlite's default
POSTGRES_EVENTS_TABLE = "homecare_events"  # eventsourcing.postgres: f"{app name}_events"


def plain_postgres(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    assert database
    return Path(database)


def raw_event_states(url: str) -> list[bytes]:
    """The `state` column of every stored event, as stored."""
    if url.startswith("sqlite"):
        with sqlite3.connect(sqlite_path(url)) as conn:
            rows = conn.execute(f"SELECT state FROM {SQLITE_EVENTS_TABLE}").fetchall()
    else:
        with psycopg.connect(plain_postgres(url)) as conn:
            rows = conn.execute(
                sql.SQL("SELECT state FROM {}").format(sql.Identifier(POSTGRES_EVENTS_TABLE))
            ).fetchall()
    return [bytes(row[0]) for row in rows]


def raw_database(url: str) -> bytes:
    """Everything the database holds: the files on disk, or every row of every table."""
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))
    chunks: list[bytes] = []
    with psycopg.connect(plain_postgres(url)) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        for (table,) in tables:
            for row in conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value))
                    else:
                        chunks.append(str(value).encode())
    return b"\n".join(chunks)


def found(number: str, haystack: bytes | list[bytes]) -> list[str]:
    """Which written forms of `number` occur in the raw data."""
    blobs = haystack if isinstance(haystack, list) else [haystack]
    return [form for form in forms(number) if any(form.encode() in blob for blob in blobs)]


def register_people(hc: Homecare) -> tuple[UUID, UUID]:
    return register_people_with(hc.app)


def register_people_with(app: HomecareApplication) -> tuple[UUID, UUID]:
    customer = app.register_customer(
        personnummer=VALID, name="Tolvan", organisation="Team Norr", actor=ACTOR, at=T0
    )
    staff = app.register_staff(
        name="Anna", personnummer=VALID_STAFF, sd_number="SD-1", actor=ACTOR, at=T0
    )
    return customer, staff


@pytest.fixture
def key() -> str:
    return AESCipher.create_key(32)


def test_D8_with_a_key_no_personnummer_is_in_the_stored_events(store_url: str, key: str) -> None:
    with connect(store_url, cipher_key=key) as hc:
        register_people(hc)
        states = raw_event_states(store_url)
        assert len(states) == 2
        assert found(VALID, states) == []
        assert found(VALID_STAFF, states) == []
        assert not any(b"Tolvan" in state for state in states)
    assert found(VALID, raw_database(store_url)) == []
    assert found(VALID_STAFF, raw_database(store_url)) == []


def test_D8_without_a_key_the_same_check_finds_the_personnummer(store_url: str) -> None:
    """The control: proves that the check above can fail. Since issue 15 the store
    seals personal fields with the subject's key even without a cipher key, so the
    events are written as a store before that did (an event store wired without
    subject keys); the buffer holds the number too without a key."""
    with connect(store_url) as hc:
        before_sealing = HomecareApplication(
            hc.settings.eventsourcing_environment(),
            connect_kwargs=None if hc.settings.is_sqlite else hc.settings.postgres_connect_kwargs(),
        )
        try:
            customer, staff = register_people_with(before_sealing)
        finally:
            before_sealing.close()
        assert VALID in found(VALID, raw_event_states(store_url))
        assert VALID_STAFF in found(VALID_STAFF, raw_event_states(store_url))
        hc.catch_up()
        assert hc.app.get(Customer, customer).personnummer.value == VALID  # clear reads back
        assert hc.app.get(Staff, staff).name == "Anna"
    assert VALID in found(VALID, raw_database(store_url))


def test_D8_with_a_key_reopening_reads_the_people_back(store_url: str, key: str) -> None:
    with connect(store_url, cipher_key=key) as hc:
        customer, staff = register_people(hc)
    with connect(store_url, cipher_key=key) as hc:
        assert hc.app.get(Customer, customer).personnummer.value == VALID
        personnummer = hc.app.get(Staff, staff).personnummer
        assert personnummer is not None
        assert personnummer.value == VALID_STAFF


def test_D8_with_a_key_the_whole_database_holds_no_personnummer_after_projecting(
    store_url: str, key: str
) -> None:
    """Read models and the integration buffer hold personal data too: sealed as well."""
    with connect(store_url, cipher_key=key) as hc:
        w = pair(hc.app)
        visit = w.visit("confirmed")
        hc.app.create_pause(
            level="customer",
            target_id=w.customer,
            notified_at=T0,
            reason="hospital_stay",
            starts_at=T0 + 24 * HOUR,
            actor=ACTOR,
            at=T0 + 3 * HOUR,
        )
        assert hc.catch_up() > 0
        assert visit
    everything = raw_database(store_url)
    assert found(VALID, everything) == []
    assert found(VALID_STAFF, everything) == []


@pytest.mark.parametrize("reopen_with", ["no key", "another key"])
def test_D8_reading_with_the_wrong_key_is_a_StorageError(
    store_url: str, key: str, reopen_with: str
) -> None:
    with connect(store_url, cipher_key=key) as hc:
        customer, _ = register_people(hc)
    other = None if reopen_with == "no key" else AESCipher.create_key(32)
    with connect(store_url, cipher_key=other) as hc:
        with pytest.raises(HomecareError) as on_read:
            hc.app.get(Customer, customer)
        with pytest.raises(HomecareError) as on_projecting:
            hc.catch_up()
    for caught in (on_read, on_projecting):
        assert isinstance(caught.value, StorageError)
        assert "cipher key" in str(caught.value)
        assert_not_shown(str(caught.value), VALID)
