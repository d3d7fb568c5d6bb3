"""R17: the city's fetch over HTTP records, per item, each subject whose personnummer it
carries: the customer, and a visit report's staff member (reader: the token's name)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from homecare.bootstrap import Homecare
from homecare.domain.privacy import SubjectKind
from homecare.privacy import Channel
from tests.http.conftest import CITY, Live
from tests.scenario import Scenario


def test_a_fetch_records_the_customer_and_staff_member_of_every_item(
    hc: Homecare, live: Live
) -> None:
    world = Scenario(hc.app)
    staff = world.staff()
    anna, bertil = world.customer(), world.customer()
    world.visit(anna, staff, day=date(2026, 3, 2))
    world.pause("customer", bertil.id, datetime(2026, 3, 3, 8, tzinfo=UTC))
    hc.catch_up()
    before = datetime.now(UTC)
    with live.client(CITY) as city:
        body = city.get("/buffer/items", params={"limit": 10}).json()
        assert city.get("/buffer/items", params={"after": body["cursor"]}).json()["items"] == []
    assert [item["kind"] for item in body["items"]] == ["visit_report", "customer_pause"]
    entries = hc.access.entries()
    assert [(e.subject_id, e.subject_kind) for e in entries] == [
        (anna.id, SubjectKind.CUSTOMER),
        (staff, SubjectKind.STAFF),
        (bertil.id, SubjectKind.CUSTOMER),
    ]
    assert {(e.reader, e.what, e.purpose, e.channel) for e in entries} == {
        ("city", "fetch", "the city's poll", Channel.HTTP)
    }
    assert all(before <= e.at <= datetime.now(UTC) for e in entries)
