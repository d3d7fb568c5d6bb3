"""The buffer's SQL tables (SQLAlchemy 2 Core), in the same database as the events.

`items` is the buffer itself: a row per message, `position` set once when it
is released (D3, D4) and never changed. The other tables are the projection's
own memory of the facts it validates against (R5), so that held and released
state is a function of the event log alone (D6).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)

from homecare._sql.database import metadata, utc_column
from homecare.domain.fields import SD_NUMBER_MAX

__all__ = [
    "PROJECTED",
    "acknowledgements",
    "assignments",
    "city_periods",
    "customers",
    "delivery",
    "items",
    "pauses",
    "staff",
]

items = Table(
    "homecare_buffer_items",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("message_id", Uuid, nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("customer_id", Uuid, nullable=False),
    Column("assignment_id", Uuid, nullable=True),
    Column("staff_id", Uuid, nullable=True),
    Column("business_date", Date, nullable=False),
    Column("source_position", BigInteger, nullable=False),
    Column("facts", JSON, nullable=False),
    Column("reasons", JSON, nullable=False),
    # an `ItemState` (homecare.outbox.items): pending | released | superseded
    Column("state", String(16), nullable=False),
    Column("position", BigInteger, nullable=True, unique=True),
    Column("payload", Text, nullable=True),
    # D10: the cursor tag of `position`, chaining every message id up to it (outbox.cursor)
    Column("history", String(16), nullable=True),
    Index("ix_homecare_buffer_items_customer_state", "customer_id", "state", "seq"),
    Index("ix_homecare_buffer_items_staff_state", "staff_id", "state"),
    Index("ix_homecare_buffer_items_business_date", "business_date"),
    Index("ix_homecare_buffer_items_assignment", "assignment_id"),
)

delivery = Table(
    "homecare_buffer_delivery",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("delivered_position", BigInteger, nullable=False),
    # R16: the highest position the city has been served (acknowledged or not)
    Column("served_position", BigInteger, nullable=False, server_default="0"),
)

# One row per fetch that moved the delivered mark: the city acknowledged every item
# up to `up_to_position` at `acknowledged_at` (UTC). Not a projection of the log but a
# record of the city's receipts, like `delivery`: a rebuild keeps it, because positions
# never change. An item's `delivered_at` is the time of the row with the smallest
# `up_to_position` at or above its position (the receipt that moved the mark past it).
acknowledgements = Table(
    "homecare_buffer_acknowledgements",
    metadata,
    Column("up_to_position", BigInteger, primary_key=True, autoincrement=False),
    utc_column("acknowledged_at"),
)

assignments = Table(
    "homecare_buffer_assignments",
    metadata,
    Column("assignment_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("staff_id", Uuid, nullable=False),
    utc_column("performed_start", nullable=True),
    utc_column("performed_end", nullable=True),
    Column("activities", JSON, nullable=False),
    # R15: performed | declined; a declined visit's performed_* hold its planned time
    Column("outcome", String(16), nullable=False, server_default="performed"),
    Column("confirmed", Boolean, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("item_seq", BigInteger, nullable=True),
)

staff = Table(
    "homecare_buffer_staff",
    metadata,
    Column("staff_id", Uuid, primary_key=True),
    Column("personnummer", Text, nullable=True),  # sealed when a cipher key is set (D8)
    Column("sd_number", String(SD_NUMBER_MAX), nullable=True),
)

customers = Table(
    "homecare_buffer_customers",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("personnummer", Text, nullable=False),  # sealed when a cipher key is set (D8)
    Column("decisions", JSON, nullable=False),
)

pauses = Table(
    "homecare_buffer_pauses",
    metadata,
    Column("pause_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False, index=True),
    utc_column("starts_at"),
    utc_column("ends_at", nullable=True),
    utc_column("cancelled_at", nullable=True),
)

city_periods = Table(
    "homecare_buffer_city_periods",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("period_id", String(64), primary_key=True),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=True),
)

PROJECTED = (items, assignments, staff, customers, pauses, city_periods)
"""The tables the buffer projection writes (rebuilt from the log, D6), in dump order."""
