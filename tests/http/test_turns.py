"""The city's fetches take turns in arrival order, `width` at a time (issue 16:
homecare.http.turns; a long unfair tail under 8 concurrent pollers)."""

from __future__ import annotations

import threading
import time

import pytest

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
    with turns.turn() as got:
        assert got is True
    assert turns.running == 0


def test_a_wait_past_the_timeout_runs_anyway() -> None:
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
    with turns.turn() as got:
        assert got is False  # a stuck turn never stops the feed
        assert turns.running == 2
    assert time.monotonic() - started < 2
    release.set()
    thread.join(5)
    with turns.turn() as got:
        assert got is True


def test_width_must_be_positive() -> None:
    with pytest.raises(ValueError, match="width"):
        Turns(width=0)
