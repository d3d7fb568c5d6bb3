"""Which data subject an id names (R16, R17): the one check of every privacy command.

A data subject is a customer or a staff member: an aggregate whose first event
is `Customer.Registered` or `Staff.Registered`. `resolve_subject(log, id, kind)`
is called by everything that acts on or shows one subject by id, before it
writes or records anything: the culling record (`hc.app.record_culling`, so
`hc.cull`, `homecare privacy cull` with or without `--dry-run`, and
`cull-again`), the export (`homecare.privacy.export`) and `homecare privacy
access-log --subject`. Why one place: each of them once accepted an id of the
wrong kind, or answered for an unknown one, in its own way (issue 15).

- InvalidInputError (`invalid_input`): the id is not a UUID, or the kind is
  neither `customer` nor `staff`;
- NotFoundError (`not_found`): no aggregate has the id, or it is not a subject
  of the kind asked for (a staff member asked for as a customer, a culled
  customer asked for as staff, a pause); the message names the kind asked for.

A culled subject is still a subject (its events stay, R16): `culled_at` is the
time of its culling record, None when it has none. Reads at most two stored
events (the subject's first and its culling record), opening no personal field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from homecare._es.error_map import translated
from homecare._es.log import Log
from homecare._es.mapping import decode_many
from homecare._es.topics import topic_of
from homecare.domain.common import parse_choice
from homecare.domain.culling import Culling
from homecare.domain.customer import Customer
from homecare.domain.fields import require_id
from homecare.domain.privacy import SubjectKind
from homecare.domain.staff import Staff
from homecare.errors import NotFoundError

__all__ = ["ANY_KIND", "Subject", "resolve_subject"]

ANY_KIND = "customer or staff"
"""What a NotFoundError names when no kind was asked for."""

_FIRST_EVENTS: dict[str, SubjectKind] = {
    topic_of(Customer.Registered): SubjectKind.CUSTOMER,
    topic_of(Staff.Registered): SubjectKind.STAFF,
}


@dataclass(frozen=True)
class Subject:
    """A data subject of the store: its id, its kind, and when it was culled (None: not)."""

    id: UUID
    kind: SubjectKind
    culled_at: datetime | None


@translated
def resolve_subject(log: Log, subject_id: object, kind: SubjectKind | str | None) -> Subject:
    """The subject `subject_id` names, of `kind` (None: either kind); InvalidInputError
    for a malformed id or kind, NotFoundError for no such subject (module doc)."""
    subject_id = require_id(subject_id, "subject_id")
    wanted = None if kind is None else parse_choice(SubjectKind, kind, "subject kind")
    first = log.recorder.select_events(subject_id, limit=1)
    found = _FIRST_EVENTS.get(first[0].topic) if first else None
    if found is None or (wanted is not None and found is not wanted):
        raise NotFoundError(wanted.value if wanted else ANY_KIND, subject_id)
    return Subject(subject_id, found, _culled_at(log, subject_id))


def _culled_at(log: Log, subject_id: UUID) -> datetime | None:
    """When the subject's culling record was made (it holds no personal data)."""
    stored = log.recorder.select_events(Culling.id_for(subject_id), limit=1)
    if not stored:
        return None
    (recorded,) = decode_many(log.mapper, stored)
    return recorded.timestamp if isinstance(recorded, Culling.Recorded) else None
