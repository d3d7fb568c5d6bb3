"""The buffer's parsed decisions, kept across pages by id (issue 16, `outbox.facts`).

A decision read again is the one parsed before only while what is stored for it is
the same; a decision stored otherwise under the same id is parsed again (R5's checks
must see what is stored), and what is kept stays bounded.
"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from homecare.outbox import facts
from homecare.outbox.facts import decision_fact


def test_the_same_decision_is_parsed_once_and_a_changed_one_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(facts, "_PARSED", {})
    decision_id = uuid4()
    stored = decision_fact(decision_id, date(2026, 1, 1), None, ["cleaning", "shopping"])
    first = facts._decision(stored)
    assert facts._decision(dict(stored)) is first
    assert first.valid_to is None
    assert first.activities == frozenset({"cleaning", "shopping"})

    ended = decision_fact(decision_id, date(2026, 1, 1), date(2026, 3, 31), ["cleaning"])
    again = facts._decision(ended)
    assert again.valid_to == date(2026, 3, 31)
    assert again.activities == frozenset({"cleaning"})
    assert facts._decision(stored) == first  # and back


def test_a_stored_list_changed_in_place_is_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """What is kept is a copy: the dict a decision was parsed from may be changed later."""
    monkeypatch.setattr(facts, "_PARSED", {})
    stored = decision_fact(uuid4(), date(2026, 1, 1), None, ["cleaning"])
    facts._decision(stored)
    stored["activities"].append("shopping")
    stored["valid_to"] = "2026-02-01"
    parsed = facts._decision(stored)
    assert parsed.activities == frozenset({"cleaning", "shopping"})
    assert parsed.valid_to == date(2026, 2, 1)


def test_what_is_kept_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts, "_PARSED", {})
    monkeypatch.setattr(facts, "_PARSED_KEPT", 4)
    for _ in range(20):
        stored = decision_fact(uuid4(), date(2026, 1, 1), None, ["cleaning"])
        assert facts._decision(stored).decision_id.hex == stored["decision_id"].replace("-", "")
        assert len(facts._PARSED) <= 4
