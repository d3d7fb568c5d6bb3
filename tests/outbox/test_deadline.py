"""R14: the deadline report and the month report through the API, on both stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from homecare.bootstrap import Homecare, connect
from homecare.errors import InvalidInputError
from homecare.outbox.deadline import EFFORT, NOT_CONFIRMED, QUEUED
from homecare.outbox.validation import Reason
from homecare.settings import Settings
from tests.conftest import ACTOR
from tests.scenario import Scenario

RUN_2026_03 = datetime(2026, 4, 6, 8, 0, tzinfo=UTC)  # 10:00 Stockholm, Easter Monday
BEFORE, AFTER = RUN_2026_03 - timedelta(hours=1), RUN_2026_03 + timedelta(hours=1)


def test_r14_a_held_item_is_at_risk_until_fixed_and_fetched(hc: Homecare) -> None:
    world = Scenario(hc.app)
    ok, no_sd = world.staff(), world.staff(sd_number=False)
    world.visit(world.customer(), ok)
    held = world.visit(world.customer(), no_sd)
    unconfirmed = world.visit(world.customer(), ok, until="attested")
    hc.catch_up()
    report = hc.month_close.deadline(2026, 3, now=BEFORE)
    assert report.status == "at_risk"
    assert report.run_at == RUN_2026_03
    assert report.seconds_left == 3600
    assert report.not_delivered == 3
    assert [(g.reason, g.effort) for g in report.groups] == [
        ("queued", 1),
        ("not_confirmed", 2),
        ("staff_missing_sd_number", 3),
    ]
    assert [i.assignment_id for i in report.groups[2].items] == [held]
    assert [i.assignment_id for i in report.groups[1].items] == [unconfirmed]
    assert "SD number" in report.groups[2].fix
    # after the run the same items are late
    assert hc.month_close.deadline(2026, 3, now=AFTER).status == "late"
    # the fix at the source (R6), confirming, and the city's next fetch clear it
    hc.app.update_staff(no_sd, sd_number="SD-9", actor=ACTOR, at=world.tick())
    hc.app.confirm_assignment(unconfirmed, actor=ACTOR, at=world.tick())
    hc.catch_up()
    assert hc.month_close.deadline(2026, 3, now=BEFORE).not_delivered == 3  # all queued
    first = hc.buffer.fetch(at=BEFORE)
    hc.buffer.fetch(after=first.cursor, at=BEFORE)
    report = hc.month_close.deadline(2026, 3, now=BEFORE)
    assert (report.status, report.not_delivered, report.groups) == ("clear", 0, [])


def test_r14_other_months_are_not_counted_and_the_default_is_the_month_due(
    hc: Homecare,
) -> None:
    world = Scenario(hc.app)
    world.visit(world.customer(), world.staff(), day=date(2026, 4, 1))
    hc.catch_up()
    assert hc.month_close.deadline(2026, 3, now=BEFORE).status == "clear"
    due = hc.month_close.deadline(now=AFTER)  # after March's run, April is due
    assert (due.month, due.status, due.not_delivered) == ("2026-04", "at_risk", 1)
    assert hc.month_close.deadline(now=BEFORE).month == "2026-03"


def test_r14_month_report_counts_before_and_after_the_run(hc: Homecare) -> None:
    world = Scenario(hc.app)
    staff, no_sd = world.staff(), world.staff(sd_number=False)
    customers = [world.customer() for _ in range(4)]  # Team 0, 1, 2, 0
    for customer in customers:
        world.visit(customer, staff)  # 30 minutes each
    hc.catch_up()
    first = hc.buffer.fetch(limit=2, at=BEFORE)  # positions 1, 2 (Team 0, Team 1)
    second = hc.buffer.fetch(after=first.cursor, limit=1, at=BEFORE)  # acks 1, 2 before
    hc.buffer.fetch(after=second.cursor, limit=1, at=AFTER)  # acks 3 (Team 2) after
    world.visit(customers[1], no_sd)  # held
    world.visit(customers[0], staff, day=date(2026, 2, 27))  # another month
    hc.catch_up()
    report = hc.month_close.report(2026, 3)
    by_team = {o.organisation: o for o in report.organisations}
    assert sorted(by_team) == ["Team 0", "Team 1", "Team 2"]
    assert by_team["Team 0"].visits_confirmed == 2
    assert by_team["Team 0"].visits_delivered_before_run == 1
    assert by_team["Team 0"].visits_queued == 1
    assert by_team["Team 0"].performed_hours_in_time == 0.5
    assert by_team["Team 1"].visits_delivered_before_run == 1
    assert by_team["Team 1"].visits_held == 1
    assert by_team["Team 2"].visits_delivered_after_run == 1
    assert by_team["Team 2"].performed_hours_in_time == 0.0
    total = report.total
    assert (total.visits_confirmed, total.visits_delivered_before_run) == (5, 2)
    assert (total.visits_delivered_after_run, total.visits_queued, total.visits_held) == (1, 1, 1)
    assert total.performed_hours_in_time == 1.0
    assert report.model_dump(mode="json")["run_at"] == "2026-04-06T10:00:00+02:00"


def test_r14_saturday_as_a_weekday_is_a_setting_from_the_environment(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with connect(store_url) as hc:  # default: a Saturday is a holiday, 10:00
        assert hc.month_close.payment_run(2027, 1).at.hour == 10
    monkeypatch.setenv("HOMECARE_SATURDAY_IS_HOLIDAY", "false")
    with connect(store_url) as hc:
        assert hc.month_close.payment_run(2027, 1).at.hour == 18
        assert hc.month_close.deadline(2027, 1, now=BEFORE).run_at.hour == 18
    with connect(settings=Settings(database_url=store_url, saturday_is_holiday=True)) as hc:
        assert hc.month_close.payment_run(2027, 1).at.hour == 10
    monkeypatch.setenv("HOMECARE_SATURDAY_IS_HOLIDAY", "perhaps")
    with pytest.raises(InvalidInputError, match="saturday_is_holiday"):
        connect(store_url)


def test_r14_metrics_for_the_month_due(hc: Homecare) -> None:
    world = Scenario(hc.app)
    world.visit(world.customer(), world.staff(sd_number=False))
    world.visit(world.customer(), world.staff())
    hc.catch_up()
    samples = {(s.name, s.labels.get("reason")): s for s in hc.month_close.metrics(now=BEFORE)}
    run = samples[("homecare_payment_run_timestamp_seconds", None)]
    assert (run.labels, run.value) == ({"month": "2026-03"}, RUN_2026_03.timestamp())
    assert samples[("homecare_payment_run_seconds_left", None)].value == 3600
    assert samples[("homecare_payment_run_items_not_delivered", None)].value == 2
    by_reason = "homecare_payment_run_items_not_delivered_by_reason"
    assert samples[(by_reason, "queued")].value == 1
    assert samples[(by_reason, "staff_missing_sd_number")].value == 1
    assert samples[(by_reason, "no_valid_decision")].value == 0


def test_r14_month_report_counts_pause_messages_sent_and_waiting(hc: Homecare) -> None:
    world = Scenario(hc.app)
    customers = [world.customer() for _ in range(2)]  # Team 0, Team 1
    for customer, day in zip(customers, (10, 20), strict=True):
        world.pause(
            "customer",
            customer.id,
            datetime(2026, 3, day, 9, tzinfo=UTC),
            datetime(2026, 3, day + 2, 9, tzinfo=UTC),
        )
    hc.catch_up()
    first = hc.buffer.fetch(limit=1, at=BEFORE)
    hc.buffer.fetch(after=first.cursor, limit=1, at=AFTER)  # acks Team 0's, after the run
    report = hc.month_close.report(2026, 3)
    by_team = {o.organisation: o for o in report.organisations}
    assert by_team["Team 0"].pause_messages_sent == 1
    assert by_team["Team 0"].pause_messages_sent_before_run == 0
    assert by_team["Team 1"].pause_messages_waiting == 1
    assert report.total.visits_confirmed == 0


def test_r14_r7_a_visit_inside_a_pause_is_listed_apart_not_at_risk(hc: Homecare) -> None:
    """A performed visit lying in a pause cannot be confirmed (R7), so it is never
    paid and cannot be at risk: the month is clear once the rest is delivered, and
    the visit is listed in `in_pause` with its customer."""
    world = Scenario(hc.app)
    staff = world.staff()
    customer = world.customer()
    paused = world.visit(customer, staff, until="attested")  # 2026-03-02 09:00 UTC
    other = world.customer()
    unconfirmed = world.visit(other, staff, until="attested")
    world.pause(
        "customer",
        customer.id,
        datetime(2026, 3, 1, 9, tzinfo=UTC),
        datetime(2026, 3, 3, 9, tzinfo=UTC),
    )
    assert hc.app.pause_covering(paused) is not None
    assert hc.app.pause_covering(unconfirmed) is None
    hc.catch_up()
    report = hc.month_close.deadline(2026, 3, now=BEFORE)
    assert [i.assignment_id for i in report.in_pause] == [paused]
    # at risk: the pause's own message for the city (queued) and the other visit
    assert report.not_delivered == 2
    assert [(g.reason, [i.assignment_id for i in g.items]) for g in report.groups] == [
        ("queued", [None]),
        ("not_confirmed", [unconfirmed]),
    ]
    hc.app.confirm_assignment(unconfirmed, actor=ACTOR, at=world.tick())
    hc.catch_up()
    hc.buffer.fetch(after=hc.buffer.fetch(at=BEFORE).cursor, at=BEFORE)
    report = hc.month_close.deadline(2026, 3, now=BEFORE)
    assert (report.status, report.not_delivered) == ("clear", 0)
    assert [i.assignment_id for i in report.in_pause] == [paused]


def test_r14_every_reason_an_item_can_wait_for_has_an_effort_and_a_fix() -> None:
    """The deadline report groups by reason, easiest fix first: no reason may lack one."""
    assert set(EFFORT) == {QUEUED, NOT_CONFIRMED} | {r.value for r in Reason}
    assert all(text and fix for text, fix in EFFORT.values())
