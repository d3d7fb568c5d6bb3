"""Buffer items as a host sees them: queued, held, delivered or withdrawn (R2, R4, R5, R16).

The states they are stored in, and the release rules, are `homecare.outbox.items`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from homecare.outbox.items import ItemState
from homecare.outbox.validation import Reason

__all__ = ["ItemStatus", "item_status", "shown_reasons"]


class ItemStatus(StrEnum):
    """An item as a host sees it (R2, R4)."""

    QUEUED = "queued"
    HELD = "held"
    DELIVERED = "delivered"
    WITHDRAWN = "withdrawn"
    """R16: its customer (or a visit report's staff member) was culled before the city
    fetched it; it will never be sent."""


def item_status(row: Mapping[Any, Any], mark: int) -> ItemStatus | None:
    """`row` (an item's `state` and `position`) beside the delivered mark; None if superseded.
    A withdrawn item (R16) is withdrawn whatever the mark: the city never gets it."""
    if row["state"] == ItemState.PENDING:
        return ItemStatus.HELD
    if row["state"] == ItemState.RELEASED:
        return ItemStatus.DELIVERED if row["position"] <= mark else ItemStatus.QUEUED
    if row["state"] == ItemState.WITHDRAWN:
        return ItemStatus.WITHDRAWN
    return None


def shown_reasons(row: Mapping[Any, Any], status: ItemStatus | None) -> list[str]:
    """R5, D4: a held item's reasons; an item held only by an earlier one says so."""
    if status is not ItemStatus.HELD:
        return []
    return list(row["reasons"]) or [Reason.WAITING_FOR_EARLIER_ITEM.value]
