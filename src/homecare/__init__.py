"""homecare: event-sourced home care for Stockholm providers.

The public surface, and the only one a host application should import from:

    from homecare import connect

    with connect("sqlite:///homecare.db") as hc:
        customer_id = hc.app.register_customer(...)

Everything named here is kept stable; every other module may change.
`connect()` is the composition root, `Homecare.app` the command facade
(`HomecareApplication`), and every error raised derives from `HomecareError`.
"""

from homecare import errors
from homecare._es.runner import Stopped
from homecare.application import HomecareApplication, VisitReport
from homecare.bootstrap import Homecare, connect
from homecare.domain import (
    Assignment,
    AssignmentStatus,
    Contract,
    Customer,
    Decision,
    Order,
    Pause,
    PauseLevel,
    PauseReason,
    PauseStatus,
    PersonalIdentityNumber,
    Staff,
    WorkShift,
)
from homecare.domain.payment_run import PaymentRun
from homecare.outbox.deadline import AtRiskGroup, AtRiskItem, DeadlineReport, MetricSample
from homecare.outbox.messages import CustomerPauseMessage, FetchResult, VisitReportMessage
from homecare.outbox.month_close import MonthClose
from homecare.outbox.month_report import MonthReport, OrganisationMonth
from homecare.outbox.reconcile import (
    CustomerReconciliation,
    DayDifference,
    DayRange,
    InactivatedPause,
    PauseMessageView,
    Reconciliation,
)
from homecare.outbox.store import (
    AssignmentIntegration,
    Buffer,
    IntegrationStatus,
    ItemStatus,
    ItemView,
    ProblemGroup,
)
from homecare.projections.pause_overview import PauseRow, TimeState
from homecare.schema import alembic_include_name, alembic_include_object
from homecare.settings import Settings

# Every error, each re-exported `as` itself in one block; `__all__` takes errors.__all__.
# isort: off
from homecare.errors import (
    AssignmentAlreadyConfirmedError as AssignmentAlreadyConfirmedError,
    AssignmentInPauseError as AssignmentInPauseError,
    AssignmentNotAttestedError as AssignmentNotAttestedError,
    AssignmentNotPerformedError as AssignmentNotPerformedError,
    CipherKeyError as CipherKeyError,
    ConcurrentUpdateError as ConcurrentUpdateError,
    ConfirmationRejectedError as ConfirmationRejectedError,
    CursorHistoryError as CursorHistoryError,
    HomecareError as HomecareError,
    InvalidCursorError as InvalidCursorError,
    InvalidInputError as InvalidInputError,
    InvalidLimitError as InvalidLimitError,
    InvalidPeriodError as InvalidPeriodError,
    InvalidPersonalIdentityNumberError as InvalidPersonalIdentityNumberError,
    LeaseLostError as LeaseLostError,
    NotFoundError as NotFoundError,
    PauseCancelledError as PauseCancelledError,
    PauseUnchangedError as PauseUnchangedError,
    PersonalDataInAccessLogError as PersonalDataInAccessLogError,
    PersonalDataInActorError as PersonalDataInActorError,
    ProjectionBusyError as ProjectionBusyError,
    ProjectionStoppedError as ProjectionStoppedError,
    ReadingClosedError as ReadingClosedError,
    ReentrantWriteError as ReentrantWriteError,
    RuleViolationError as RuleViolationError,
    SchemaDriftError as SchemaDriftError,
    SchemaOutdatedError as SchemaOutdatedError,
    StorageError as StorageError,
    StoreNotInitialisedError as StoreNotInitialisedError,
    TimeWentBackwardsError as TimeWentBackwardsError,
    UnknownSettingError as UnknownSettingError,
)
# isort: on

__all__ = [
    "Assignment",
    "AssignmentIntegration",
    "AssignmentStatus",
    "AtRiskGroup",
    "AtRiskItem",
    "Buffer",
    "Contract",
    "Customer",
    "CustomerPauseMessage",
    "CustomerReconciliation",
    "DayDifference",
    "DayRange",
    "DeadlineReport",
    "Decision",
    "FetchResult",
    "Homecare",
    "HomecareApplication",
    "InactivatedPause",
    "IntegrationStatus",
    "ItemStatus",
    "ItemView",
    "MetricSample",
    "MonthClose",
    "MonthReport",
    "Order",
    "OrganisationMonth",
    "Pause",
    "PauseLevel",
    "PauseMessageView",
    "PauseReason",
    "PauseRow",
    "PauseStatus",
    "PaymentRun",
    "PersonalIdentityNumber",
    "ProblemGroup",
    "Reconciliation",
    "Settings",
    "Staff",
    "Stopped",
    "TimeState",
    "VisitReport",
    "VisitReportMessage",
    "WorkShift",
    "alembic_include_name",
    "alembic_include_object",
    "connect",
]
__all__ += errors.__all__  # every error (imported `as` itself above: re-exported)
__all__.sort()
