"""Reads by id that record who read whom (R17): `get`, `get_as_of` and `reading`.

Why here: every read of a subject's personal data through the facade is
logged in the access log (`homecare.privacy`), in the same store. A read of a
customer, staff member, pause (its reason text is the customer's) or visit
(the customer's and the staff member's) records one entry per subject read;
contracts and orders hold no personal data and record nothing.

    app.get(Customer, id, reader="karin", purpose="phone call from the customer")
    with app.reading(reader="karin", purpose="...", what="history", channel=Channel.CLI) as r:
        r.get(Customer, id)  # recorded before it returns
        r.note([(staff_id, SubjectKind.STAFF)])  # recorded when the block ends, even by an error

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
from homecare.errors import ReadingClosedError, StorageError
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
    """One reader's reads for one purpose, inside a `with` block (R17).

    Each subject is recorded once per reading. `get` and `get_as_of` record the subjects
    they loaded before they return (the caller may show the aggregate at once); the
    subjects noted with `note` (the rows of a view, which the caller holds already) are
    written in one batch when the block ends, also when it ends by an exception (what
    was noted may have been shown). Outside its block, before `with` or after it, a read
    or a note is ReadingClosedError and nothing is read; a reading is entered once (the
    block may hand it on: `with within or app.reading(...)` re-enters it)."""

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
        self._noted: dict[Subject, None] = {}  # in the order first read
        self._recorded: set[Subject] = set()
        self._depth, self._ended = 0, False
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
        """`ReadQueries.get` within this reading: recorded before it returns (StorageError
        and nothing returned when the entry cannot be written); ReadingClosedError outside
        the block."""
        self._require_open()
        found = self._store._load(kind, aggregate_id, version=version)
        self._shown(subjects_of(found))
        return found

    def get_as_of(self, kind: type[A], aggregate_id: UUID, at: datetime) -> A | None:
        """`ReadQueries.get_as_of` within this reading, recorded as `get` is."""
        self._require_open()
        found = self._store._load_as_of(kind, aggregate_id, at)
        self._shown(subjects_of(found))
        return found

    def note(self, subjects: Iterable[Subject]) -> None:
        """Subjects whose personal data this reading shows by other means (a view's rows):
        recorded when the block ends. ReadingClosedError outside the block."""
        self._require_open()
        for subject in subjects:
            if subject not in self._recorded:
                self._noted[subject] = None

    def record(self) -> int:
        """Write the subjects noted and not yet recorded (once each); the number written.
        StorageError if they cannot be written (`AccessLog.record_reads`)."""
        if not self._noted:
            return 0
        subjects, self._noted = list(self._noted), {}
        entries = reads(
            subjects,
            reader=self._reader,
            what=self._what,
            purpose=self._purpose,
            channel=self._channel,
        )
        written = self._store.access_log.record_reads(entries)
        self._recorded.update(subjects)
        return written

    def _shown(self, subjects: Iterable[Subject]) -> None:
        self.note(subjects)
        if self._record:
            self.record()

    def _require_open(self) -> None:
        if self._depth == 0:
            when = "has ended" if self._ended else "is not open"
            raise ReadingClosedError(
                f"This reading {when}: read inside `with app.reading(...) as r:`, where "
                "every read is recorded in the access log (R17). Nothing was read."
            )

    def __enter__(self) -> Reading:
        if self._ended:
            self._require_open()
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Record what was noted, also when the block raises: a failure to record then
        raises StorageError, with the block's error as its context."""
        self._depth -= 1
        self._ended = self._depth == 0
        if self._record:
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
        """A `with` block of reads, each recorded (`Reading`; outside the block a read is
        ReadingClosedError). `record=False`: the
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
