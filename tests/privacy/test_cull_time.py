"""R16, D11: a culling is dated like every other entry of the subject's record, and its
time is the one culling time shown everywhere. Both stores.

The reviewer's case: `hc.cull(customer, actor="dpo", at=now - 300 days)` on a customer
registered at `now` was accepted (recorded, key destroyed; culled_at 2025-...), while
`homecare privacy culled` showed the wall-clock time the key row was written: two
places disagreed on when it happened. Now a culling dated before the subject's last
event is TimeWentBackwardsError with nothing recorded, and the key row keeps the
record's time, so the register, the export and the cull's result agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from homecare.bootstrap import Homecare
from homecare.domain.culling import Culling
from homecare.domain.customer import Customer
from homecare.domain.staff import Staff
from homecare.errors import TimeWentBackwardsError
from homecare.privacy import export
from tests.cli.conftest import Cli
from tests.scenario import Scenario, local

NOW = local(2026, 3, 2, 9)


def test_D11_a_culling_dated_before_the_customers_last_event_is_refused(hc: Homecare) -> None:
    s = Scenario(hc.app, at=NOW)
    c = s.customer()
    last = hc.app.get(Customer, c.id).modified_on
    before = hc.log.end()
    with pytest.raises(TimeWentBackwardsError) as refused:
        hc.cull(c.id, actor="dpo", at=NOW - timedelta(days=300))
    assert refused.value.code == "time_went_backwards"
    assert hc.log.end() == before  # nothing recorded
    assert hc.app.culling_of(c.id) is None
    assert hc.subject_keys.culled() == []  # the key is still there
    assert hc.app.get(Customer, c.id).name != "culled"
    with pytest.raises(TimeWentBackwardsError):
        hc.app.record_culling(
            c.id,
            subject_kind="customer",
            reason="on_demand",
            legal_basis="GDPR art. 17",
            fetched_up_to=0,
            actor="dpo",
            at=last - timedelta(microseconds=1),
        )
    done = hc.cull(c.id, actor="dpo", at=last)  # the same instant is not before it
    assert done.recorded


def test_D11_a_staff_members_culling_is_dated_after_their_last_update(hc: Homecare) -> None:
    s = Scenario(hc.app, at=NOW)
    k = s.staff()
    hc.app.update_staff(k, sd_number="SD-77", actor="karin", at=NOW + timedelta(days=10))
    with pytest.raises(TimeWentBackwardsError):
        hc.cull(k, kind="staff", actor="dpo", at=NOW + timedelta(days=9))
    assert hc.app.culling_of(k) is None
    assert hc.cull(k, kind="staff", actor="dpo", at=NOW + timedelta(days=10)).recorded
    assert hc.app.get(Staff, k).sd_number == "SD-77"


def test_R16_one_culling_time_everywhere(hc: Homecare, store_url: str) -> None:
    s = Scenario(hc.app, at=NOW)
    c = s.customer()
    s.visit(c, s.staff(), day=date(2026, 3, 3))
    at = local(2026, 5, 4, 13)  # not the wall clock: the time the host gives the cull
    result = hc.cull(c.id, actor="dpo", at=at)
    record = hc.app.culling_of(c.id)
    assert isinstance(record, Culling)
    assert result.culled_at == record.culled_at == at
    (row,) = hc.subject_keys.culled()
    assert row.culled_at == at
    document = export(hc, c.id, reader="dpo", purpose="art. 15 request")
    assert datetime.fromisoformat(document["key"]["culled_at"]) == at
    (listed,) = Cli(store_url).json("privacy", "culled", "--json")
    assert datetime.fromisoformat(listed["culled_at"]).astimezone(UTC) == at
    shown = Cli(store_url).ok("privacy", "culled").stdout
    assert "2026-05-04 13:00" in shown  # Stockholm time, as the record says
    again = hc.cull(c.id, actor="dpo", at=local(2026, 6, 1))  # finds the record: its time
    assert again.culled_at == at
    assert not again.recorded
