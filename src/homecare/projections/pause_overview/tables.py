"""The pause overview's tables (R9, R12): one row per customer, one per pause.

Nothing is ever deleted (R13). The effective period (D5) is stored beside the
recorded one so the time state is decided in SQL. The personal text (`SEALED`:
the reason text and the actors' names) is sealed with the store's cipher when
it has a key (D8, issue 15), opened by the queries; organisation, the
provider's unit, stays clear for the filter and the month report.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Integer, String, Table, Text, Uuid

from homecare._sql.database import UtcDateTime, metadata
from homecare.domain.fields import ORGANISATION_MAX

__all__ = ["SEALED", "overview_customers", "overview_pauses"]


def _instants(*names: str, nullable: bool) -> list[Column[datetime]]:
    """One UTC instant column per name (UtcDateTime refuses a naive value)."""
    return [Column(name, UtcDateTime, nullable=nullable) for name in names]


overview_customers = Table(
    "homecare_pause_overview_customers",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("organisation", String(ORGANISATION_MAX), nullable=False),
)

# effective_start and effective_end both NULL: no effective period (cancelled
# before it started, D5); start set and end NULL: open-ended (ongoing, R12).
overview_pauses = Table(
    "homecare_pause_overview_pauses",
    metadata,
    Column("pause_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("level", String(16), nullable=False),
    Column("target_id", Uuid, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("reason_text", Text, nullable=True),
    *_instants("notified_at", "starts_at", nullable=False),
    *_instants("ends_at", "cancelled_at", "effective_start", "effective_end", nullable=True),
    # D8: sealed with the store's cipher when it has a key (SEALED), hence TEXT
    Column("created_by", Text, nullable=False),
    Column("changed_by", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_homecare_pause_overview_pauses_starts", "starts_at", "pause_id"),
    Index("ix_homecare_pause_overview_pauses_customer", "customer_id"),
)

SEALED = frozenset({"reason_text", "created_by", "changed_by"})
"""The columns stored sealed with the store's cipher (D8); the audit opens them to compare."""
