"""R16: what a staff member's cull does not erase, as docs/privacy.md states it.

The reviewer's case: a visit recorded with `actor="<staff name>"` and a decline with
`declined_by=<staff name>` keep the name after `hc.cull(staff, kind="staff")`. Decided:
documented, not sealed (docs/privacy.md, "What a staff member's cull does not erase"):
an actor is a text, not a reference to a staff record, so there is no key of theirs
for it; `declined_by` goes with the customer's key. This test holds the code to what
the page says, so the page cannot drift from it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from homecare.audit import history
from homecare.bootstrap import Homecare
from homecare.domain.assignment import Assignment
from homecare.domain.privacy import CULLED
from homecare.domain.staff import Staff
from tests.scenario import Scenario

NAME = "Anna Andersson"
PAGE = Path(__file__).parents[2] / "docs" / "privacy.md"


def test_R16_a_staff_member_s_cull_leaves_their_name_where_it_was_an_actor(hc: Homecare) -> None:
    s = Scenario(hc.app)
    c = s.customer()
    staff = s.staff(name=NAME)
    performed = s.visit(c, staff, day=date(2026, 3, 2), until="performed")
    hc.app.attest_assignments([performed], actor=NAME, at=s.tick())
    declined = s.visit(c, staff, day=date(2026, 3, 3), until="planned")
    at = s.tick() + timedelta(days=2)
    hc.app.record_declined_visit(
        declined, declined_at=at - timedelta(hours=1), declined_by=NAME, actor="eva", at=at
    )
    s.at = at
    hc.cull(staff, kind="staff", actor="dataskydd", at=s.tick())
    assert hc.app.get(Staff, staff).name == CULLED.text  # theirs: erased
    actors = {e.actor for e in history(hc, c.id)}
    assert NAME in actors  # an actor's text: stays (documented)
    assert hc.app.get(Assignment, declined).declined_by == NAME  # the customer's key: stays
    hc.cull(c.id, actor="dataskydd", at=s.tick())
    assert hc.app.get(Assignment, declined).declined_by == CULLED.text  # gone with the customer
    assert NAME in {e.actor for e in history(hc, c.id)}  # the actor stays even then

    page = PAGE.read_text(encoding="utf-8")
    section = page.split("### What a staff member's cull does not erase", 1)[1].split("\n## ")[0]
    for said in ("`actor`", "`declined_by`", "**customer's** key", "audit history", "`u1234`"):
        assert said in section, said
