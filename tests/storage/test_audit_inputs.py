"""The audit's parameters, and the log's page size under them, checked at the door (D10).

A page size of 0 read nothing, so `verify` found every live row "extra", `history`
answered [] and `as_of` showed a customer with no records (`replayed_to` 0); a
negative one was SQLite's "no limit" but PostgreSQL's DataError; a text or a bool
was a raw TypeError or taken as 1. Now each is `invalid_input` (one line) before
anything is read or recorded in the access log (R17), on both stores.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from homecare.audit import as_of, history, verify
from homecare.bootstrap import Homecare
from homecare.errors import InvalidInputError
from homecare.projections.pause_overview import PauseOverview
from tests.scenario import T0, pair

NOT_PAGE_SIZES: list[Any] = [0, -1, -(2**70), True, False, "5", 2.0, None, 2**63, 10**5000]
"""Not a whole number from 1 to 2**63 - 1 (the largest LIMIT both stores take)."""


def _calls(hc: Homecare) -> dict[str, Callable[[Any], object]]:
    w = pair(hc.app)
    w.visit("confirmed")
    hc.catch_up()
    return {
        "verify": lambda size: verify(hc, page_size=size),
        "history": lambda size: history(hc, w.customer, page_size=size),
        "as_of": lambda size: as_of(hc, w.customer, T0, page_size=size),
        "log.pages": lambda size: hc.log.pages(page_size=size),
        "log.page": lambda size: hc.log.page(0, size),
        "add_projection": lambda size: hc.add_projection(
            PauseOverview(hc.database, hc.parts.sealer), page_size=size
        ),
    }


def test_a_page_size_that_is_not_a_whole_number_from_1_is_refused(hc: Homecare) -> None:
    calls = _calls(hc)
    runners, read = len(hc.runners), len(hc.access.entries())
    for name, call in calls.items():
        for size in NOT_PAGE_SIZES:
            with pytest.raises(InvalidInputError, match="must be a whole number from 1") as e:
                call(size)
            assert e.value.code == "invalid_input"
            assert "\n" not in str(e.value), (name, size)
            assert len(str(e.value)) < 200, (name, size)
    assert (len(hc.runners), len(hc.access.entries())) == (runners, read)


def test_the_smallest_and_largest_page_sizes_answer_as_the_default(hc: Homecare) -> None:
    w = pair(hc.app)
    w.visit("confirmed")
    w.visit("attested", start=T0 + timedelta(days=1))
    hc.catch_up()
    for size in (1, 2**63 - 1):
        assert verify(hc, page_size=size).identical
        assert history(hc, w.customer, page_size=size) == history(hc, w.customer)
        assert as_of(hc, w.customer, T0, page_size=size) == as_of(hc, w.customer, T0)
        assert [s.id for p in hc.log.pages(page_size=size) for s in p] == list(
            range(1, hc.log.end() + 1)
        )


def test_verify_refuses_a_progress_that_is_not_a_function(hc: Homecare) -> None:
    pair(hc.app).visit("confirmed")
    for progress in (5, "bar", [print]):
        with pytest.raises(InvalidInputError, match="progress must be a function"):
            verify(hc, progress)  # type: ignore[arg-type]
    seen: list[int] = []
    assert verify(hc, lambda p: seen.append(p.position), page_size=3).identical
    assert seen[-1] == hc.log.end()


def test_history_refuses_a_within_that_is_not_a_reading(hc: Homecare) -> None:
    w = pair(hc.app)
    with pytest.raises(InvalidInputError, match="within must be a Reading"):
        history(hc, w.customer, within="audit")  # type: ignore[arg-type]
