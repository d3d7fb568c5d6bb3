"""The buffer's answer to a culling (R16): unfetched items withdrawn, personal data overwritten.

`Culling.Recorded` carries `fetched_up_to`, the served mark when the culling
was recorded (the highest position the city has been served, acknowledged or
not: `homecare.outbox.delivery.served_position`), so what is withdrawn is a
function of the log alone and a replay gives the same rows (D6). The same for
both kinds of subject, over a customer's items and over a staff member's visit
reports:

- their pending items, and the released ones after `fetched_up_to`, become
  `withdrawn`: their payload is dropped and fetch never serves them (a
  released one keeps its position and history tag, so the city's cursors
  still chain);
- their released items the city had been served keep their place (and are
  delivered once acknowledged), with the
  personnummer in the payload (`customer_personnummer`, `staff_personnummer`)
  replaced by the culled marker;
- their stored personnummer (`homecare_buffer_customers`,
  `homecare_buffer_staff`; for a staff member without one too) becomes the
  marker, which is how later items of theirs (a visit confirmed after the
  cull, or corrected and confirmed again) are withdrawn as soon as they would
  be released (`Page.culled`, `Page.staff_culled`), held or not.

A culled staff member's visit reports withdrawn from a customer's queue no
longer hold back that customer's later items (D4): those are released at the
culling record, with the next positions. The customer's other items, and
their pause messages, stay. A registration (or staff update) read after the
subject's key was destroyed (a replay after a cull) opens as culled: the
buffer keeps it as `KEY_DESTROYED`, not the marker, so the subject counts as
culled from their culling record on, as in the live run. Item facts hold no
names or numbers (ids, times, activities).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import Connection, select

from homecare._es.sealing import Sealer
from homecare._sql.rows import Row
from homecare.domain.culling import Culling
from homecare.domain.identity import PersonalIdentityNumber
from homecare.domain.privacy import CULLED, SubjectKind
from homecare.outbox import tables as t
from homecare.outbox.items import ItemState
from homecare.outbox.messages import MessageKind
from homecare.outbox.page import Page

__all__ = ["KEY_DESTROYED", "culled", "culled_among", "stored_personnummer"]

KEY_DESTROYED = "culled (key destroyed)"
"""What the buffer keeps for a customer or staff member whose registration (or staff
update) is read after their key was destroyed (a replay after a cull: the events'
personnummer opens as culled). Not the culled marker: the buffer treats a subject as
culled from their culling record on (`Page.culled`, `Page.staff_culled`), so a replay
releases and withdraws as the live run did."""


def stored_personnummer(number: PersonalIdentityNumber) -> str:
    """A customer's or staff member's number as the buffer's facts keep it (before sealing)."""
    return KEY_DESTROYED if number.is_culled else number.value


def culled_among(conn: Connection, sealer: Sealer, subject_ids: Iterable[UUID]) -> set[UUID]:
    """R16: those of `subject_ids` (customers, staff) whose stored number is the marker."""
    wanted = sorted(set(subject_ids))
    found: set[UUID] = set()
    for table, key in ((t.customers, "customer_id"), (t.staff, "staff_id")):
        for start in range(0, len(wanted), 500):
            rows = conn.execute(
                select(table.c[key], table.c.personnummer).where(
                    table.c[key].in_(wanted[start : start + 500])
                )
            )
            found |= {i for i, n in rows if n is not None and sealer.open(n) == CULLED.text}
    return found


def culled(page: Page, _position: int, event: Culling.Recorded) -> None:
    """R16: handle a subject's culling record (module doc)."""
    if event.subject_kind == SubjectKind.CUSTOMER:
        _customer_culled(page, event)
    else:
        _staff_culled(page, event)


def _customer_culled(page: Page, event: Culling.Recorded) -> None:
    customer_id = event.subject_id
    row = page.facts.customers.get(customer_id)
    if row is not None:
        row["personnummer"] = page.sealer.seal(CULLED.text)
        page.facts.customers.changed(row)
    page.items.withdraw_pending(customer_id)
    for item in _released(page, "customer_id", customer_id):
        if item["position"] > event.fetched_up_to:
            page.items.withdraw(item)
        else:
            _overwrite(page, item, "customer_personnummer")


def _staff_culled(page: Page, event: Culling.Recorded) -> None:
    staff_id = event.subject_id
    row = page.facts.staff.get(staff_id)
    if row is not None:  # the marker also for one without a number: it says culled
        row["personnummer"] = page.sealer.seal(CULLED.text)
        page.facts.staff.changed(row)
    page.culled_staff[staff_id] = True
    for item in _released(page, "staff_id", staff_id):
        if item["kind"] != MessageKind.VISIT_REPORT:
            continue
        if item["position"] > event.fetched_up_to:
            page.items.withdraw(item)
        else:
            _overwrite(page, item, "staff_personnummer")
    # their pending reports are withdrawn; what waited behind them is released (D4)
    for customer_id in sorted({i["customer_id"] for i in page.items.pending_of_staff(staff_id)}):
        page.items.release_in_order(customer_id)


def _released(page: Page, column: str, subject_id: UUID) -> list[Row]:
    """The released items whose `column` is `subject_id`, oldest first: those stored and
    those this page holds (released in it, or loaded and changed)."""
    stored = page.items.conn.execute(
        select(t.items)
        .where(t.items.c[column] == subject_id, t.items.c.state == ItemState.RELEASED)
        .order_by(t.items.c.seq)
    ).mappings()
    page.items.rows.merge(dict(r) for r in stored)
    return sorted(
        (
            item
            for item in page.items.rows.held()
            if item[column] == subject_id and item["state"] == ItemState.RELEASED
        ),
        key=lambda item: item["seq"],
    )


def _overwrite(page: Page, item: Row, field: str) -> None:
    """The payload rendered again with `field` (a personnummer) as the culled marker."""
    (message,) = page.format.parse_many([page.open_payload(item["payload"])])
    rendered = page.format.render(message.model_copy(update={field: CULLED.text}))
    item["payload"] = page.sealer.seal(rendered)
    page.items.rows.changed(item)
