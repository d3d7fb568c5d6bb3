"""A filter by customer names a customer, or it is `not_found` (docs/cli.md: an unknown id);
never the silent "nothing" an unknown id, or a staff member's, used to get.

The reviewer's finding: `hc.pauses.list(customer_id=<unknown>)`, `homecare assignments list
--customer <staff id>` and `hc.month_close.reconcile_pauses(customer_id=<unknown>)` answered
"0 pauses", "0 visits", "all matches", while `pauses reconcile` (its CLI only) and `audit
history` said not_found. The check is made where the filter is applied (the buffer, the
pause overview, the month close: `require_customer`, wired to `resolve_subject`), so every
caller gets it. A culled customer is still a customer (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from homecare.bootstrap import Homecare
from homecare.errors import InvalidInputError, NotFoundError
from tests.scenario import Scenario

NOW = datetime(2026, 3, 20, tzinfo=UTC)
MARCH = {"period_from": date(2026, 3, 1), "period_to": date(2026, 3, 31)}

Query = Callable[[Homecare, Any], Any]

QUERIES: dict[str, Query] = {
    "buffer.integration_statuses": lambda hc, c: hc.buffer.integration_statuses(customer_id=c),
    "pauses.list": lambda hc, c: hc.pauses.list(
        **MARCH, now=NOW, customer_id=c, include_inactive=True
    ),
    "month_close.reconcile_pauses": lambda hc, c: hc.month_close.reconcile_pauses(
        customer_id=c, now=NOW
    ),
}


def _world(hc: Homecare) -> dict[str, UUID]:
    world = Scenario(hc.app)
    staff = world.staff()
    customer = world.customer()
    visit = world.visit(customer, staff)
    pause = world.pause(
        "customer",
        customer.id,
        datetime(2026, 3, 10, 9, tzinfo=UTC),
        datetime(2026, 3, 12, tzinfo=UTC),
    )
    hc.catch_up()
    return {"staff": staff, "customer": customer.id, "visit": visit, "pause": pause,
            "order": customer.order}  # fmt: skip


@pytest.mark.parametrize("query", list(QUERIES))
@pytest.mark.parametrize("wrong", ["unknown", "staff", "visit", "pause", "order"])
def test_a_customer_filter_that_names_no_customer_is_not_found(
    hc: Homecare, query: str, wrong: str
) -> None:
    ids = _world(hc)
    asked = uuid4() if wrong == "unknown" else ids[wrong]
    with pytest.raises(NotFoundError) as missing:
        QUERIES[query](hc, asked)
    assert missing.value.code == "not_found"
    assert str(missing.value) == f"No customer with id {asked}."


@pytest.mark.parametrize("query", list(QUERIES))
@pytest.mark.parametrize("given", ["0f8fad5b-d9cb-469f-a165-70867728950e", 7, True])
def test_a_customer_filter_that_is_not_a_uuid_is_invalid_input(
    hc: Homecare, query: str, given: object
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        QUERIES[query](hc, given)
    assert type(refused.value) is InvalidInputError
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("query", list(QUERIES))
def test_a_customer_filter_of_a_customer_answers_culled_or_not(hc: Homecare, query: str) -> None:
    ids = _world(hc)
    before = QUERIES[query](hc, ids["customer"])
    hc.cull(ids["customer"], actor="dpo", at=NOW)
    after = QUERIES[query](hc, ids["customer"])
    if query == "month_close.reconcile_pauses":
        before, after = before.customers, after.customers
    assert len(before) == len(after) == 1


def test_a_customer_without_anything_yet_is_an_empty_answer_not_an_error(hc: Homecare) -> None:
    customer = Scenario(hc.app).customer().id
    hc.catch_up()
    assert hc.buffer.integration_statuses(customer_id=customer) == []
    assert hc.pauses.list(**MARCH, now=NOW, customer_id=customer) == []
    assert hc.month_close.reconcile_pauses(customer_id=customer, now=NOW).customers == []
