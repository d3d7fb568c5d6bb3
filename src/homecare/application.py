"""The command facade: the only way to change the domain (D1).

A thin `eventsourcing.Application`: each command loads aggregates, lets them
check their rules, and saves every resulting event in one atomic `save`, so a
batch is all-or-nothing (R1). Time and actor are passed in; the facade reads
no clock either. Library errors are translated here into `homecare.errors`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    ConnectionPoolClosedError,
    InfrastructureFactory,
    IntegrityError,
    JSONTranscoder,
    MapperDeserialisationError,
    PersistenceError,
    RecordConflictError,
    Transcoder,
)
from eventsourcing.utils import Environment, EnvType

from homecare._es.loads import CommandLoads
from homecare._es.transcoding import OrjsonTranscoder, register_transcodings
from homecare.domain.assignment import Assignment, AssignmentStatus
from homecare.domain.common import UNSET, Unset, require_aware, require_instant, stockholm_day
from homecare.domain.contract import Contract
from homecare.domain.customer import Customer
from homecare.domain.fields import require_day, require_id, require_ids
from homecare.domain.identity import PersonalIdentityNumber
from homecare.domain.order import Order
from homecare.domain.pausable import Pausable
from homecare.domain.pause import Pause, PauseLevel, PauseReason
from homecare.domain.record import check_not_before
from homecare.domain.shift import WorkShift
from homecare.domain.staff import Staff
from homecare.errors import (
    AssignmentInPauseError,
    CipherKeyError,
    ConcurrentUpdateError,
    ConfirmationRejectedError,
    HomecareError,
    InvalidInputError,
    NotFoundError,
    StorageError,
)

__all__ = ["HomecareApplication", "VisitReport"]

logger = logging.getLogger("homecare.application")

_SHIFT_RETRIES = 5
UNREADABLE_EVENTS = (
    "Stored events cannot be read: the cipher key is wrong or missing "
    "(HOMECARE_CIPHER_KEY must be the key the store was written with)."
)
P = ParamSpec("P")
R = TypeVar("R")
A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class VisitReport:
    """What was performed on a visit: used for corrections in a shift follow-up (R1, R6)."""

    start: datetime
    end: datetime
    activities: tuple[str, ...]


def _translated(method: Callable[P, R]) -> Callable[P, R]:
    """Translate the store's errors at the boundary; ours pass through."""

    @wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except HomecareError:
            raise
        except (IntegrityError, RecordConflictError) as error:
            raise ConcurrentUpdateError(
                "Someone else changed the same record at the same time; nothing was saved. "
                "Load it again and retry."
            ) from error
        except MapperDeserialisationError as error:
            raise CipherKeyError(UNREADABLE_EVENTS) from error
        except ConnectionPoolClosedError as error:
            raise StorageError("The store is closed: connect() again.") from error
        except PersistenceError as error:
            raise StorageError(f"The event store failed: {type(error).__name__}.") from error

    return wrapper


class HomecareApplication(Application[UUID]):
    """Commands and queries by id over the event-sourced domain."""

    name = "homecare"

    def __init__(
        self, env: Mapping[str, str], *, connect_kwargs: Mapping[str, Any] | None = None
    ) -> None:
        """`env` is the whole environment (`Settings.eventsourcing_environment()`, D9);
        `connect_kwargs`, on PostgreSQL, the libpq keywords of the whole URL."""
        self._connect_kwargs = dict(connect_kwargs or {})
        super().__init__(env=dict(env))

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only what was passed: not os.environ, whose `HOMECARE_*` names would win (D9)."""
        return Environment(name, dict(env or {}))

    def construct_factory(self, env: Environment) -> InfrastructureFactory:
        factory = super().construct_factory(env)
        if not self._connect_kwargs:
            return factory
        from eventsourcing.postgres import PostgresDatastore  # psycopg only when needed

        datastore = getattr(factory, "datastore", None)
        if isinstance(datastore, PostgresDatastore):
            # psycopg_pool lets `kwargs` change before connections are made (the pool
            # opens on first use): the event store then connects exactly as the read side.
            pool_kwargs = cast(dict[str, Any], datastore.pool.kwargs)
            for keyword in ("dbname", "host", "port", "user", "password"):
                pool_kwargs.pop(keyword, None)  # the factory's; the URL's replace them
            pool_kwargs.update(self._connect_kwargs)
        return factory

    def construct_transcoder(self) -> Transcoder:
        transcoder = OrjsonTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    @_translated
    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """The unit of work; translated so a host saving aggregates itself gets our errors."""
        recordings = super().save(*objs, **kwargs)
        logger.debug("saved %d events", len(recordings))
        return recordings

    # -- loading ---------------------------------------------------------

    def _load(self, kind: type[A], aggregate_id: UUID, *, version: int | None = None) -> A:
        if not isinstance(kind, type) or not issubclass(kind, Aggregate):
            raise InvalidInputError(f"kind must be an aggregate class, got {kind!r}.")
        if not isinstance(aggregate_id, UUID):
            raise InvalidInputError(
                f"{kind.__name__} id must be a UUID, got {type(aggregate_id).__name__}."
            )
        if version is not None and (
            not isinstance(version, int) or isinstance(version, bool) or version < 1
        ):
            raise InvalidInputError(f"version must be a whole number from 1, got {version!r}.")
        try:
            aggregate: object = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFoundError(kind.__name__.lower(), aggregate_id) from None
        if not isinstance(aggregate, kind):
            raise NotFoundError(kind.__name__.lower(), aggregate_id)
        return aggregate

    @_translated
    def get(self, kind: type[A], aggregate_id: UUID, *, version: int | None = None) -> A:
        """Any aggregate by id, optionally as it was at an earlier version (D6)."""
        return self._load(kind, aggregate_id, version=version)

    @_translated
    def get_as_of(self, kind: type[A], aggregate_id: UUID, at: datetime) -> A | None:
        """The aggregate as it was at `at` (by its events' times), None if it did not exist (D6)."""
        at = require_aware(at, "at")
        version = None
        for stored in self.events.get(aggregate_id):
            if cast(Aggregate.Event, stored).timestamp > at:
                break
            version = stored.originator_version
        if version is None:
            self._load(kind, aggregate_id)  # unknown id -> NotFoundError
            return None
        return self._load(kind, aggregate_id, version=version)

    # -- customers, contracts, orders, staff -----------------------------

    @_translated
    def register_customer(
        self,
        *,
        personnummer: str | PersonalIdentityNumber,
        name: str,
        organisation: str,
        actor: str,
        at: datetime,
    ) -> UUID:
        customer = Customer.register(
            personnummer=_pnr(personnummer, at),
            name=name,
            organisation=organisation,
            actor=actor,
            at=at,
        )
        self.save(customer)
        return customer.id

    @_translated
    def register_decision(
        self,
        customer_id: UUID,
        *,
        valid_from: date,
        valid_to: date | None,
        activities: Iterable[str],
        actor: str,
        at: datetime,
    ) -> UUID:
        customer = self._load(Customer, customer_id)
        decision_id = uuid4()
        customer.register_decision(
            decision_id=decision_id,
            valid_from=valid_from,
            valid_to=valid_to,
            activities=activities,
            actor=actor,
            at=at,
        )
        self.save(customer)
        return decision_id

    @_translated
    def open_contract(self, customer_id: UUID, *, actor: str, at: datetime) -> UUID:
        _not_before_created(self._load(Customer, customer_id), at)
        contract = Contract.open(customer_id=customer_id, actor=actor, at=at)
        self.save(contract)
        return contract.id

    @_translated
    def place_order(
        self, contract_id: UUID, *, activities: Iterable[str], actor: str, at: datetime
    ) -> UUID:
        contract = self._load(Contract, contract_id)
        _not_before_created(contract, at)
        order = Order.place(
            contract_id=contract_id,
            customer_id=contract.customer_id,
            activities=activities,
            actor=actor,
            at=at,
        )
        self.save(order)
        return order.id

    @_translated
    def register_staff(
        self,
        *,
        name: str,
        personnummer: str | PersonalIdentityNumber | None = None,
        sd_number: str | None = None,
        actor: str,
        at: datetime,
    ) -> UUID:
        staff = Staff.register(
            name=name,
            personnummer=None if personnummer is None else _pnr(personnummer, at),
            sd_number=sd_number,
            actor=actor,
            at=at,
        )
        self.save(staff)
        return staff.id

    @_translated
    def update_staff(
        self,
        staff_id: UUID,
        *,
        personnummer: str | PersonalIdentityNumber | Unset | None = UNSET,
        sd_number: str | Unset | None = UNSET,
        actor: str,
        at: datetime,
    ) -> None:
        """R6: fix a staff account; held visits of this person are released by the buffer."""
        staff = self._load(Staff, staff_id)
        pnr: PersonalIdentityNumber | Unset | None = (
            personnummer
            if personnummer is None or isinstance(personnummer, Unset)
            else _pnr(personnummer, at)
        )
        staff.update(personnummer=pnr, sd_number=sd_number, actor=actor, at=at)
        self.save(staff)

    # -- assignments -----------------------------------------------------

    @_translated
    def plan_assignment(
        self,
        *,
        order_id: UUID,
        staff_id: UUID,
        planned_start: datetime,
        planned_end: datetime,
        shift_day: date,
        actor: str,
        at: datetime,
    ) -> UUID:
        """Plan a visit into the staff member's work shift for `shift_day`.

        The shift's day is the Stockholm day of the planned start, or the day
        before or after it (a night shift); any other day is refused.
        """
        order = self._load(Order, order_id)
        staff = self._load(Staff, staff_id)
        for parent in (order, staff):
            _not_before_created(parent, at)
        _check_shift_day(require_day(shift_day, "shift_day"), planned_start)
        # The shift is an index shared by every visit of that staff member and day;
        # concurrent planners may collide on it, which is not the host's concern.
        for attempt in range(_SHIFT_RETRIES):
            assignment = Assignment.plan(
                customer_id=order.customer_id,
                order_id=order_id,
                staff_id=staff_id,
                planned_start=planned_start,
                planned_end=planned_end,
                actor=actor,
                at=at,
            )
            shift = self._shift(staff_id, shift_day, actor, at)
            shift.add(assignment_id=assignment.id, actor=actor, at=at)
            try:
                self.save(assignment, shift)
            except ConcurrentUpdateError:
                if attempt == _SHIFT_RETRIES - 1:
                    raise
                continue
            return assignment.id
        raise AssertionError("unreachable")  # pragma: no cover

    @_translated
    def record_performance(
        self,
        assignment_id: UUID,
        *,
        start: datetime,
        end: datetime,
        activities: Sequence[str],
        actor: str,
        at: datetime,
    ) -> None:
        assignment = self._load(Assignment, assignment_id)
        assignment.record_performance(
            start=start, end=end, activities=activities, actor=actor, at=at
        )
        self.save(assignment)

    @_translated
    def correct_assignment(
        self,
        assignment_id: UUID,
        *,
        start: datetime,
        end: datetime,
        activities: Sequence[str],
        actor: str,
        at: datetime,
    ) -> None:
        """R6: correct the visit in the assignment report; attest and confirm it again."""
        assignment = self._load(Assignment, assignment_id)
        assignment.correct(start=start, end=end, activities=activities, actor=actor, at=at)
        self.save(assignment)

    @_translated
    def record_declined_visit(
        self,
        assignment_id: UUID,
        *,
        declined_at: datetime,
        declined_by: str,
        reason: str | None = None,
        actor: str,
        at: datetime,
    ) -> None:
        """R15: the customer declined the planned visit (avböjt besök): when, taken by
        whom, an optional reason. Attest and confirm it like a performed visit; it is
        reported with outcome `declined`, no activities and the planned time. On a
        visit already performed or declined this is a correction (R6)."""
        assignment = self._load(Assignment, assignment_id)
        assignment.decline(
            declined_at=declined_at, declined_by=declined_by, reason=reason, actor=actor, at=at
        )
        self.save(assignment)

    @_translated
    def attest_assignments(
        self, assignment_ids: Sequence[UUID], *, actor: str, at: datetime
    ) -> None:
        ids = require_ids(assignment_ids, "assignment_ids")
        if len(set(ids)) != len(ids):
            raise InvalidInputError("The same assignment is listed twice.")
        assignments = [self._load(Assignment, i) for i in ids]
        for assignment in assignments:
            assignment.attest(actor=actor, at=at)
        self.save(*assignments)

    @_translated
    def confirm_assignment(self, assignment_id: UUID, *, actor: str, at: datetime) -> None:
        """R1, R2: confirm one attested visit; it is placed in the integration buffer."""
        loads = CommandLoads(self)
        loads.prefetch([assignment_id])
        assignment = loads.load(Assignment, assignment_id)
        loads.prefetch_pause_check([assignment])
        self._check_not_paused(assignment, loads)
        assignment.confirm(actor=actor, at=at)
        self.save(assignment)

    @_translated
    def confirm_assignments(
        self, assignment_ids: Sequence[UUID], *, actor: str, at: datetime
    ) -> None:
        """R1: confirm many selected visits (the explicit yes), all or nothing."""
        assignment_ids = require_ids(assignment_ids, "assignment_ids")
        if len(set(assignment_ids)) != len(assignment_ids):
            raise InvalidInputError("The same assignment is listed twice.")
        loads = CommandLoads(self)
        loads.prefetch(assignment_ids)
        loads.prefetch_pause_check(loads.peek(Assignment, i) for i in assignment_ids)
        assignments = []
        for assignment_id in assignment_ids:
            try:
                assignment = loads.load(Assignment, assignment_id)
                self._check_not_paused(assignment, loads)
                assignment.confirm(actor=actor, at=at)
            except HomecareError as error:
                raise ConfirmationRejectedError(assignment_id, error) from error
            assignments.append(assignment)
        self.save(*assignments)

    @_translated
    def confirm_shift(
        self,
        staff_id: UUID,
        day: date,
        *,
        corrections: Mapping[UUID, VisitReport] | None = None,
        actor: str,
        at: datetime,
    ) -> list[UUID]:
        """R1: confirm a staff member's whole work shift, corrections applied first.

        A corrected visit is attested by the confirming person in the same command
        (the shift follow-up is where its data is checked). Visits confirmed
        earlier are left as they are. All or nothing; returns the confirmed ids.
        """
        loads = CommandLoads(self)
        require_id(staff_id, "staff_id")
        require_day(day, "day")
        corrections = _checked_corrections(corrections)
        loads.prefetch([staff_id, WorkShift.id_for(staff_id, day)])
        loads.load(Staff, staff_id)
        shift = loads.load(WorkShift, WorkShift.id_for(staff_id, day))
        unknown = set(corrections) - set(shift.assignment_ids)
        if unknown:
            raise InvalidInputError(
                f"Corrections name visits outside this shift: {sorted(map(str, unknown))}."
            )
        loads.prefetch(shift.assignment_ids)
        loads.prefetch_pause_check(loads.peek(Assignment, i) for i in shift.assignment_ids)
        confirmed: list[Assignment] = []
        for assignment_id in shift.assignment_ids:
            try:
                assignment = loads.load(Assignment, assignment_id)
                report = corrections.get(assignment_id)
                if report is not None:
                    assignment.correct(
                        start=report.start,
                        end=report.end,
                        activities=report.activities,
                        actor=actor,
                        at=at,
                    )
                    assignment.attest(actor=actor, at=at)
                elif assignment.status is AssignmentStatus.CONFIRMED:
                    continue
                self._check_not_paused(assignment, loads)
                assignment.confirm(actor=actor, at=at)
            except HomecareError as error:
                raise ConfirmationRejectedError(assignment_id, error) from error
            confirmed.append(assignment)
        self.save(*confirmed)
        return [a.id for a in confirmed]

    def _shift(self, staff_id: UUID, day: date, actor: str, at: datetime) -> WorkShift:
        try:
            return self._load(WorkShift, WorkShift.id_for(staff_id, day))
        except NotFoundError:
            return WorkShift.open(staff_id=staff_id, day=day, actor=actor, at=at)

    def pause_covering(self, assignment_id: UUID) -> UUID | None:
        """R7: the id of a pause (of the visit's order, through any level) that the
        visit's reported time lies in, or None; such a visit cannot be confirmed.

        Raises NotFoundError for an unknown visit."""
        assignment = self._load(Assignment, assignment_id)
        pause = self._pause_over(assignment, CommandLoads(self))
        return None if pause is None else pause.id

    def _pause_over(self, assignment: Assignment, loads: CommandLoads) -> Pause | None:
        period = assignment.reported_period
        if period is None:
            return None
        for pause in loads.pauses_of_order(assignment.order_id):
            if pause.overlaps(*period):
                return pause
        return None

    def _check_not_paused(self, assignment: Assignment, loads: CommandLoads | None = None) -> None:
        """R7: a visit inside a pause of its order (through any level) is not confirmed.

        A declined visit (R15) is checked with its planned time."""
        pause = self._pause_over(assignment, loads or CommandLoads(self))
        if pause is not None:
            raise AssignmentInPauseError(
                f"Assignment {assignment.id} lies inside pause {pause.id} "
                f"({pause.level} level, {pause.reason}); it cannot be confirmed."
            )

    # -- pauses ----------------------------------------------------------

    @_translated
    def create_pause(
        self,
        *,
        level: PauseLevel | str,
        target_id: UUID,
        notified_at: datetime,
        reason: PauseReason | str,
        starts_at: datetime,
        ends_at: datetime | None = None,
        reason_text: str | None = None,
        actor: str,
        at: datetime,
    ) -> UUID:
        """R7, R8: pause a customer, contract or order; status New."""
        target = self._pause_target(level, target_id)
        customer_id = target.id if isinstance(target, Customer) else _customer_of(target)
        pause = Pause.create(
            level=level,
            target_id=target_id,
            customer_id=customer_id,
            notified_at=notified_at,
            reason=reason,
            reason_text=reason_text,
            starts_at=starts_at,
            ends_at=ends_at,
            actor=actor,
            at=at,
        )
        target.attach_pause(pause_id=pause.id, actor=actor, at=at)
        self.save(pause, target)
        return pause.id

    @_translated
    def change_pause(
        self,
        pause_id: UUID,
        *,
        starts_at: datetime | Unset = UNSET,
        ends_at: datetime | Unset | None = UNSET,
        reason: PauseReason | str | Unset = UNSET,
        reason_text: str | Unset | None = UNSET,
        actor: str,
        at: datetime,
    ) -> None:
        """R8, R11, R12: edit start, end or reason (status Changed). One call, one event."""
        pause = self._load(Pause, pause_id)
        pause.change(
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            reason_text=reason_text,
            actor=actor,
            at=at,
        )
        self.save(pause)

    @_translated
    def cancel_pause(self, pause_id: UUID, *, actor: str, at: datetime) -> None:
        """R8, R11, R13: cancel (final); the pause is never deleted."""
        pause = self._load(Pause, pause_id)
        pause.cancel(actor=actor, at=at)
        self.save(pause)

    @_translated
    def pauses_of_order(self, order_id: UUID) -> list[Pause]:
        """Every pause that can stop this order: its own, its contract's, its customer's (R7)."""
        order = self._load(Order, order_id)
        contract = self._load(Contract, order.contract_id)
        customer = self._load(Customer, order.customer_id)
        return self._pauses(order, contract, customer)

    @_translated
    def paused_by(
        self,
        *,
        at: datetime,
        order_id: UUID | None = None,
        contract_id: UUID | None = None,
        customer_id: UUID | None = None,
    ) -> list[Pause]:
        """R7: the pauses that pause this order, contract or customer at `at` (empty: not paused).

        A customer's pause pauses its contracts and orders; a contract's pause its
        orders; never upwards.
        """
        require_aware(at, "at")
        targets = [x for x in (order_id, contract_id, customer_id) if x is not None]
        if len(targets) != 1:
            raise InvalidInputError("Name exactly one of order_id, contract_id, customer_id.")
        if order_id is not None:
            pauses = self.pauses_of_order(order_id)
        elif contract_id is not None:
            contract = self._load(Contract, contract_id)
            pauses = self._pauses(contract, self._load(Customer, contract.customer_id))
        else:
            assert customer_id is not None
            pauses = self._pauses(self._load(Customer, customer_id))
        return [p for p in pauses if p.is_active_at(at)]

    def _pauses(self, *targets: Pausable) -> list[Pause]:
        return [self._load(Pause, pid) for target in targets for pid in target.pause_ids]

    def _pause_target(self, level: PauseLevel | str, target_id: UUID) -> Pausable:
        try:
            checked = PauseLevel(level)
        except ValueError:
            raise InvalidInputError(
                f"Unknown level {level!r}: expected customer, contract or order."
            ) from None
        kinds: dict[PauseLevel, type[Pausable]] = {
            PauseLevel.CUSTOMER: Customer,
            PauseLevel.CONTRACT: Contract,
            PauseLevel.ORDER: Order,
        }
        kind = kinds[checked]
        return self._load(kind, target_id)


def _customer_of(target: Pausable) -> UUID:
    return cast("UUID", cast(Any, target).customer_id)


def _pnr(value: str | PersonalIdentityNumber, at: datetime) -> PersonalIdentityNumber:
    if isinstance(value, PersonalIdentityNumber):
        return value
    if not isinstance(value, str):
        raise InvalidInputError("A personnummer must be given as text.")
    return PersonalIdentityNumber.parse(value, today=stockholm_day(at))


def _not_before_created(parent: Aggregate, at: datetime) -> None:
    """D11: a record cannot be made for another before that one existed."""
    kind = type(parent).__name__
    check_not_before(
        require_instant(at, "at"), parent.created_on, kind, since=f"{kind} {parent.id} was created"
    )


def _check_shift_day(shift_day: date, planned_start: datetime) -> None:
    start_day = stockholm_day(planned_start, "planned_start")
    if abs((shift_day - start_day).days) > 1:
        raise InvalidInputError(
            f"shift_day {shift_day.isoformat()} is not the day of the planned start "
            f"({start_day.isoformat()}, Stockholm) nor the day before or after it."
        )


def _checked_corrections(corrections: object) -> dict[UUID, VisitReport]:
    if corrections is None:
        return {}
    if not isinstance(corrections, Mapping):
        raise InvalidInputError(
            f"corrections must map assignment ids to VisitReport, got {type(corrections).__name__}."
        )
    for key, report in corrections.items():
        require_id(key, "corrections key")
        if not isinstance(report, VisitReport):
            raise InvalidInputError(
                f"corrections[{key}] must be a VisitReport, got {type(report).__name__}."
            )
    return dict(corrections)
