"""The one reader of the application log (homecare._es.log): pages, topics, decoding."""

from __future__ import annotations

import gc
from typing import Any
from uuid import UUID

import pytest

from homecare._es.gc_pace import fewer_collections
from homecare._es.log import Row, union_of_topics
from homecare._es.log_rows import uuid_of
from homecare._es.topics import topic_of
from homecare.bootstrap import Homecare
from homecare.domain.customer import Customer
from tests.scenario import Scenario


def test_pages_cover_the_log_in_order_and_stop_where_asked(hc: Homecare) -> None:
    assert (hc.log.end(), list(hc.log.pages(page_size=2))) == (0, [])
    scenario = Scenario(hc.app)
    for _ in range(3):
        scenario.customer()
    end = hc.log.end()
    whole = [stored.id for page in hc.log.pages(page_size=1000) for stored in page]
    assert whole == list(range(1, end + 1))
    for size in (1, 2, 5):
        pages = list(hc.log.pages(page_size=size))
        assert all(0 < len(page) <= size for page in pages)
        assert [stored.id for page in pages for stored in page] == whole
    assert [s.id for p in hc.log.pages(page_size=2, stop=3) for s in p] == [1, 2, 3]
    assert [s.id for s in hc.log.page(2, 2)] == [3, 4]


def test_topics_filter_and_decoding(hc: Homecare) -> None:
    scenario = Scenario(hc.app)
    customers = [scenario.customer().id for _ in range(2)]
    registered = topic_of(Customer.Registered)
    pages = list(hc.log.pages(page_size=1, topics=[registered]))
    assert [stored.topic for page in pages for stored in page] == [registered, registered]
    events = [event for page in pages for _, event in hc.log.decoded(page)]
    assert [type(event) for event in events] == [Customer.Registered] * 2
    assert [event.originator_id for event in events] == customers


def test_the_union_of_topics_is_everything_once_one_reader_wants_everything() -> None:
    assert union_of_topics([("b", "a"), ("a", "c")]) == ("a", "b", "c")
    assert union_of_topics([("a",), ()]) == ()
    assert union_of_topics([]) == ()


# -- the lean reader (issue 16): the driver's cursor, the same rows -------------------


def test_the_lean_reader_reads_what_the_recorder_reads(hc: Homecare) -> None:
    """Issue 16: `homecare._es.log_rows` reads the rows eventsourcing's recorder reads,
    field for field and of the same types, for every combination of stop and topics."""
    scenario = Scenario(hc.app)
    for _ in range(3):
        scenario.customer()
    registered = topic_of(Customer.Registered)
    end = hc.log.end()
    for after, limit, stop, topics in [
        (0, 1000, None, ()),
        (2, 3, None, ()),
        (1, 1000, end - 1, ()),
        (0, 1000, None, (registered,)),
        (0, 1, end, (registered, "no.such:Topic")),
    ]:
        hc.log.lean = True
        ours = hc.log.page(after, limit, stop=stop, topics=topics)
        hc.log.lean = False
        theirs = hc.log.page(after, limit, stop=stop, topics=topics)
        assert ours, (after, limit, stop, topics)
        assert [_typed(row) for row in ours] == [_typed(row) for row in theirs]
        assert all(type(row) is Row for row in ours)


def _typed(row: Any) -> list[tuple[type, Any]]:
    fields = ("id", "originator_id", "originator_version", "topic", "state")
    return [(type(getattr(row, name)), getattr(row, name)) for name in fields]


@pytest.mark.parametrize(
    "text",
    [
        "12345678-1234-5678-9abc-def012345678",
        "12345678123456789ABCdef012345678",
        "{12345678-1234-5678-9abc-def012345678}",
        "urn:uuid:12345678-1234-5678-9abc-def012345678",
        "12345678-1234-5678-9abc-def01234567g",
        "1234567812345678_abcdef012345678",
        "12345678-1234-5678-9abc-def0123456",
        "",
    ],
)
def test_ids_are_read_as_uuid_reads_them(text: str) -> None:
    """`uuid_of` accepts and rejects exactly what `UUID(text)` does, with an equal result."""
    try:
        expected: Any = UUID(text)
    except ValueError:
        with pytest.raises(ValueError, match=r"."):
            uuid_of(text)
        return
    ours = uuid_of(text)
    assert (type(ours), ours, ours.int, ours.is_safe) == (
        UUID,
        expected,
        expected.int,
        expected.is_safe,
    )
    assert hash(ours) == hash(expected)
    assert str(ours) == str(expected)


def test_fewer_collections_restores_the_thresholds_after_the_last_user() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        raised = gc.get_threshold()
        with fewer_collections():
            assert gc.get_threshold() == raised
        assert gc.get_threshold() == raised
    assert raised[0] > before[0]
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError
    assert gc.get_threshold() == before
