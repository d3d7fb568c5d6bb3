"""The example the README promises: a customer, a pause, a confirmed visit.

Runs on the embedded default store (`sqlite:///homecare.db`) in a fresh
temporary directory, so every run starts empty and leaves nothing behind, then
prints every stored event, one per line: position, aggregate type, event
name, actor, timestamp.

    python scripts/example.py                        # the default SQLite file, fresh
    python scripts/example.py --database-url URL     # any store, e.g. PostgreSQL
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from homecare import Homecare, connect

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=STOCKHOLM)
HOUR = timedelta(hours=1)


def run(hc: Homecare) -> None:
    app = hc.app
    office, nurse = "office:karin", "staff:anna"
    customer = app.register_customer(
        personnummer="19121212-1212",
        name="Tolvan Tolvansson",
        organisation="Team Norr",
        actor=office,
        at=MONDAY - timedelta(days=7),
    )
    contract = app.open_contract(customer, actor=office, at=MONDAY - timedelta(days=7))
    order = app.place_order(contract, activities=["shower"], actor=office, at=MONDAY)
    staff = app.register_staff(
        name="Anna Andersson",
        personnummer="19811218-9876",
        sd_number="SD-1001",
        actor=office,
        at=MONDAY,
    )
    visit = app.plan_assignment(
        order_id=order,
        staff_id=staff,
        planned_start=MONDAY + HOUR,
        planned_end=MONDAY + 2 * HOUR,
        shift_day=MONDAY.date(),
        actor=office,
        at=MONDAY,
    )
    app.record_performance(
        visit,
        start=MONDAY + HOUR,
        end=MONDAY + 2 * HOUR,
        activities=["shower"],
        actor=nurse,
        at=MONDAY + 2 * HOUR,
    )
    app.attest_assignments([visit], actor=office, at=MONDAY + 8 * HOUR)
    app.confirm_assignments([visit], actor=office, at=MONDAY + 8 * HOUR)  # R1: the explicit yes
    app.create_pause(  # R8: the customer goes to hospital from Wednesday
        level="customer",
        target_id=customer,
        notified_at=MONDAY + 9 * HOUR,
        reason="hospital_stay",
        starts_at=MONDAY + timedelta(days=2),
        actor=office,
        at=MONDAY + 9 * HOUR,
    )


def print_events(hc: Homecare) -> None:
    """One line per stored event, in log order (the notification id is the position)."""
    kinds: dict[object, str] = {}
    for notification in hc.app.recorder.select_notifications(start=1, limit=10_000):
        event = cast(Aggregate.Event, hc.app.mapper.to_domain_event(notification))
        if isinstance(event, Aggregate.Created):
            kinds[event.originator_id] = event.originator_topic.rsplit(".", 1)[-1].split(":")[-1]
        kind = kinds.get(event.originator_id, "?")
        name = kind + type(event).__name__  # Pause + Created -> PauseCreated
        actor = getattr(event, "actor", "-")
        print(
            f"{notification.id:>3}  {kind:<11} {name:<28} {actor:<13} {event.timestamp.isoformat()}"
        )


@contextmanager
def store(database_url: str | None) -> Iterator[Homecare]:
    if database_url is not None:
        with connect(database_url) as hc:
            yield hc
        return
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="homecare-example-") as fresh:
        os.chdir(fresh)  # the default URL is relative: a fresh homecare.db each run
        try:
            with connect("sqlite:///homecare.db") as hc:
                yield hc
        finally:
            os.chdir(here)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a store to use instead of a fresh SQLite file")
    args = parser.parse_args(argv)
    with store(args.database_url) as hc:
        run(hc)
        print(f"Events stored in {hc.settings.redacted_url}:")
        print_events(hc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
