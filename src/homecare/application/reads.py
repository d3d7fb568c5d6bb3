"""Reads by id that record who read whom (R17): `get`, `get_as_of` and `reading`.

Why here: every read of a subject's personal data through the facade is
logged in the access log (`homecare.privacy`), in the same store. A read of a
customer, staff member, pause (its reason text is the customer's) or visit
(the customer's and the staff member's) records one entry per subject read;
contracts and orders hold no personal data and record nothing.

    app.get(Customer, id, reader="karin", purpose="phone call from the customer")
    with app.reading(reader="karin", purpose="...", what="history", channel=Channel.CLI) as r:
        r.get(Customer, id); r.note([(staff_id, SubjectKind.STAFF)])  # one batch at the end

`reader` is who reads (a user name; the host passes its signed-in user) and
`purpose` why; both default to "host" and "host application" so that a host's
existing calls keep working, and are logged as such. A read whose entries
cannot be written raises StorageError and shows nothing (`AccessLog.record_reads`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import ValidationError

from homecare._es.application import EventStore
from homecare._es.error_map import boundary
from homecare._sql.subject_keys import SubjectKeys
from homecare.domain.assignment import Assignment
from homecare.domain.customer import Customer
from homecare.domain.pause import Pause
from homecare.domain.privacy import SubjectKind
from homecare.domain.staff import Staff
from homecare.errors import StorageError
from homecare.privacy import Access, AccessLog, Channel, reads, refusal

__all__ = ["DEFAULT_PURPOSE", "DEFAULT_READER", "ReadQueries", "Reading", "subjects_of"]

A = TypeVar("A", bound=Aggregate)
Subject = tuple[UUID, SubjectKind]

DEFAULT_READER = "host"
DEFAULT_PURPOSE = "host application"


def subjects_of(aggregate: object) -> list[Subject]:
    """Whose personal data an aggregate holds: itself (customer, staff), its customer
    (pause), or its customer and staff member (visit); none for the others."""
    if isinstance(aggregate, Customer):
        return [(aggregate.id, SubjectKind.CUSTOMER)]
    if isinstance(aggregate, Staff):
        return [(aggregate.id, SubjectKind.STAFF)]
    if isinstance(aggregate, Pause):
        return [(aggregate.customer_id, SubjectKind.CUSTOMER)]
    if isinstance(aggregate, Assignment):
        customer, staff = aggregate.customer_id, aggregate.staff_id
        return [(customer, SubjectKind.CUSTOMER), (staff, SubjectKind.STAFF)]
    return []


class Reading:
    """One reader's reads for one purpose: the subjects read, recorded in one batch when
    the `with` block ends without an error (each subject once, in the order first read)."""

    def __init__(
        self,
        store: ReadQueries,
        *,
        reader: str,
        purpose: str,
        what: str,
        channel: Channel,
        record: bool = True,
    ) -> None:
        self._store = store
        self._record = record
        self._subjects: dict[Subject, None] = {}
        self._reader, self._purpose, self._what, self._channel = reader, purpose, what, channel
        try:  # a malformed reader, purpose or code is refused before anything is read (R17)
            Access(
                reader=reader,
                subject_id=UUID(int=0),
                subject_kind=SubjectKind.CUSTOMER,
                what=what,
                purpose=purpose,
                channel=channel,
            )
        except ValidationError as error:
            raise refusal(error) from None

    @property
    def reader(self) -> str:
        return self._reader

    @property
    def purpose(self) -> str:
        return self._purpose

    @property
    def channel(self) -> Channel:
        return self._channel

    def get(self, kind: type[A], aggregate_id: UUID, *, version: int | None = None) -> A:
        found = self._store._load(kind, aggregate_id, version=version)
        self.note(subjects_of(found))
        return found

    def get_as_of(self, kind: type[A], aggregate_id: UUID, at: datetime) -> A | None:
        found = self._store._load_as_of(kind, aggregate_id, at)
        self.note(subjects_of(found))
        return found

    def note(self, subjects: Iterable[Subject]) -> None:
        """Subjects whose personal data this reading shows by other means (a view's rows)."""
        for subject in subjects:
            self._subjects[subject] = None

    def record(self) -> int:
        """Write the subjects noted so far (once each) and start again; StorageError if not."""
        entries = reads(
            self._subjects,
            reader=self._reader,
            what=self._what,
            purpose=self._purpose,
            channel=self._channel,
        )
        self._subjects = {}
        return self._store.access_log.record_reads(entries)

    def __enter__(self) -> Reading:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None and self._record:
            self.record()


@boundary
class ReadQueries(EventStore):
    """The facade's reads by id, each recorded in the access log (R17)."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        connect_kwargs: Mapping[str, Any] | None = None,
        access_log: AccessLog | None = None,
        subject_keys: SubjectKeys | None = None,
    ) -> None:
        """`access_log`: the store's (`connect()` passes it); without one, reads are refused.
        `subject_keys`: as in `EventStore` (events' personal fields sealed with them)."""
        self._access_log = access_log
        super().__init__(env, connect_kwargs=connect_kwargs, subject_keys=subject_keys)

    @property
    def access_log(self) -> AccessLog:
        if self._access_log is None:
            raise StorageError(
                "This facade has no access log (R17): open the store with homecare.connect()."
            )
        return self._access_log

    def reading(
        self,
        *,
        reader: str = DEFAULT_READER,
        purpose: str = DEFAULT_PURPOSE,
        what: str,
        channel: Channel = Channel.FACADE,
        record: bool = True,
    ) -> Reading:
        """A `with` block of reads recorded together (the module doc). `record=False`: the
        caller records what it shows itself (the console records each subject a page
        shows, masked or not, through its hook, `homecare.http.console.access`)."""
        return Reading(
            self, reader=reader, purpose=purpose, what=what, channel=channel, record=record
        )

    def get(
        self,
        kind: type[A],
        aggregate_id: UUID,
        *,
        version: int | None = None,
        reader: str = DEFAULT_READER,
        purpose: str = DEFAULT_PURPOSE,
    ) -> A:
        """Any aggregate by id, optionally as it was at an earlier version (D6); R17:
        records `what` = the kind (`customer`, `staff`, `pause`, `assignment`)."""
        with self.reading(reader=reader, purpose=purpose, what=kind.__name__.lower()) as read:
            return read.get(kind, aggregate_id, version=version)

    def get_as_of(
        self,
        kind: type[A],
        aggregate_id: UUID,
        at: datetime,
        *,
        reader: str = DEFAULT_READER,
        purpose: str = DEFAULT_PURPOSE,
    ) -> A | None:
        """The aggregate as it was at `at` (by its events' times), None if it did not exist
        (D6); recorded as `get` is, when it existed."""
        with self.reading(reader=reader, purpose=purpose, what=kind.__name__.lower()) as read:
            return read.get_as_of(kind, aggregate_id, at)
