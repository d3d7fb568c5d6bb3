"""A staff account (användare). R5: a visit is reportable only when its staff
member has both a personnummer and an SD number; either may be missing at
first and set later (R6), which releases their held items.
"""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event

from homecare.domain.common import UNSET, Unset, kept_clear, stamp
from homecare.domain.fields import NAME_MAX, SD_NUMBER_MAX, require_optional_text, require_text
from homecare.domain.identity import PersonalIdentityNumber, require_personnummer
from homecare.domain.record import Record
from homecare.errors import InvalidInputError

__all__ = ["Staff"]


class Staff(Record):
    """A staff member: name, and the personnummer and SD number the city needs (R5, D8)."""

    class Registered(Aggregate.Created):
        name: str
        personnummer: PersonalIdentityNumber | None
        sd_number: str | None
        actor: str

    class Updated(Aggregate.Event):
        personnummer: PersonalIdentityNumber | None
        sd_number: str | None
        actor: str

    @event(Registered)
    def __init__(
        self,
        name: str,
        personnummer: PersonalIdentityNumber | None,
        sd_number: str | None,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.name = name
        self.personnummer = personnummer
        self.sd_number = sd_number

    @classmethod
    def register(
        cls,
        *,
        name: str,
        personnummer: PersonalIdentityNumber | None,
        sd_number: str | None,
        actor: str,
        at: datetime,
    ) -> Staff:
        """Limits: name NAME_MAX, sd_number SD_NUMBER_MAX characters (D10)."""
        return cls(
            name=require_text(name, "name", NAME_MAX),
            personnummer=None if personnummer is None else require_personnummer(personnummer),
            sd_number=_clean_sd(sd_number),
            **stamp(actor, at),
        )

    def update(
        self,
        *,
        personnummer: PersonalIdentityNumber | Unset | None = UNSET,
        sd_number: str | Unset | None = UNSET,
        actor: str,
        at: datetime,
    ) -> None:
        """R6: fix the account at the source. Only the fields given are changed."""
        new_pnr = (
            self.personnummer
            if isinstance(personnummer, Unset)
            else None
            if personnummer is None
            else require_personnummer(personnummer)
        )
        new_sd = self.sd_number if isinstance(sd_number, Unset) else _clean_sd(sd_number)
        if new_pnr == self.personnummer and new_sd == self.sd_number:
            raise InvalidInputError("The staff update changes nothing.")
        self._updated(
            personnummer=new_pnr,
            sd_number=new_sd,
            **stamp(actor, at),
        )

    @event(Updated)
    def _updated(
        self,
        personnummer: PersonalIdentityNumber | None,
        sd_number: str | None,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.personnummer = personnummer
        self.sd_number = sd_number


def _clean_sd(sd_number: object) -> str | None:
    return kept_clear(require_optional_text(sd_number, "sd_number", SD_NUMBER_MAX), "sd_number")
