"""The customer (kund) and the municipality's decisions (beslut) about them.

A decision grants a set of activities for a period; the integration buffer
checks every reported visit against it (R5), so a customer answers "which
decision is valid on this day".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from homecare.domain.common import kept_clear, stamp
from homecare.domain.fields import (
    NAME_MAX,
    ORGANISATION_MAX,
    require_activities,
    require_day,
    require_id,
    require_text,
)
from homecare.domain.identity import PersonalIdentityNumber, require_personnummer
from homecare.domain.pausable import Pausable
from homecare.errors import InvalidPeriodError

__all__ = ["Customer", "Decision", "decision_on"]


@dataclass(frozen=True)
class Decision:
    """A needs-assessment decision: granted activities, valid_from..valid_to inclusive."""

    decision_id: UUID
    valid_from: date
    valid_to: date | None
    activities: frozenset[str]

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Customer(Pausable):
    """A care recipient: identity, name and the organisation (unit or team) they belong to."""

    class Registered(Aggregate.Created):
        personnummer: PersonalIdentityNumber
        name: str
        organisation: str
        actor: str

    class DecisionRegistered(Aggregate.Event):
        decision_id: UUID
        valid_from: date
        valid_to: date | None
        activities: list[str]
        actor: str

    @event(Registered)
    def __init__(
        self,
        personnummer: PersonalIdentityNumber,
        name: str,
        organisation: str,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.personnummer = personnummer
        self.name = name
        self.organisation = organisation
        self.decisions: list[Decision] = []
        self.registered_by = actor

    @classmethod
    def register(
        cls,
        *,
        personnummer: PersonalIdentityNumber,
        name: str,
        organisation: str,
        actor: str,
        at: datetime,
    ) -> Customer:
        """Limits: name NAME_MAX, organisation ORGANISATION_MAX characters (D10)."""
        return cls(
            personnummer=require_personnummer(personnummer),
            name=require_text(name, "name", NAME_MAX),
            organisation=kept_clear(
                require_text(organisation, "organisation", ORGANISATION_MAX), "organisation"
            ),
            **stamp(actor, at),
        )

    def register_decision(
        self,
        *,
        decision_id: UUID,
        valid_from: date,
        valid_to: date | None,
        activities: Iterable[str],
        actor: str,
        at: datetime,
    ) -> None:
        """R5: a decision grants activities from valid_from to valid_to, both inclusive."""
        valid_from = require_day(valid_from, "valid_from")
        valid_to = None if valid_to is None else require_day(valid_to, "valid_to")
        if valid_to is not None and valid_to < valid_from:
            raise InvalidPeriodError(
                f"Decision: valid to {valid_to} is before valid from {valid_from}."
            )
        granted = require_activities(activities)
        self._decision_registered(
            decision_id=require_id(decision_id, "decision_id"),
            valid_from=valid_from,
            valid_to=valid_to,
            activities=granted,
            **stamp(actor, at),
        )

    @event(DecisionRegistered)
    def _decision_registered(
        self,
        decision_id: UUID,
        valid_from: date,
        valid_to: date | None,
        activities: list[str],
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.decisions.append(Decision(decision_id, valid_from, valid_to, frozenset(activities)))

    def decision_on(self, day: date) -> Decision | None:
        return decision_on(self.decisions, day)


def decision_on(decisions: Sequence[Decision], day: date) -> Decision | None:
    """The latest registered decision valid on `day`: a newer decision supersedes (R5)."""
    for decision in reversed(decisions):
        if decision.is_valid_on(day):
            return decision
    return None
