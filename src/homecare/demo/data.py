"""The demo's synthetic data: names, activities, personnummer, and what it keeps per
customer and visit while it runs. Nothing here is a real person (R5 needs the numbers
to be checksum-valid, not real)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

__all__ = [
    "ACTIVITIES",
    "OPERATOR",
    "ORGANISATIONS",
    "PLANNER",
    "STAFF",
    "SUPERVISOR",
    "DemoCustomer",
    "Visit",
    "demo_personnummer",
    "person_name",
]

ACTIVITIES = (
    "shower",
    "shopping",
    "cleaning",
    "meals",
    "supervision",
    "laundry",
    "medication",
    "walk",
)
ORGANISATIONS = ("Team Norr", "Team Söder", "Team Väster")
FIRST_NAMES = ("Astrid", "Bertil", "Dagny", "Evert", "Gunnel", "Holger", "Inga", "Sture")
LAST_NAMES = ("Berg", "Holm", "Lind", "Nyström", "Sjöberg", "Ek", "Wall", "Falk")
PLANNER, STAFF, SUPERVISOR, OPERATOR = (
    "demo-planner",
    "demo-staff",
    "demo-supervisor",
    "demo-operator",
)


def demo_personnummer(n: int) -> str:
    """The n-th synthetic personnummer (born 1930-1941, Luhn check digit computed)."""
    body = f"19{30 + n // 336 % 12:02d}{n // 28 % 12 + 1:02d}{n % 28 + 1:02d}{n * 7 % 997 + 1:03d}"
    total = 0
    for i, ch in enumerate(body[2:]):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"{body[:8]}-{body[8:]}{(10 - total % 10) % 10}"


def person_name(rng: random.Random) -> str:
    """A Swedish-sounding first and last name drawn from `rng`."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


@dataclass
class DemoCustomer:
    """A customer the demo registered: its contract, order, granted and ordered activities,
    and the regular staff member who visits."""

    id: UUID
    contract: UUID
    order: UUID
    granted: frozenset[str]
    ordered: tuple[str, ...]
    staff: UUID


@dataclass(frozen=True)
class Visit:
    """A planned visit and how it will go: performed with `activities`, or declined (R15)."""

    id: UUID
    customer: DemoCustomer
    staff: UUID
    start: datetime
    end: datetime
    activities: tuple[str, ...]
    declined: bool = False
