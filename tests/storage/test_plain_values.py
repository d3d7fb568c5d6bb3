"""D10 at the door: a subclass of a plain type is taken as the plain value, on both stores.

The reviewer's case: a datetime or date subclass (freezegun's FakeDatetime, pendulum's
DateTime, whose tzinfo is pendulum's own Timezone) reached the event store, which
cannot encode it: every command failed with eventsourcing's raw
TranscodingNotRegisteredError. The same kind: a str subclass (an enum.StrEnum given as
a name or an activity), an int subclass (an enum.IntEnum), a UUID subclass as an id.

Each command is run twice into one store, once with plain values and once with
subclasses of them; the second run's events must be the first run's, field for field
and type for type (ids and the nonces of sealed fields apart), and an aggregate read
back from the store must equal the live one.
"""

from __future__ import annotations

import enum
from base64 import b64encode
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
import pytest

from homecare import VisitReport
from homecare.bootstrap import Homecare, connect
from homecare.domain import Assignment, Contract, Customer, Order, Pause, Staff
from homecare.domain.common import STOCKHOLM
from homecare.domain.culling import Culling
from homecare.domain.shift import WorkShift
from tests.domain.pnr import VALID, VALID_STAFF
from tests.domain.zones import OwnZone

KEY = b64encode(bytes(range(32))).decode()


class Instant(datetime):
    """As freezegun's FakeDatetime or pendulum's DateTime."""

    def __str__(self) -> str:  # never used for the value
        return "an instant"


class Day(date):
    def __str__(self) -> str:
        return "a day"


class Text(str):
    """As markupsafe's Markup: its methods return its own class."""

    __slots__ = ()

    def __str__(self) -> str:  # the value is the text itself, not what str() says
        return "not the text"

    def strip(self, chars: str | None = None) -> Text:
        return Text(str.strip(self, chars))


class Number(enum.IntEnum):
    ZERO = 0
    SEVEN = 7


class Activity(enum.StrEnum):
    SHOWER = "shower"
    SHOPPING = "shopping"


class Id(UUID):
    __slots__ = ()


@dataclass
class Values:
    """Plain values, or (`sub`) subclasses of them holding the same values."""

    sub: bool
    ids: list[UUID] = field(default_factory=list)

    def at(self, year: int, month: int, day: int, hour: int = 9) -> datetime:
        if self.sub:
            return Instant(year, month, day, hour, tzinfo=OwnZone())
        return datetime(year, month, day, hour, tzinfo=STOCKHOLM)

    def day(self, year: int, month: int, day: int) -> date:
        return Day(year, month, day) if self.sub else date(year, month, day)

    def text(self, value: str) -> str:
        return Text(value) if self.sub else value

    def activity(self, value: str) -> str:
        return Activity(value) if self.sub else value

    def number(self, value: int) -> int:
        return Number(value) if self.sub else value

    def id(self, value: UUID) -> UUID:
        return Id(int=value.int) if self.sub else value

    def made(self, value: UUID) -> UUID:
        self.ids.append(value)
        return value


def flow(hc: Homecare, v: Values) -> None:
    """Every command of the facade, each field given through `v`."""
    app = hc.app
    by = v.text("karin")

    def at(day: int, hour: int = 9) -> datetime:
        return v.at(2026, 3, day, hour)

    kund = v.made(
        app.register_customer(
            personnummer=v.text(VALID),
            name=v.text("Tolvan Tolvansson"),
            organisation=v.text("Team Norr"),
            actor=by,
            at=at(2),
        )
    )
    v.made(
        app.register_decision(
            v.id(kund),
            valid_from=v.day(2026, 3, 2),
            valid_to=v.day(2026, 12, 31),
            activities=[v.activity("shower"), v.activity("shopping")],
            actor=by,
            at=at(2),
        )
    )
    contract = v.made(app.open_contract(v.id(kund), actor=by, at=at(2)))
    order = v.made(
        app.place_order(v.id(contract), activities=[v.activity("shower")], actor=by, at=at(2))
    )
    anna = v.made(
        app.register_staff(
            name=v.text("Anna Andersson"),
            personnummer=v.text(VALID_STAFF),
            sd_number=v.text("SD-1001"),
            actor=by,
            at=at(2),
        )
    )
    app.update_staff(v.id(anna), sd_number=v.text("SD-1002"), actor=by, at=at(2, 10))

    def plan(day: int) -> UUID:
        return v.made(
            app.plan_assignment(
                order_id=v.id(order),
                staff_id=v.id(anna),
                planned_start=at(day, 10),
                planned_end=at(day, 11),
                shift_day=v.day(2026, 3, day),
                actor=by,
                at=at(day),
            )
        )

    first, second, third, fourth = plan(3), plan(4), plan(5), plan(6)
    app.record_performance(
        v.id(first),
        start=at(3, 10),
        end=at(3, 11),
        activities=[v.activity("shower")],
        actor=by,
        at=at(3, 12),
    )
    app.correct_assignment(
        v.id(first),
        start=at(3, 10),
        end=at(3, 12),
        activities=[v.activity("shower")],
        actor=by,
        at=at(3, 13),
    )
    app.attest_assignments([v.id(first)], actor=by, at=at(3, 14))
    app.confirm_assignment(v.id(first), actor=by, at=at(3, 15))
    app.record_declined_visit(
        v.id(second),
        declined_at=at(4, 10),
        declined_by=v.text("Tolvan"),
        reason=v.text("Sjuk"),
        actor=by,
        at=at(4, 11),
    )
    app.attest_assignments([v.id(second)], actor=by, at=at(4, 12))
    app.confirm_assignments([v.id(second)], actor=by, at=at(4, 13))
    app.record_performance(
        v.id(third),
        start=at(5, 10),
        end=at(5, 11),
        activities=[v.activity("shower"), v.activity("shopping")],
        actor=by,
        at=at(5, 11),
    )
    report = VisitReport(start=at(5, 10), end=at(5, 11), activities=(v.activity("shower"),))
    app.confirm_shift(
        v.id(anna), v.day(2026, 3, 5), corrections={v.id(third): report}, actor=by, at=at(5, 12)
    )
    del fourth  # planned only
    pause = v.made(
        app.create_pause(
            level=v.text("customer"),
            target_id=v.id(kund),
            notified_at=at(7),
            reason=v.text("other"),
            reason_text=v.text("Hos dottern"),
            starts_at=at(10),
            ends_at=at(12),
            actor=by,
            at=at(7),
        )
    )
    app.change_pause(
        v.id(pause),
        starts_at=at(11),
        ends_at=at(13),
        reason=v.text("own_request"),
        reason_text=v.text("Semester"),
        actor=by,
        at=at(8),
    )
    app.cancel_pause(v.id(pause), actor=by, at=at(9))
    recorded = app.record_culling(
        v.id(anna),
        subject_kind=v.text("staff"),
        reason=v.text("on_demand"),
        legal_basis=v.text("GDPR art. 17"),
        fetched_up_to=v.number(7),
        actor=by,
        at=at(20),
    )
    assert type(recorded.culling.fetched_up_to) is int
    assert type(recorded.culling.legal_basis) is str


def _events(hc: Homecare, after: int) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(topic, the stored JSON, the decoded event's fields) of each event after `after`."""
    mapper = hc.log.mapper
    for page in hc.log.pages(page_size=500):
        for stored in page:
            if stored.id > after:
                state = stored.state
                if mapper.cipher is not None:
                    state = mapper.cipher.decrypt(state)
                if mapper.compressor is not None:
                    state = mapper.compressor.decompress(state)
                event = hc.log.decode(stored)
                yield stored.topic, orjson.loads(state), dict(vars(event))


def _same_up_to_ids(first: Any, second: Any, ids: dict[Any, Any], where: str) -> None:
    """`second` is `first` with ids mapped (by first appearance) and seals ignored."""
    assert type(second) is type(first), f"{where}: {type(second)} is not {type(first)}"
    if isinstance(first, dict):
        if first.get("_type_") == "hc_sealed":
            assert second.get("_type_") == "hc_sealed", where
            return
        assert second.keys() == first.keys(), where
        for key in first:
            _same_up_to_ids(first[key], second[key], ids, f"{where}.{key}")
    elif isinstance(first, list | tuple | frozenset):
        left, right = (sorted(x, key=str) for x in (first, second))
        assert len(left) == len(right), where
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            _same_up_to_ids(a, b, ids, f"{where}[{index}]")
    elif isinstance(first, UUID) or (isinstance(first, str) and len(first) == 32):
        assert ids.setdefault(first, second) == second, f"{where}: another id"
    else:
        assert second == first, f"{where}: {second!r} is not {first!r}"


@pytest.mark.parametrize("key", [False, True], ids=["clear", "cipher key"])
def test_D10_subclasses_of_plain_values_record_what_the_plain_values_record(
    store_url: str, key: bool
) -> None:
    hc = connect(store_url, cipher_key=KEY if key else None)
    try:
        flow(hc, Values(sub=False))
        middle = hc.log.end()
        subclassed = Values(sub=True)
        flow(hc, subclassed)
        plain_events = list(_events(hc, 0))[: middle - 0]
        sub_events = list(_events(hc, middle))
        assert len(sub_events) == len(plain_events) == middle
        ids: dict[Any, Any] = {}
        for index, (plain, sub) in enumerate(zip(plain_events, sub_events, strict=True)):
            assert sub[0] == plain[0], f"event {index}: {sub[0]} is not {plain[0]}"
            _same_up_to_ids(plain[1], sub[1], ids, f"{plain[0]} stored")
            _same_up_to_ids(plain[2], sub[2], ids, f"{plain[0]} decoded")
        hc.catch_up()
        _live_equals_stored(hc, store_url, subclassed.ids, KEY if key else None)
    finally:
        hc.close()


def _live_equals_stored(hc: Homecare, store_url: str, ids: list[UUID], key: str | None) -> None:
    kinds: list[type[Any]] = [Customer, Contract, Order, Staff, Assignment, Pause]
    again = connect(store_url, cipher_key=key)
    try:
        for aggregate_id in ids:
            for kind in kinds:
                live = _found(hc, kind, aggregate_id)
                if live is None:
                    continue
                stored = again.app.get(kind, aggregate_id)
                assert vars(stored) == vars(live), kind.__name__
                for name, value in vars(live).items():
                    assert type(vars(stored)[name]) is type(value), f"{kind.__name__}.{name}"
        staff = ids[4]
        culling = hc.app.culling_of(staff)
        assert culling is not None
        assert type(culling.fetched_up_to) is int
        assert vars(again.app.culling_of(staff)) == vars(culling)
        assert isinstance(culling, Culling)
        shift = again.app.get(WorkShift, WorkShift.id_for(staff, date(2026, 3, 5)))
        assert type(shift.day) is date
    finally:
        again.close()


def _found(hc: Homecare, kind: type[Any], aggregate_id: UUID) -> Any:
    try:
        return hc.app.get(kind, aggregate_id)
    except LookupError:
        return None
