"""A small provider built through the real facade, for the pause tests (R7-R13).

Why a helper: every pause test needs customers with a contract and an order,
valid personnummer and always-increasing command times; building them the
same way everywhere keeps the tests about pauses, not about setup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from homecare.application import HomecareApplication
from homecare.domain.citydays import STOCKHOLM
from tests.conftest import ACTOR, T0


def pnr(n: int) -> str:
    """The n-th valid test personnummer (Luhn check digit computed)."""
    body = f"1950{n % 12 + 1:02d}{n % 28 + 1:02d}{(n * 37) % 999 + 1:03d}"
    total = 0
    for i, ch in enumerate(body[2:]):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"{body[:8]}-{body[8:]}{(10 - total % 10) % 10}"


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Stockholm wall-clock time (first occurrence in the repeated October hour)."""
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


@dataclass(frozen=True)
class Family:
    """A customer with one contract and one order under it (the R7 cascade)."""

    customer: UUID
    contract: UUID
    order: UUID
    organisation: str


@dataclass
class World:
    app: HomecareApplication
    at: datetime = T0
    families: list[Family] = field(default_factory=list)

    def tick(self, seconds: int = 1) -> datetime:
        """The next command time: strictly increasing, as the real clock would be."""
        self.at += timedelta(seconds=seconds)
        return self.at

    def family(self, organisation: str = "Team Norr") -> Family:
        n = len(self.families)
        customer = self.app.register_customer(
            personnummer=pnr(n),
            name=f"Customer {n}",
            organisation=organisation,
            actor=ACTOR,
            at=self.tick(),
        )
        contract = self.app.open_contract(customer, actor=ACTOR, at=self.tick())
        order = self.app.place_order(contract, activities=["shower"], actor=ACTOR, at=self.tick())
        made = Family(customer, contract, order, organisation)
        self.families.append(made)
        return made

    def pause(
        self,
        level: str,
        target: UUID,
        starts_at: datetime,
        ends_at: datetime | None = None,
        *,
        reason: str = "hospital_stay",
        reason_text: str | None = None,
        actor: str = ACTOR,
    ) -> UUID:
        return self.app.create_pause(
            level=level,
            target_id=target,
            notified_at=self.at,
            reason=reason,
            reason_text=reason_text,
            starts_at=starts_at,
            ends_at=ends_at,
            actor=actor,
            at=self.tick(),
        )
