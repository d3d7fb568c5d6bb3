"""The one reader of the application log (homecare._es.log): pages, topics, decoding."""

from __future__ import annotations

from homecare._es.log import union_of_topics
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
