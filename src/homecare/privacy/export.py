"""GDPR art. 15: everything stored about one customer, as JSON (issue 15, R17).

`export(hc, customer_id, reader=..., purpose=..., channel=...)` returns one
JSON-ready dict:
- `subject`: the customer's id and kind; `exported_at` (UTC);
- `key`: the status of their data key (`created_at`, `culled_at`; never the key);
- `events`: every event of their aggregates, opened (their own, their contracts',
  orders', pauses' and visits', and the record of their culling), oldest first:
  topic, aggregate id, version and fields; a culled subject's fields show the
  culled marker;
- `rows`: by table, every read-model and buffer row with their `customer_id`,
  its sealed columns opened (the buffer's personnummer and payloads, D8);
- `access_log`: every recorded read of their data, this export included.

The customer is resolved first (`homecare.privacy.resolve`): the id of a staff
member, of another aggregate or of nobody is `not_found`, and nothing is
recorded. The export itself is recorded in the access log first (`what` = `export`). It
holds the full personnummer: it is the subject's own data, given to them.

It carries the subject's data, not a third party's: a visit report's payload names
its staff member's personnummer and SD number (`THIRD_PARTY`), which are withheld
(`WITHHELD`), and any other digit run shaped like a personnummer that is not the
customer's own (in a payload, a free text) is withheld as well (`_withheld`), so
no staff member's (or relative's) number leaves in another person's export, and no
read of theirs goes unrecorded (R17). The names of the staff who acted (`actor`,
`declined_by`, the overview's `created_by`/`changed_by`) stay: they are the record
of who handled the subject's case (docs/privacy.md, "Export").
A work shift is the staff member's, not the customer's: its events are not
included (the visits in it are, through their own events).

Every library error becomes a HomecareError (`homecare._es.error_map`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import Table, select

from homecare._es.error_map import translated
from homecare._es.log import Log
from homecare._es.mapping import decode_many
from homecare._es.sealing import Sealer
from homecare._es.topics import topic_of
from homecare._sql.database import Database, metadata
from homecare._sql.subject_keys import SubjectKeys, is_sealed, subject_keys
from homecare.domain.assignment import Assignment
from homecare.domain.contract import Contract
from homecare.domain.culling import Culling
from homecare.domain.customer import Customer
from homecare.domain.identity import PersonalIdentityNumber
from homecare.domain.order import Order
from homecare.domain.pause import Pause
from homecare.domain.privacy import Culled, SubjectKind
from homecare.privacy.access_log import AccessLog, Channel, access_log, reads
from homecare.privacy.resolve import resolve_subject

__all__ = ["THIRD_PARTY", "WITHHELD", "Exportable", "export"]

WITHHELD = "withheld: another person's data"
"""What an export shows in place of a third party's data (R17, art. 15(4))."""
THIRD_PARTY = ("staff_personnummer", "staff_sd_number")
"""The fields of a buffer payload that are its staff member's, not the customer's."""
_NUMBER = re.compile(r"(?<![\w-])(?:\d{6}|\d{8})[-+]?\d{4}(?![\w-])")
"""A personnummer's shape as a token of its own (not a part of a UUID or a longer id)."""

_OWNED = (Contract.Opened, Order.Placed, Pause.Created, Assignment.Planned)
"""Creating events that name the customer whose aggregate they start (`customer_id`)."""


class _Spec(Protocol):
    @property
    def tables(self) -> tuple[Table, ...]: ...

    @property
    def sealed(self) -> frozenset[str]: ...


class _Parts(Protocol):
    @property
    def sealer(self) -> Sealer: ...


class Exportable(Protocol):
    """What an export reads of a connected store (a `homecare.Homecare`)."""

    @property
    def database(self) -> Database: ...

    @property
    def log(self) -> Log: ...

    @property
    def subject_keys(self) -> SubjectKeys: ...

    @property
    def access(self) -> AccessLog: ...

    @property
    def parts(self) -> _Parts: ...

    @property
    def registry(self) -> Mapping[str, _Spec]: ...


@translated
def export(
    hc: Exportable,
    customer_id: UUID,
    *,
    reader: str,
    purpose: str = "art. 15 request: export",
    channel: Channel = Channel.FACADE,
) -> dict[str, Any]:
    """Everything stored about the customer (module doc); recorded in the access log.
    InvalidInputError for a malformed id, NotFoundError when no customer has it (a staff
    member's id, an unknown one: `homecare.privacy.resolve`), before anything is recorded."""
    customer_id = resolve_subject(hc.log, customer_id, SubjectKind.CUSTOMER).id
    log = hc.access
    subject = (customer_id, SubjectKind.CUSTOMER)
    log.record(reads([subject], reader=reader, what="export", purpose=purpose, channel=channel))
    events, own = _events(hc.log, customer_id)
    found = {
        "subject": {"id": str(customer_id), "kind": SubjectKind.CUSTOMER.value},
        "exported_at": datetime.now(UTC).isoformat(),
        "key": _key_status(hc.database, customer_id),
        "events": events,
        "rows": _rows(hc, customer_id),
        "access_log": [e.model_dump(mode="json") for e in log.entries(subject=customer_id)],
    }
    withheld: dict[str, Any] = _withheld(found, own)
    return withheld


def _key_status(database: Database, subject_id: UUID) -> dict[str, Any] | None:
    with database.engine.connect() as conn:
        row = conn.execute(
            select(subject_keys.c.kind, subject_keys.c.created_at, subject_keys.c.culled_at).where(
                subject_keys.c.subject_id == subject_id
            )
        ).one_or_none()
    if row is None:
        return None
    return {
        "kind": row.kind,
        "created_at": _json(row.created_at),
        "culled_at": _json(row.culled_at),
    }


def _aggregates(log: Log, customer_id: UUID) -> list[UUID]:
    """The customer, the record of their culling, and every aggregate started for them."""
    found = [customer_id, Culling.id_for(customer_id)]
    topics = sorted(topic_of(kind) for kind in _OWNED)
    for page in log.pages(page_size=1000, topics=topics):
        for _, event in log.decoded(page):
            if getattr(event, "customer_id", None) == customer_id:
                found.append(UUID(str(event.originator_id)))
    return found


def _events(log: Log, customer_id: UUID) -> tuple[list[dict[str, Any]], str | None]:
    """The events as JSON, and the customer's own personnummer (None: culled)."""
    events: list[Any] = []
    for aggregate_id in _aggregates(log, customer_id):
        events.extend(decode_many(log.mapper, log.recorder.select_events(aggregate_id)))
    events.sort(key=lambda e: (e.timestamp, str(e.originator_id), e.originator_version))
    own = next(
        (
            e.personnummer.value
            for e in events
            if isinstance(e, Customer.Registered)
            and isinstance(e.personnummer, PersonalIdentityNumber)
        ),
        None,
    )
    return [
        {
            "topic": topic_of(type(event)),
            "aggregate_id": str(event.originator_id),
            "version": event.originator_version,
            "fields": {
                name: _json(value)
                for name, value in sorted(vars(event).items())
                if name not in ("originator_id", "originator_version")
            },
        }
        for event in events
    ], own


def _rows(hc: Exportable, customer_id: UUID) -> dict[str, list[dict[str, Any]]]:
    sealed = {t.name: spec.sealed for spec in hc.registry.values() for t in spec.tables}
    rows: dict[str, list[dict[str, Any]]] = {}
    with hc.database.engine.connect() as conn:
        for table in _customer_tables(metadata.sorted_tables):
            found = conn.execute(select(table).where(table.c.customer_id == customer_id)).mappings()
            opened = [
                {
                    name: _opened(hc, customer_id, value, name in sealed.get(table.name, ()))
                    for name, value in row.items()
                }
                for row in found
            ]
            if opened:
                rows[table.name] = opened
    return rows


def _customer_tables(tables: Iterable[Table]) -> list[Table]:
    """The read side's tables with a `customer_id` column (the privacy tables apart)."""
    return [t for t in tables if "customer_id" in t.c and t.name != access_log.name]


def _opened(hc: Exportable, customer_id: UUID, value: Any, sealed: bool) -> Any:
    if isinstance(value, str) and sealed:
        value = _third_party_withheld(hc.parts.sealer.open(value))
    if isinstance(value, str) and is_sealed(value):
        value = hc.subject_keys.open(customer_id, value)
    return _json(value)


def _third_party_withheld(opened: str) -> str:
    """A sealed column opened; a payload (a JSON object) with `THIRD_PARTY` withheld."""
    if not opened.startswith("{"):
        return opened
    try:
        message = json.loads(opened)
    except ValueError:
        return opened
    if not isinstance(message, dict) or THIRD_PARTY[0] not in message:
        return opened
    message.update({name: WITHHELD for name in THIRD_PARTY if name in message})
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def _withheld(value: Any, own: str | None) -> Any:
    """The export with every personnummer-shaped run that is not the customer's own (12 or
    10 digits, with or without its dash) replaced by `WITHHELD`, wherever it is."""
    if isinstance(value, str):
        return _NUMBER.sub(lambda m: m[0] if _digits(m[0]) in _forms(own) else WITHHELD, value)
    if isinstance(value, dict):
        return {k: _withheld(v, own) for k, v in value.items()}
    if isinstance(value, list):
        return [_withheld(v, own) for v in value]
    return value


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _forms(own: str | None) -> tuple[str, ...]:
    return () if own is None else (own, own[2:])


def _json(value: Any) -> Any:
    """A value as JSON: ids and times as text, a personnummer in full, CULLED as its text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, PersonalIdentityNumber):
        return value.value
    if isinstance(value, Culled):
        return value.text
    if isinstance(value, Enum):
        return _json(value.value)
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json(v) for v in value]
    return str(value)
