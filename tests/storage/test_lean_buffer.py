"""The buffer's lean writes equal SQLAlchemy's, byte for byte (issue 16; D6, D8).

`BufferProjection.lean` (the default) writes each page's rows with statements
compiled once and plain tuples, and renders payloads with orjson instead of a
pydantic model; `lean = False` is the old path (SQLAlchemy's statements, the
models). On both stores, with and without a cipher key:

- the buffer built through one path, then rebuilt in place through the other,
  leaves the same rows as the driver reads them back (UUIDs as stored: 32 hex on
  SQLite, native on PostgreSQL; JSON text; instants; payload bytes), every
  sealed column compared opened (a seal has a fresh nonce each time);
- `audit verify` finds a live buffer built one way identical to a rebuild the other;
- the lean payload is the model's JSON for any item (no store).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from eventsourcing.cipher import AESCipher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from homecare._es.sealing import Sealer
from homecare.audit import verify
from homecare.bootstrap import Homecare, connect
from homecare.demo import run_demo
from homecare.outbox import tables as t
from homecare.outbox.messages import MessageKind, ParagoFormat, message_id_for
from homecare.outbox.projection import BufferProjection
from homecare.outbox.render import parago_json, sealed_payload
from tests.storage.test_fastdecode import _STEP, STORES, _fresh, _play

SEALED = {"personnummer", "payload"}
"""The buffer's sealed columns (`homecare.registry`): compared opened."""


@pytest.fixture(params=[None, "key"], ids=["plain", "cipher"])
def cipher_key(request: pytest.FixtureRequest) -> str | None:
    return None if request.param is None else AESCipher.create_key(32)


@pytest.fixture
def lean_switch() -> Iterator[None]:
    """Tests flip `BufferProjection.lean`; it is put back afterwards."""
    kept = BufferProjection.lean
    yield
    BufferProjection.lean = kept


def _stored_rows(hc: Homecare) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the buffer's tables as the driver returns it, by primary key."""
    sealer: Sealer = hc.parts.sealer
    dumped: dict[str, list[tuple[Any, ...]]] = {}
    with hc.database.engine.connect() as conn:
        for table in t.PROJECTED:
            order = ", ".join(c.name for c in table.primary_key.columns)
            names = [c.name for c in table.columns]
            rows = conn.exec_driver_sql(
                f"SELECT {', '.join(names)} FROM {table.name} ORDER BY {order}"
            )
            dumped[table.name] = [
                tuple(
                    sealer.open(v) if n in SEALED and v is not None else v
                    for n, v in zip(names, row, strict=True)
                )
                for row in rows
            ]
    return dumped


def _rebuild_in_place(hc: Homecare, *, lean: bool) -> None:
    """The buffer emptied and rebuilt from the log through one path (as a version bump does)."""
    BufferProjection.lean = lean
    with hc.database.engine.begin() as conn:
        conn.execute(
            text("UPDATE homecare_tracking SET version = :v WHERE projection = :p"),
            {"v": BufferProjection.version + 1000, "p": BufferProjection.name},
        )
    hc.catch_up()


def _both_paths_store_the_same(hc: Homecare) -> dict[str, list[tuple[Any, ...]]]:
    """Built through the plain path, rebuilt lean: the same stored rows; and back."""
    _rebuild_in_place(hc, lean=False)
    plain = _stored_rows(hc)
    _rebuild_in_place(hc, lean=True)
    lean = _stored_rows(hc)
    for table in t.PROJECTED:
        assert lean[table.name] == plain[table.name], table.name
    return lean


@pytest.mark.usefixtures("lean_switch")
def test_the_demo_buffer_is_stored_byte_for_byte_the_same_by_either_path(
    store_url: str, cipher_key: str | None
) -> None:
    with connect(store_url, cipher_key=cipher_key) as hc:
        run_demo(hc, customers=6, days=4, seed=3, drain=False)
        stored = _both_paths_store_the_same(hc)
        assert stored[t.items.name], "the demo's log makes buffer items"


@pytest.mark.usefixtures("lean_switch")
def test_a_buffer_with_culled_subjects_is_stored_the_same_by_either_path(
    store_url: str, cipher_key: str | None
) -> None:
    """R16: a culled customer's and a culled staff member's items (withdrawn, markers)."""
    with connect(store_url, cipher_key=cipher_key) as hc:
        run_demo(hc, customers=4, days=3, seed=7, drain=False)
        with hc.database.engine.connect() as conn:
            customer = conn.execute(select(t.customers.c.customer_id).limit(1)).scalar_one()
            staff = conn.execute(
                select(t.items.c.staff_id).where(t.items.c.staff_id.is_not(None)).limit(1)
            ).scalar_one()
        at = datetime.now(UTC)
        hc.cull(customer, kind="customer", actor="arkivarie", at=at)
        hc.cull(staff, kind="staff", actor="arkivarie", at=at + timedelta(seconds=1))
        stored = _both_paths_store_the_same(hc)
        state = [c.name for c in t.items.columns].index("state")
        assert any(row[state] == "withdrawn" for row in stored[t.items.name])


@pytest.mark.usefixtures("lean_switch")
@pytest.mark.parametrize("built_lean", [False, True], ids=["plain-live", "lean-live"])
def test_audit_verify_finds_either_path_identical_to_the_other(
    store_url: str, built_lean: bool
) -> None:
    with connect(store_url) as hc:
        BufferProjection.lean = built_lean
        run_demo(hc, customers=4, days=3, seed=5, drain=False)
        hc.catch_up()
        BufferProjection.lean = not built_lean
        report = verify(hc)
        assert report.identical, report.describe()
        assert report.rows > 0


@pytest.mark.parametrize("store", STORES)
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(_STEP, min_size=1, max_size=12))
def test_generated_logs_are_stored_the_same_by_either_path(
    store: str, request: pytest.FixtureRequest, steps: list[tuple[Any, ...]]
) -> None:
    kept = BufferProjection.lean
    try:
        with _fresh(store, request) as url, connect(url) as hc:
            _play(hc, steps)
            _both_paths_store_the_same(hc)
    finally:
        BufferProjection.lean = kept


# -- the payload alone --------------------------------------------------------------

_WORDS = st.text(min_size=1, max_size=12)
_ZONES = st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=1)),
        timezone(timedelta(hours=2)),
        timezone(-timedelta(hours=5, minutes=30)),
    ]
)


@st.composite
def _items(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(list(MessageKind)))
    item: dict[str, Any] = {
        "message_id": draw(st.uuids()),
        "position": draw(st.integers(1, 2**62)),
        "customer_id": draw(st.uuids()),
        "business_date": draw(st.dates(date(1900, 1, 1), date(2200, 1, 1))),
        "kind": kind.value,
    }
    if kind == MessageKind.CUSTOMER_PAUSE:
        first = draw(st.dates(date(2000, 1, 1), date(2100, 1, 1)))
        last = draw(st.none() | st.just(first + timedelta(days=draw(st.integers(0, 400)))))
        item["facts"] = {
            "action": draw(st.sampled_from(["new", "changed", "cancelled"])),
            "period_id": str(draw(st.uuids())),
            "first_day": first.isoformat(),
            "last_day": None if last is None else last.isoformat(),
        }
        return item
    start = draw(st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=_ZONES))
    end = start + timedelta(microseconds=draw(st.integers(0, 10**10)))
    item["facts"] = {
        "assignment_id": str(draw(st.uuids())),
        "revision": draw(st.integers(1, 50)),
        "performed_start": start.isoformat(),
        "performed_end": end.isoformat(),
        "activities": sorted(draw(st.lists(_WORDS, max_size=4))),
        **draw(st.sampled_from([{}, {"outcome": "declined"}])),
    }
    return item


@settings(max_examples=300, deadline=None)
@given(item=_items(), customer=_WORDS, staff=_WORDS, sd_number=_WORDS)
def test_the_lean_payload_is_the_models_json(
    item: dict[str, Any], customer: str, staff: str, sd_number: str
) -> None:
    sealer = Sealer(None)
    customer_row = {"personnummer": customer}
    staff_row = {"personnummer": staff, "sd_number": sd_number}
    fmt = ParagoFormat()
    plain = sealed_payload(item, customer_row, staff_row, sealer, fmt, lean=False)
    assert parago_json(item, customer_row, staff_row, sealer) == plain
    assert sealed_payload(item, customer_row, staff_row, sealer, fmt) == plain


@settings(max_examples=200, deadline=None)
@given(originator=st.uuids(), version=st.integers(1, 10**6), index=st.integers(0, 50))
def test_the_message_id_is_the_uuid5_it_always_was(
    originator: UUID, version: int, index: int
) -> None:
    """D3: a replay gives every item the id the live run gave it."""
    name = f"homecare:message:{originator}:{version}:{index}"
    assert message_id_for(originator, version, index) == uuid5(NAMESPACE_URL, name)


def test_a_page_of_the_buffer_leaves_no_cyclic_garbage(tmp_path: Any) -> None:
    """Issue 16 (memory flat): a page's working set is freed when the page ends, not
    at the collector's next full pass (its items hold the page's bound methods)."""
    import gc

    from homecare.outbox.city import PageCity
    from homecare.outbox.items import PageItems
    from homecare.outbox.page import Page
    from tests.conftest import init_sqlite

    with connect(init_sqlite(tmp_path / "h.db")) as hc:
        run_demo(hc, customers=3, days=2, seed=5, drain=False)
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            _rebuild_in_place(hc, lean=True)
            gc.collect()
            left = [o for o in gc.garbage if isinstance(o, Page | PageItems | PageCity)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    assert left == []
