"""The replay's read-ahead gives the log's pages as they are, and stops cleanly (issue 16)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homecare._es.read_ahead import read_ahead


@given(items=st.lists(st.integers()), depth=st.integers(min_value=1, max_value=3))
def test_the_pages_come_in_order_all_of_them(items: list[int], depth: int) -> None:
    with read_ahead(iter(items), depth) as pages:
        assert list(pages) == items


def test_a_read_error_is_raised_where_the_page_is_taken() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise LookupError("store gone")

    with read_ahead(failing()) as pages:
        assert next(pages) == 1
        with pytest.raises(LookupError, match="store gone"):
            next(pages)


def test_the_pages_are_read_by_another_thread() -> None:
    readers: list[threading.Thread] = []

    def source() -> Iterator[int]:
        readers.append(threading.current_thread())
        yield 1

    with read_ahead(source()) as pages:
        assert list(pages) == [1]
    assert readers
    assert readers[0] is not threading.current_thread()


def test_leaving_early_stops_the_reader_and_closes_the_source() -> None:
    closed = threading.Event()
    read = []

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                read.append(n)
                yield n
                n += 1
        finally:
            closed.set()

    def project_one() -> None:
        with read_ahead(endless(), depth=2) as pages:
            assert next(pages) == 0
            raise RuntimeError("the page failed")

    with pytest.raises(RuntimeError):
        project_one()
    assert closed.is_set()
    assert len(read) <= 4  # one taken, at most two waiting, one being put
    assert not any(t.name == "homecare-read-ahead" for t in threading.enumerate())


def test_a_source_that_cannot_be_iterated_raises_where_the_page_is_taken() -> None:
    class Unopenable:
        def __iter__(self) -> Iterator[int]:
            raise OSError("cannot open the log")

    with read_ahead(Unopenable()) as pages, pytest.raises(OSError, match="cannot open"):
        next(pages)


def test_pages_taken_after_the_block_are_refused_not_waited_for() -> None:
    with read_ahead(iter([1, 2, 3])) as pages:
        assert next(pages) == 1
    with pytest.raises(RuntimeError, match="after its block"):
        next(pages)
