"""homecare: event-sourced home care for Stockholm providers.

The public surface, and the only one a host application should import from:

    from homecare import connect

    with connect("sqlite:///homecare.db") as hc:
        customer_id = hc.app.register_customer(...)

Everything named here is kept stable; every other module may change.
`connect()` is the composition root, `Homecare.app` the command facade
(`HomecareApplication`), and every error raised derives from `HomecareError`.
"""

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
from homecare.errors import (
    AssignmentAlreadyConfirmedError,
    AssignmentInPauseError,
    AssignmentNotAttestedError,
    AssignmentNotPerformedError,
    CipherKeyError,
    ConcurrentUpdateError,
    ConfirmationRejectedError,
    CursorHistoryError,
    HomecareError,
    InvalidCursorError,
    InvalidInputError,
    InvalidLimitError,
    InvalidPeriodError,
    InvalidPersonalIdentityNumberError,
    LeaseLostError,
    NotFoundError,
    PauseCancelledError,
    PauseUnchangedError,
    ProjectionBusyError,
    ProjectionStoppedError,
    RuleViolationError,
    SchemaOutdatedError,
    StorageError,
    StoreNotInitialisedError,
    TimeWentBackwardsError,
)
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
from homecare.schema import alembic_include_name, alembic_include_object
from homecare.settings import Settings

__all__ = [
    "Assignment",
    "AssignmentAlreadyConfirmedError",
    "AssignmentInPauseError",
    "AssignmentIntegration",
    "AssignmentNotAttestedError",
    "AssignmentNotPerformedError",
    "AssignmentStatus",
    "AtRiskGroup",
    "AtRiskItem",
    "Buffer",
    "CipherKeyError",
    "ConcurrentUpdateError",
    "ConfirmationRejectedError",
    "Contract",
    "CursorHistoryError",
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
    "HomecareError",
    "InactivatedPause",
    "IntegrationStatus",
    "InvalidCursorError",
    "InvalidInputError",
    "InvalidLimitError",
    "InvalidPeriodError",
    "InvalidPersonalIdentityNumberError",
    "ItemStatus",
    "ItemView",
    "LeaseLostError",
    "MetricSample",
    "MonthClose",
    "MonthReport",
    "NotFoundError",
    "Order",
    "OrganisationMonth",
    "Pause",
    "PauseCancelledError",
    "PauseLevel",
    "PauseMessageView",
    "PauseReason",
    "PauseStatus",
    "PauseUnchangedError",
    "PaymentRun",
    "PersonalIdentityNumber",
    "ProblemGroup",
    "ProjectionBusyError",
    "ProjectionStoppedError",
    "Reconciliation",
    "RuleViolationError",
    "SchemaOutdatedError",
    "Settings",
    "Staff",
    "StorageError",
    "StoreNotInitialisedError",
    "TimeWentBackwardsError",
    "VisitReport",
    "VisitReportMessage",
    "WorkShift",
    "alembic_include_name",
    "alembic_include_object",
    "connect",
]
