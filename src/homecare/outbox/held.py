"""What the city holds: the pause periods it has received, as it applied them (R10, R11).

The buffer's `city_periods` table is what the city *will* hold once every
queued message is fetched; an operator reconciling pauses (R12) wants what it
holds *now*: the delivered pause messages (at or before the delivered mark),
applied in position order as the city applies them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from sqlalchemy import select

from homecare.domain.citydays import DayPeriod
from homecare.outbox import tables as t
from homecare.outbox.messages import MessageKind
from homecare.outbox.projection import RELEASED
from homecare.projections.database import Database

__all__ = ["delivered_city_periods"]


def delivered_city_periods(
    database: Database, customer_ids: Iterable[UUID]
) -> dict[UUID, list[DayPeriod]]:
    """Per customer, the whole-day periods (both days included; last None = open) the city
    holds after applying every delivered pause message in order; sorted by first day."""
    wanted = list(dict.fromkeys(customer_ids))
    held: dict[UUID, dict[str, DayPeriod]] = {c: {} for c in wanted}
    if not wanted:
        return {}
    i = t.items.c
    with database.engine.connect() as conn:
        mark = int(
            conn.execute(
                select(t.delivery.c.delivered_position).where(t.delivery.c.id == 1)
            ).scalar()
            or 0
        )
        rows = conn.execute(
            select(i.customer_id, i.facts)
            .where(
                i.kind == MessageKind.CUSTOMER_PAUSE.value,
                i.state == RELEASED,
                i.position <= mark,
                i.customer_id.in_(wanted),
            )
            .order_by(i.position)
        ).all()
    for customer_id, facts in rows:
        periods = held[customer_id]
        if facts["action"] == "cancelled":
            periods.pop(facts["period_id"], None)
            continue
        last = facts.get("last_day")
        periods[facts["period_id"]] = DayPeriod(
            date.fromisoformat(facts["first_day"]), date.fromisoformat(last) if last else None
        )
    return {c: sorted(p.values()) for c, p in held.items()}
