"""R12: the days the city holds (fetched pause messages) beside the days the pauses imply."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from homecare.bootstrap import Homecare
from tests.conftest import ACTOR
from tests.scenario import Customer, Scenario

LATER = datetime(2026, 6, 1, tzinfo=UTC)  # "now": every pause below has ended by then


def _pause(world: Scenario, customer: Customer, first: int, last: int) -> UUID:
    """A customer pause from 10:00 on March `first` to 10:00 on March `last` (Stockholm)."""
    start = datetime(2026, 3, first, 9, tzinfo=UTC)
    return world.pause("customer", customer.id, start, datetime(2026, 3, last, 9, tzinfo=UTC))


def _drain(hc: Homecare) -> None:
    hc.catch_up()
    hc.buffer.fetch(after=hc.buffer.fetch(limit=500).cursor)


def test_r12_matching_city_and_pauses_and_the_inactivated_pauses_messages(hc: Homecare) -> None:
    world = Scenario(hc.app)
    customer = world.customer()
    pause = _pause(world, customer, 10, 12)
    world.at = datetime(2026, 3, 20, tzinfo=UTC)
    hc.app.change_pause(
        pause, ends_at=datetime(2026, 3, 14, 9, tzinfo=UTC), actor=ACTOR, at=world.tick()
    )
    _drain(hc)
    result = hc.month_close.reconcile_pauses(now=LATER)
    assert result.differences == 0
    (entry,) = result.customers
    assert [(d.first_day, d.last_day) for d in entry.city_holds] == [
        (date(2026, 3, 10), date(2026, 3, 14))
    ]
    assert entry.city_holds == entry.pauses_imply
    (inactive,) = entry.inactivated_pauses
    assert inactive.pause_id == pause
    assert [(m.action, m.last_day, m.status) for m in inactive.messages] == [
        ("new", date(2026, 3, 12), "delivered"),
        ("changed", date(2026, 3, 14), "delivered"),
    ]
    assert all(m.delivered_at is not None for m in inactive.messages)
    # not ended yet at an earlier "now": not inactivated
    early = hc.month_close.reconcile_pauses(now=datetime(2026, 3, 13, tzinfo=UTC))
    assert early.customers[0].inactivated_pauses == []


def test_r12_an_undelivered_message_is_a_difference_with_its_cause(hc: Homecare) -> None:
    world = Scenario(hc.app)
    queued_customer, held_customer = world.customer(), world.customer()
    no_sd = world.staff(sd_number=False)
    world.visit(held_customer, no_sd, day=date(2026, 3, 2))  # held: holds the customer back
    _pause(world, queued_customer, 10, 12)
    _pause(world, held_customer, 20, 21)
    hc.catch_up()  # nothing fetched yet
    result = hc.month_close.reconcile_pauses(now=LATER)
    assert result.differences == 2
    by_customer = {c.customer: c for c in result.customers}
    (queued,) = by_customer[queued_customer.id].differences
    assert (queued.first_day, queued.last_day) == (date(2026, 3, 10), date(2026, 3, 12))
    assert (queued.side, queued.cause, len(queued.messages)) == ("missing_at_city", "queued", 1)
    (held,) = by_customer[held_customer.id].differences
    assert (held.side, held.cause) == ("missing_at_city", "held")
    assert by_customer[held_customer.id].city_holds == []
    # the city's next fetch settles the queued one; the held one stays until its fix
    _drain(hc)
    result = hc.month_close.reconcile_pauses(now=LATER)
    assert [d.cause for c in result.customers for d in c.differences] == ["held"]
    assert (
        hc.month_close.reconcile_pauses(customer_id=queued_customer.id, now=LATER).differences == 0
    )
    # the month filter: April has no paused days, so nothing differs in it
    assert hc.month_close.reconcile_pauses(year=2026, month=4, now=LATER).differences == 0
    hc.app.update_staff(no_sd, sd_number="SD-5", actor=ACTOR, at=world.tick())
    _drain(hc)
    assert hc.month_close.reconcile_pauses(now=LATER).differences == 0


def test_r12_a_pause_the_buffer_has_not_seen_yet_is_not_in_buffer(hc: Homecare) -> None:
    world = Scenario(hc.app)
    customer = world.customer()
    _pause(world, customer, 3, 4)
    hc.catch_up()
    _drain(hc)
    _pause(world, customer, 20, 22)
    runner = next(r for r in hc.runners if r.name == "pause_overview")
    runner.catch_up()  # only the overview sees the new pause
    (difference,) = hc.month_close.reconcile_pauses(now=LATER).customers[0].differences
    assert (difference.cause, difference.first_day) == ("not_in_buffer", date(2026, 3, 20))
    assert difference.last_day == date(2026, 3, 22)


def test_r12_every_message_of_a_pause_is_listed_even_more_than_a_block(hc: Homecare) -> None:
    world = Scenario(hc.app)
    customer = world.customer()
    for day in range(1, 21, 2):  # ten separate one-day periods: 1, 3, ..., 19 March
        world.pause(
            "order",
            customer.order,
            datetime(2026, 3, day, 9, tzinfo=UTC),
            datetime(2026, 3, day, 11, tzinfo=UTC),
            reason="own_request",
        )
    hc.catch_up()
    before = len(hc.buffer.fetch(limit=500).items)
    merging = world.pause(
        "customer",
        customer.id,
        datetime(2026, 3, 1, 9, tzinfo=UTC),
        datetime(2026, 3, 25, 9, tzinfo=UTC),
    )
    hc.catch_up()
    caused = len(hc.buffer.fetch(limit=500).items) - before
    assert caused > 8  # one changed, the other nine cancelled
    (entry,) = hc.month_close.reconcile_pauses(now=LATER).customers
    listed = {p.pause_id: p.messages for p in entry.inactivated_pauses}
    assert len(listed[merging]) == caused
    assert sorted({m.action for m in listed[merging]}) == ["cancelled", "changed"]
