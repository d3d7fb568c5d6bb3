"""The city's fetches take turns in arrival order, `width` at a time (issue 16:
homecare.http.turns; a long unfair tail under 8 concurrent pollers)."""

from __future__ import annotations

import threading
import time

import pytest

from homecare.errors import StorageError
from homecare.http.turns import Turns


def _arrive_in_order(turns: Turns, count: int, work: float) -> tuple[list[int], int]:
    """`count` threads arriving one after another while the first holds its turn; the
    order in which they got in, and the most inside at once."""
    order: list[int] = []
    most = [0]
    lock = threading.Lock()

    def fetch(n: int) -> None:
        with turns.turn():
            with lock:
                order.append(n)
                most[0] = max(most[0], turns.running)
            time.sleep(work)

    threads = []
    for n in range(count):
        thread = threading.Thread(target=fetch, args=(n,))
        thread.start()
        threads.append(thread)
        time.sleep(0.01)  # arrivals in a known order
    for thread in threads:
        thread.join(10)
    return order, most[0]


def test_one_at_a_time_in_arrival_order() -> None:
    order, most = _arrive_in_order(Turns(width=1), 6, work=0.03)
    assert order == list(range(6))
    assert most == 1


def test_two_at_a_time_never_more() -> None:
    turns = Turns(width=2)
    order, most = _arrive_in_order(turns, 8, work=0.03)
    assert sorted(order) == list(range(8))
    assert most == 2
    assert turns.running == 0


def test_a_failing_fetch_ends_its_turn() -> None:
    turns = Turns(width=1, timeout=5)
    with pytest.raises(RuntimeError), turns.turn():
        raise RuntimeError("the store went away")
    with turns.turn():
        assert turns.running == 1
    assert turns.running == 0


def test_a_wait_past_the_timeout_fails_as_a_busy_store() -> None:
    turns = Turns(width=1, timeout=0.05)
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with turns.turn():
            held.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    started = time.monotonic()
    ran = False
    with pytest.raises(StorageError, match=r"busy.*0\.05 s.*fetch again"), turns.turn():
        ran = True  # never: the fetch fails, nothing acknowledged
    assert not ran
    assert 0.05 <= time.monotonic() - started < 2
    assert turns.running == 1
    release.set()
    thread.join(5)
    with turns.turn():  # the timed-out ticket holds nobody up
        assert turns.running == 1


def test_waits_that_time_out_free_their_place_in_the_queue() -> None:
    turns = Turns(width=1, timeout=0.2)
    held, release = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def holder() -> None:
        with turns.turn():
            held.set()
            release.wait(5)

    def waiter() -> None:
        try:
            with turns.turn():
                outcomes.append("ran")
        except StorageError:
            outcomes.append("busy")

    first = threading.Thread(target=holder)
    first.start()
    held.wait(5)
    late = threading.Thread(target=waiter)
    late.start()
    late.join(5)  # timed out behind the holder
    release.set()
    first.join(5)
    waiter()  # the next one gets in at once
    assert outcomes == ["busy", "ran"]
    assert turns.running == 0


def test_width_must_be_positive() -> None:
    with pytest.raises(ValueError, match="width"):
        Turns(width=0)
