"""The city's fetch as stored bytes (issue 16): the same document as the parsed fetch.

`Buffer.fetch_page`/`fetch_json` serve the stored payloads without a model round
trip; they must equal `fetch(...)`'s JSON byte for byte (what the HTTP endpoint
served when it serialised the model), on both stores, with and without a cipher key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from eventsourcing.cipher import AESCipher
from hypothesis import given, settings
from hypothesis import strategies as st

from homecare.bootstrap import Homecare, connect
from homecare.outbox.messages import (
    CustomerPauseMessage,
    FetchResult,
    ParagoFormat,
    VisitReportMessage,
    fetch_document,
)
from homecare.privacy.fetched import fetched, subjects_read
from tests.conftest import ACTOR
from tests.scenario import Scenario


@pytest.fixture(params=["plain", "sealed"])
def keyed(request: pytest.FixtureRequest, store_url: str) -> Iterator[Homecare]:
    """A store without and with a cipher key (its payloads sealed, D8)."""
    key = AESCipher.create_key(32) if request.param == "sealed" else None
    with connect(store_url, cipher_key=key) as hc:
        yield hc


def _mixed_buffer(hc: Homecare) -> None:
    """Performed visits, a declined one and pauses (open, then closed)."""
    world = Scenario(hc.app)
    staff = world.staff()
    customers = [world.customer() for _ in range(3)]
    for day in range(1, 6):
        for customer in customers:
            world.visit(customer, staff, day=date(2026, 3, day))
    visit = world.visit(customers[0], staff, day=date(2026, 3, 9), until="planned")
    world.at = max(world.at, datetime(2026, 3, 9, 12, tzinfo=UTC))  # after its start
    hc.app.record_declined_visit(
        visit, declined_at=world.at, declined_by="Staff 1", actor=ACTOR, at=world.tick()
    )
    hc.app.attest_assignments([visit], actor=ACTOR, at=world.tick())
    hc.app.confirm_assignment(visit, actor=ACTOR, at=world.tick())
    start = datetime(2026, 3, 20, tzinfo=UTC)
    world.pause("customer", customers[1].id, start)
    world.pause("customer", customers[2].id, start, start + timedelta(days=3))
    hc.catch_up()


@pytest.mark.parametrize("limit", [1, 7, 500])
def test_fetch_json_is_fetch_result_json_byte_for_byte(keyed: Homecare, limit: int) -> None:
    hc = keyed
    _mixed_buffer(hc)
    cursor: str | None = None
    kinds: set[str] = set()
    while True:
        page = hc.buffer.fetch_page(after=cursor, limit=limit)
        result = hc.buffer.fetch(after=cursor, limit=limit)
        assert page.body == result.model_dump_json().encode()
        assert json.loads(hc.buffer.fetch_json(after=cursor, limit=limit)) == result.model_dump(
            mode="json"
        )
        assert (page.count, page.cursor) == (len(result.items), result.cursor)
        kinds |= {f"{i.kind}:{getattr(i, 'outcome', '')}" for i in result.items}
        if not result.items:
            break
        cursor = result.cursor
    assert kinds == {"visit_report:performed", "visit_report:declined", "customer_pause:"}
    assert hc.buffer.fetch_json(after=cursor) == f'{{"items":[],"cursor":"{cursor}"}}'.encode()
    assert hc.buffer.fetch_json() == hc.buffer.fetch().model_dump_json().encode()


def test_fetch_json_of_an_empty_buffer(hc: Homecare) -> None:
    assert hc.buffer.fetch_json() == b'{"items":[],"cursor":null}'
    assert hc.buffer.fetch_json() == hc.buffer.fetch().model_dump_json().encode()


_TEXT = st.text(max_size=12)
_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-3))])
_COMMON = {
    "message_id": st.uuids(),
    "position": st.integers(1, 2**62),
    "customer": st.uuids(),
    "customer_personnummer": _TEXT,
    "business_date": st.dates(),
}
_VISITS = st.builds(
    VisitReportMessage,
    **_COMMON,
    assignment_id=st.uuids(),
    revision=st.integers(1, 50),
    staff_personnummer=_TEXT,
    staff_sd_number=_TEXT,
    performed_start=st.datetimes(timezones=_ZONES),
    performed_end=st.datetimes(timezones=_ZONES),
    activities=st.lists(_TEXT | st.just('"outcome":"x"'), max_size=4),
    outcome=st.sampled_from(["performed", "declined"]),
)
_PAUSES = st.builds(
    CustomerPauseMessage,
    **_COMMON,
    action=st.sampled_from(["new", "changed", "cancelled"]),
    period_id=_TEXT | st.just('"kind":"visit_report"'),
    first_day=st.dates(),
    last_day=st.none() | st.dates(),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_VISITS | _PAUSES, max_size=6), st.none() | st.just("12.0123456789abcdef"))
def test_items_json_equals_the_parsed_batch_for_any_payload(
    messages: list[VisitReportMessage | CustomerPauseMessage], cursor: str | None
) -> None:
    """Any text in the payloads (quotes, the markers themselves, non-ASCII) is served as parsed."""
    fmt = ParagoFormat()
    payloads = [fmt.render(m) for m in messages]
    parsed = FetchResult(items=fmt.parse_many(payloads), cursor=cursor)
    assert parsed.items == messages
    assert fetch_document(fmt.items_json(payloads), cursor) == parsed.model_dump_json().encode()


def test_r17_the_pages_subjects_are_those_the_parsed_fetch_logs(keyed: Homecare) -> None:
    """The access log of a byte fetch (HTTP) names the subjects `fetched` finds in the models."""
    hc = keyed
    _mixed_buffer(hc)
    at = datetime(2026, 4, 1, tzinfo=UTC)
    page = hc.buffer.fetch_page(limit=500)
    result = hc.buffer.fetch(limit=500)
    assert len(page.subjects) == len(result.items) > 0
    assert any(staff is None for _, staff in page.subjects)  # the pauses
    assert subjects_read(page.subjects, reader="city", at=at) == fetched(
        hc.database, result.items, reader="city", at=at
    )
