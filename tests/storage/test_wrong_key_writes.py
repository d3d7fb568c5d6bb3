"""D8, D10: nothing is ever written to a store with a cipher key that is not its own.

The reviewers' reproductions: a process given another key, none for a store written
encrypted, or one for a store written in clear, could write through the facade
(`register_customer` succeeded, so did any command that only creates, an access-log
entry, a data key, the fetch's marks). Afterwards every catch-up, view, `audit
verify` and fetch with the right key failed with `wrong_cipher_key` for good (the
log is append-only). Now each write is refused first, in one line, with the code
`wrong_cipher_key`; every row of every table is as it was, and the right key still
reads everything and verifies identical. On both stores.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.cipher import AESCipher
from sqlalchemy import create_engine, inspect, text

from homecare import audit
from homecare._sql.store_key import STORE_KEY_ID, StoreKey
from homecare._sql.subject_keys import subject_keys
from homecare.bootstrap import Homecare, connect
from homecare.domain import Customer
from homecare.domain.month import Month
from homecare.domain.privacy import SubjectKind
from homecare.errors import CipherKeyError
from homecare.privacy import Access, Channel
from tests.domain.pnr import VALID, VALID_STAFF, assert_not_shown
from tests.scenario import ACTOR, T0, Scenario

K1 = AESCipher.create_key(32)
K2 = AESCipher.create_key(32)
CASES = [(K1, K2), (K1, None), (None, K1)]
IDS = ["another key", "no key on an encrypted store", "a key on a clear store"]
LATER = datetime(2026, 12, 1, 9, tzinfo=UTC)

Write = Callable[[Homecare, "World"], Any]


class World:
    """What the right key wrote: a customer with two confirmed visits, projected, the
    first item fetched (so the next fetch, after its cursor, moves the delivered mark),
    and a contract opened after, not yet projected (so a catch-up has a page to write)."""

    def __init__(self, hc: Homecare) -> None:
        scenario = Scenario(hc.app)
        staff, customer = scenario.staff(), scenario.customer()
        scenario.visit(customer, staff)
        scenario.visit(customer, staff)
        hc.catch_up()
        self.customer: UUID = customer.id
        self.cursor = hc.buffer.fetch(limit=1).cursor
        hc.app.get(Customer, customer.id)  # an access-log entry
        hc.app.open_contract(customer.id, actor=ACTOR, at=LATER)  # left for a catch-up to
        self.events = hc.log.end()  # project: a catch-up with nothing to do writes nothing


WRITES: dict[str, Write] = {
    "register a customer": lambda hc, w: hc.app.register_customer(
        personnummer=VALID, name="Y", organisation="O", actor=ACTOR, at=LATER
    ),
    "register a staff member": lambda hc, w: hc.app.register_staff(
        name="Z", personnummer=VALID_STAFF, sd_number="SD-9", actor=ACTOR, at=LATER
    ),
    "open a contract (no personal field)": lambda hc, w: hc.app.open_contract(
        w.customer, actor=ACTOR, at=LATER
    ),
    "record an access": lambda hc, w: hc.access.record([_access(w.customer)]),
    "record a read": lambda hc, w: hc.access.record_reads([_access(w.customer)]),
    "make a data key": lambda hc, w: hc.subject_keys.seal(uuid4(), SubjectKind.STAFF, "x"),
    "fetch after a cursor (the delivered mark)": lambda hc, w: hc.buffer.fetch(after=w.cursor),
    "fetch from the start (the served mark)": lambda hc, w: hc.buffer.fetch(),
    "catch up": lambda hc, w: hc.catch_up(),
    "cull": lambda hc, w: hc.cull(w.customer, actor=ACTOR, at=LATER),
}


def _access(subject: UUID) -> Access:
    kind = SubjectKind.CUSTOMER
    return Access(
        reader="eva", subject_id=subject, subject_kind=kind, what="customer", purpose="p",
        channel=Channel.FACADE,
    )  # fmt: skip


def everything(url: str) -> dict[str, list[str]]:
    """Every row of every table of the store, as text, sorted: any write shows."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sorted(inspect(conn).get_table_names())
            return {
                table: sorted(
                    repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{table}"'))
                )
                for table in tables
            }
    finally:
        engine.dispose()


def assert_refused(error: BaseException) -> None:
    assert isinstance(error, CipherKeyError)
    assert error.code == "wrong_cipher_key"
    assert "Nothing was written" in str(error) or "cipher key" in str(error)
    assert "\n" not in str(error)
    assert_not_shown(str(error), VALID)


def assert_all_readable(url: str, key: str | None, world: World) -> None:
    """The right key still reads everything: projects, shows, logs, fetches, verifies."""
    with connect(url, cipher_key=key) as hc:
        hc.check_cipher_key()
        hc.catch_up()
        assert hc.app.get(Customer, world.customer).id == world.customer
        assert hc.access.entries()
        now = datetime.now(UTC)
        assert hc.access.review(Month(now.year, now.month)).pairs
        assert len(hc.buffer.fetch().items) == 2
        report = audit.verify(hc)
        assert report.identical
        assert report.events == hc.log.end() >= world.events


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
@pytest.mark.parametrize(("written_with", "opened_with"), CASES, ids=IDS)
def test_a_write_with_a_key_not_the_stores_is_refused_before_anything_is_written(
    store_url: str, written_with: str | None, opened_with: str | None, write: str
) -> None:
    with connect(store_url, cipher_key=written_with) as hc:
        world = World(hc)
    before = everything(store_url)
    with connect(store_url, cipher_key=opened_with) as hc:
        with pytest.raises(CipherKeyError) as caught:
            WRITES[write](hc, world)
        assert_refused(caught.value)
        with pytest.raises(CipherKeyError):  # and again: a refusal is not remembered as ok
            WRITES[write](hc, world)
    assert everything(store_url) == before
    assert_all_readable(store_url, written_with, world)


@pytest.mark.parametrize(("first", "second"), CASES, ids=IDS)
def test_a_new_store_belongs_to_the_first_key_that_writes(
    store_url: str, first: str | None, second: str | None
) -> None:
    """Both open the empty store before anything is written; the first write claims it
    (the store key row, written with the first write), so the other key is refused."""
    with connect(store_url, cipher_key=first) as one, connect(store_url, cipher_key=second) as two:
        customer = one.app.register_customer(
            personnummer=VALID, name="X", organisation="O", actor=ACTOR, at=T0
        )
        before = everything(store_url)
        with pytest.raises(CipherKeyError) as caught:
            two.app.register_customer(
                personnummer=VALID_STAFF, name="Y", organisation="O", actor=ACTOR, at=T0
            )
        assert_refused(caught.value)
        with pytest.raises(CipherKeyError):
            two.check_cipher_key()
        assert everything(store_url) == before
        assert one.app.get(Customer, customer).name == "X"


@pytest.mark.parametrize(("first", "second"), CASES, ids=IDS)
def test_a_read_that_catches_up_on_a_new_store_does_not_claim_it(
    store_url: str, first: str | None, second: str | None
) -> None:
    """A view catches up first; on a new store there is nothing to project, so nothing is
    written and the store is not claimed for the reader's key (or its lack of one)."""
    with connect(store_url, cipher_key=first) as reader:
        assert reader.catch_up() == 0
        assert reader.buffer.problems() is not None
        assert reader.buffer.delivered_position() == 0
    assert everything(store_url)["homecare_subject_keys"] == []
    with connect(store_url, cipher_key=second) as writer:  # the first write claims it
        Scenario(writer.app).customer()
        writer.catch_up()


@pytest.mark.parametrize(("written_with", "opened_with"), CASES, ids=IDS)
def test_a_store_without_the_key_row_is_checked_by_what_it_holds(
    store_url: str, written_with: str | None, opened_with: str | None
) -> None:
    """A store written before the key row existed: its data keys, newest event and newest
    buffer item prove or refute the key, and the right key writes on as before."""
    with connect(store_url, cipher_key=written_with) as hc:
        world = World(hc)
        with hc.database.engine.begin() as conn:
            conn.execute(subject_keys.delete().where(subject_keys.c.subject_id == STORE_KEY_ID))
    before = everything(store_url)
    with connect(store_url, cipher_key=opened_with) as hc, pytest.raises(CipherKeyError):
        hc.app.open_contract(world.customer, actor=ACTOR, at=LATER)
    assert everything(store_url) == before
    with connect(store_url, cipher_key=written_with) as hc:
        hc.app.open_contract(world.customer, actor=ACTOR, at=LATER)
    assert_all_readable(store_url, written_with, world)


def test_the_key_is_proven_once_per_connection_not_per_command(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a write proved the key, later commands read nothing more for it (the cost of
    the check is one read per connection, not per command)."""
    with connect(store_url, cipher_key=K1) as hc:
        world = World(hc)
        assert hc.subject_keys.store_key.proven

        def read_again(*_args: object) -> None:
            raise AssertionError("the store key was read again")

        monkeypatch.setattr(StoreKey, "_stored", read_again)
        monkeypatch.setattr(StoreKey, "_a_data_key", read_again)
        for _ in range(3):
            hc.app.open_contract(world.customer, actor=ACTOR, at=LATER)
        hc.catch_up()


def test_a_store_holding_only_its_key_row_refuses_another_key(store_url: str) -> None:
    with connect(store_url, cipher_key=K1) as hc:
        hc.subject_keys.store_key.require()  # claimed: the row, and nothing else
    with connect(store_url, cipher_key=K2) as hc:
        with pytest.raises(CipherKeyError):
            hc.check_cipher_key()
        with pytest.raises(CipherKeyError):
            Scenario(hc.app).customer()
    with connect(store_url, cipher_key=K1) as hc:
        hc.check_cipher_key()
        Scenario(hc.app).customer()


def test_the_store_key_row_is_not_a_subject(hc: Homecare) -> None:
    Scenario(hc.app).customer()
    assert hc.subject_keys.culled() == []
    with pytest.raises(Exception, match="store's key row"):
        hc.subject_keys.cull(STORE_KEY_ID, kind=SubjectKind.CUSTOMER)
