"""The pause overview (R9, R12): a read model of every pause. STUB: being written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from sqlalchemy import Connection

from homecare.projections.database import Database

__all__ = ["PauseOverview"]


class PauseOverview:
    name = "pause_overview"

    def __init__(self, database: Database) -> None:
        self.database = database

    def process(
        self, conn: Connection, events: Sequence[tuple[int, DomainEventProtocol[Any]]]
    ) -> None:
        return None
