"""The pause overview (R9, R12): every pause as a row, built from events alone (D6).

Why a read model: the overview filters all pauses of all customers by period,
customer, organisation, level, status and time state (R9, R12); loading every
Pause aggregate for that would not scale, and the answer must be the same on
SQLite and PostgreSQL.

- `tables`: what it stores (one row per customer, one per pause);
- `projection`: `PauseOverview.process`, events to rows, page by page;
- `queries`: `PauseOverview.list` and `dump`, the time states, `PauseRow`.
"""

from homecare.projections.pause_overview.projection import PauseOverview
from homecare.projections.pause_overview.queries import (
    PauseRow,
    TimeState,
    month_bounds,
    previous_month,
)
from homecare.projections.pause_overview.tables import overview_customers, overview_pauses

__all__ = [
    "PauseOverview",
    "PauseRow",
    "TimeState",
    "month_bounds",
    "overview_customers",
    "overview_pauses",
    "previous_month",
]
