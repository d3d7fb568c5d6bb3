"""The cache of decoded aggregates across commands (issue 16): never stale, never shared.

A confirmation reuses the orders, contracts, customers and pauses an earlier
command decoded only while their stored version is unchanged; a change written
by another application (another process) is seen by the next command, a stale
write is still rejected and leaves nothing half-written, with or without a
cipher key, on both stores.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from eventsourcing.cipher import AESCipher

from homecare.bootstrap import connect
from homecare.domain import Assignment, AssignmentStatus, Customer, Order
from homecare.domain.confirmation import confirm_selected
from homecare.errors import (
    AssignmentInPauseError,
    ConcurrentUpdateError,
    ConfirmationRejectedError,
)
from tests.scenario import ACTOR, HOUR, T0, Scenario, pair

DAY = timedelta(days=1)
KEYS = [None, AESCipher.create_key(32)]


@pytest.mark.parametrize("key", KEYS, ids=["plain", "cipher"])
def test_a_pause_written_by_another_application_is_seen_by_the_next_confirm(
    store_url: str, key: str | None
) -> None:
    with connect(store_url, cipher_key=key) as a, connect(store_url, cipher_key=key) as b:
        w = pair(a.app)
        first = w.visit("attested", start=T0)
        second = w.visit("attested", start=T0 + DAY)
        a.app.confirm_assignments([first], actor=ACTOR, at=T0 + 3 * HOUR)
        assert a.app._aggregate_cache.known([w.order, w.contract, w.customer]) == [
            w.order,
            w.contract,
            w.customer,
        ]
        Scenario(b.app).pause("order", w.order, T0 + 20 * HOUR, None, at=T0 + 4 * HOUR)
        with pytest.raises(ConfirmationRejectedError) as caught:
            a.app.confirm_assignments([second], actor=ACTOR, at=T0 + 2 * DAY)
        assert isinstance(caught.value.__cause__, AssignmentInPauseError)
        assert a.app.get(Assignment, second).status is AssignmentStatus.ATTESTED


@pytest.mark.parametrize("key", KEYS, ids=["plain", "cipher"])
def test_overlapping_confirmations_one_fails_and_writes_nothing(
    store_url: str, key: str | None
) -> None:
    with connect(store_url, cipher_key=key) as a, connect(store_url, cipher_key=key) as b:
        w = pair(a.app)
        v1, v2, v3 = (w.visit("attested", start=T0 + i * DAY) for i in range(3))
        a.app.confirm_assignments([v1], actor=ACTOR, at=T0 + 3 * DAY)  # warm a's cache
        loads = b.app._loads()  # b reads v2 and v3 before a writes v2
        loads.prefetch([v2, v3])
        later = confirm_selected([v2, v3], loads, actor="b", at=T0 + 4 * DAY)
        a.app.confirm_assignments([v2], actor="a", at=T0 + 4 * DAY)
        length = w.log_length()
        with pytest.raises(ConcurrentUpdateError):
            b.app.save(*later)
        assert w.log_length() == length
        assert a.app.get(Assignment, v3).status is AssignmentStatus.ATTESTED
        assert b.app.get(Assignment, v2).confirmations == 1


def test_a_command_never_changes_what_the_cache_holds(store_url: str) -> None:
    with connect(store_url) as hc:
        w = pair(hc.app)
        loads = hc.app._loads()
        loads.prefetch([w.order])
        stored = loads.load(Order, w.order)
        again = hc.app._loads()
        again.prefetch([w.order])
        changed = again.load(Order, w.order)
        assert changed is not stored
        changed.attach_pause(pause_id=uuid4(), actor=ACTOR, at=T0)  # never saved
        third = hc.app._loads()
        third.prefetch([w.order])
        order = third.load(Order, w.order)
        assert order.pause_ids == ()
        assert order.version == stored.version
        assert not order.pending_events


def test_a_copy_shares_no_list_with_the_cache(store_url: str) -> None:
    with connect(store_url) as hc:
        w = pair(hc.app)
        for _ in range(2):  # decode and keep, then a copy from the cache
            loads = hc.app._loads()
            loads.prefetch([w.customer])
            customer = loads.load(Customer, w.customer)
        before = list(customer.decisions)
        customer.register_decision(
            decision_id=uuid4(),
            valid_from=T0.date(),
            valid_to=None,
            activities=["shower"],
            actor=ACTOR,
            at=T0,
        )
        loads = hc.app._loads()
        loads.prefetch([w.customer])
        assert loads.load(Customer, w.customer).decisions == before


def test_a_failed_save_drops_the_aggregates_it_named(store_url: str) -> None:
    with connect(store_url) as a, connect(store_url) as b:
        w = pair(a.app)
        stale = a.app.get(Order, w.order)
        loads = a.app._loads()
        loads.prefetch([w.order])
        loads.load(Order, w.order)
        assert a.app._aggregate_cache.known([w.order]) == [w.order]
        Scenario(b.app).pause("order", w.order, T0 + DAY, None, at=T0)
        stale.attach_pause(pause_id=uuid4(), actor=ACTOR, at=T0)
        with pytest.raises(ConcurrentUpdateError):
            a.app.save(stale)
        assert a.app._aggregate_cache.known([w.order]) == []
