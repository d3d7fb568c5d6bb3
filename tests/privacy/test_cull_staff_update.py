"""R16: what a culled staff member's account still takes, as docs/privacy.md says. Both
stores.

An update that would write their personnummer again (an SD number, whose event repeats
the number; a new number) is refused: no personal data is written for a culled
subject. Removing the number writes none and is accepted; after it the SD number may
be changed. The buffer keeps the culled marker for the number throughout.
"""

from __future__ import annotations

import pytest

from homecare.bootstrap import Homecare
from homecare.domain.privacy import CULLED
from homecare.errors import RuleViolationError
from tests.scenario import Scenario, pnr


def _buffer_row(hc: Homecare, staff: object) -> dict[str, object]:
    hc.catch_up()
    (row,) = [r for r in hc.buffer.dump()["homecare_buffer_staff"] if r["staff_id"] == staff]
    return row


def test_R16_a_culled_staff_members_sd_number_is_not_updated_while_it_holds_the_number(
    hc: Homecare,
) -> None:
    s = Scenario(hc.app)
    k = s.staff()
    hc.cull(k, kind="staff", actor="dpo", at=s.tick())
    before = hc.log.end()
    with pytest.raises(RuleViolationError, match="culled") as refused:
        hc.app.update_staff(k, sd_number="SD-9", actor="karin", at=s.tick())
    assert refused.value.code == "rule_violation"
    with pytest.raises(RuleViolationError):
        hc.app.update_staff(k, personnummer=pnr(90), actor="karin", at=s.tick())
    assert hc.log.end() == before
    hc.app.update_staff(k, personnummer=None, actor="karin", at=s.tick())  # writes none
    hc.app.update_staff(k, sd_number="SD-10", actor="karin", at=s.tick())
    row = _buffer_row(hc, k)
    assert (row["personnummer"], row["sd_number"]) == (CULLED.text, "SD-10")
