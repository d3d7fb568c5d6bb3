"""A row of the stored log as the lean readers return it (`homecare._es.log_rows`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple
from uuid import UUID

__all__ = ["Reader", "Row", "new_row"]


class Row(NamedTuple):
    """A stored event as the log holds it (the fields of eventsourcing's `Notification`)."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


Reader = Callable[[int, int, "int | None", tuple[str, ...]], list[Row]]
"""(after, limit, stop or None, topics) -> at most `limit` rows after `after`, in order."""

new_row = tuple.__new__
"""`tuple.__new__`: a `Row` built from a plain tuple without NamedTuple's `__new__`."""
