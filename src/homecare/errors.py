"""Every error homecare raises, in one tree.

    HomecareError                       code: a stable, machine-readable string
    ├── InvalidInputError (ValueError)  bad input at the boundary
    │   ├── InvalidPersonalIdentityNumberError
    │   ├── InvalidPeriodError          an end that is not after its start
    │   ├── TimeWentBackwardsError      D11: dated before the record's last event
    │   ├── PersonalDataInAccessLogError R17: a reader or purpose shaped like a personnummer
    │   ├── PersonalDataInActorError    D1, D8: an actor shaped like a personnummer
    │   ├── UnknownSettingError         D9: a HOMECARE_* variable or argument naming no setting
    │   ├── InvalidCursorError          a malformed or unknown buffer cursor (D3)
    │   │   └── CursorHistoryError      a cursor of another history, e.g. before a restore (D10)
    │   └── InvalidLimitError           a fetch limit outside 1..500 (R3)
    ├── NotFoundError (LookupError)     an id nobody registered
    ├── RuleViolationError              a command the rules forbid in this state
    │   ├── PauseCancelledError         R8, R13: a cancelled pause is final
    │   ├── PauseUnchangedError         R8: a change that changes nothing
    │   ├── AssignmentNotPerformedError R1: nothing performed yet
    │   ├── AssignmentNotAttestedError  R1: confirm needs attest first
    │   ├── AssignmentAlreadyConfirmedError
    │   ├── AssignmentInPauseError      R7: the visit lies in a pause
    │   ├── ConfirmationRejectedError   R1: one bad item rejects the whole batch
    │   └── ReadingClosedError          R17: a read outside its `with app.reading(...)` block
    ├── ConcurrentUpdateError           someone saved the same aggregate first
    ├── ProjectionBusyError             another follower already runs (D2)
    ├── LeaseLostError                  a worker lost its lease: it writes nothing more
    ├── ReentrantWriteError (RuntimeError)  a write from inside its own (a fetch's `then`)
    └── StorageError                    the store failed or cannot be reached
        ├── StoreNotInitialisedError    no homecare store at the URL: `homecare db init`
        ├── SchemaOutdatedError         the store's schema is older (or newer) than this release
        ├── SchemaDriftError            its tables differ from what the migrations made
        ├── ProjectionStoppedError      D10: an event a projection cannot apply
        └── CipherKeyError              stored data unreadable with this key (D8)

Why one module: a host catches `HomecareError` (or one `code`), never a library's
error (one table translates those, `homecare._es.error_map`). Messages are for an
operator and reach logs and HTTP bodies: never a full personnummer (D8) nor a free
text; a value outside a closed set is not quoted (`domain.common.parse_choice`), a
malformed id, date, month or cursor goes through `homecare.domain.identity.redacted`.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AssignmentAlreadyConfirmedError",
    "AssignmentInPauseError",
    "AssignmentNotAttestedError",
    "AssignmentNotPerformedError",
    "CipherKeyError",
    "ConcurrentUpdateError",
    "ConfirmationRejectedError",
    "CursorHistoryError",
    "HomecareError",
    "InvalidCursorError",
    "InvalidInputError",
    "InvalidLimitError",
    "InvalidPeriodError",
    "InvalidPersonalIdentityNumberError",
    "LeaseLostError",
    "NotFoundError",
    "PauseCancelledError",
    "PauseUnchangedError",
    "PersonalDataInAccessLogError",
    "PersonalDataInActorError",
    "ProjectionBusyError",
    "ProjectionStoppedError",
    "ReadingClosedError",
    "ReentrantWriteError",
    "RuleViolationError",
    "SchemaDriftError",
    "SchemaOutdatedError",
    "StorageError",
    "StoreNotInitialisedError",
    "TimeWentBackwardsError",
    "UnknownSettingError",
]


class HomecareError(Exception):
    """Root of every error raised by homecare; `code` is stable across releases."""

    code: ClassVar[str] = "homecare_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, str]:
        """The machine-readable form, for JSON error bodies and `--json` output."""
        return {"code": self.code, "message": self.message}

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle, `copy` and `deepcopy` rebuild the error from its message and its fields
        (`resume_after`, `identifier`, `cause` ...), never by calling `__init__` again:
        a subclass's own arguments need not be the message (a worker process or a
        task queue hands errors on pickled)."""
        return _rebuilt, (type(self), self.message, self.__dict__)


def _rebuilt(kind: type[HomecareError], message: str, fields: dict[str, Any]) -> HomecareError:
    error = kind.__new__(kind)
    Exception.__init__(error, message)
    error.__dict__.update(fields)
    return error


class InvalidInputError(HomecareError, ValueError):
    code = "invalid_input"


class InvalidPersonalIdentityNumberError(InvalidInputError):
    code = "invalid_personnummer"


class InvalidPeriodError(InvalidInputError):
    code = "invalid_period"


class PersonalDataInAccessLogError(InvalidInputError):
    """R17: a reader or purpose holding a digit run shaped like a personnummer or
    samordningsnummer; the access log holds no personal data."""

    code = "personal_data_in_access_log"


class PersonalDataInActorError(InvalidInputError):
    """D1, D8: an actor (who made a change, stored in the clear in every event) holding
    a digit run shaped like a personnummer or samordningsnummer; name people by a
    user name or initials instead."""

    code = "personal_data_in_actor"


class UnknownSettingError(InvalidInputError):
    """D9: a `HOMECARE_*` environment variable, or a `Settings` argument, that names no
    setting (a misspelling such as `HOMECARE_CIPHER_KY`), refused rather than ignored;
    the message names it and, where one is close, the setting meant."""

    code = "unknown_setting"


class TimeWentBackwardsError(InvalidInputError):
    """D11: a command dated before the last event of the record it changes."""

    code = "time_went_backwards"


class InvalidCursorError(InvalidInputError):
    code = "invalid_cursor"


class CursorHistoryError(InvalidCursorError):
    """D10: the cursor was given in another history of the buffer (a restored backup, a
    recreated store); `resume_after` is where to go on from (None: from the start),
    deduplicating by `message_id`. HTTP 409."""

    code = "cursor_from_another_history"

    def __init__(self, message: str, resume_after: str | None) -> None:
        super().__init__(message)
        self.resume_after = resume_after

    def to_dict(self) -> dict[str, str]:
        found = super().to_dict()
        if self.resume_after is not None:
            found["resume_after"] = self.resume_after
        return found


class InvalidLimitError(InvalidInputError):
    code = "invalid_limit"


class NotFoundError(HomecareError, LookupError):
    code = "not_found"

    def __init__(self, kind: str, identifier: object) -> None:
        super().__init__(f"No {kind} with id {identifier}.")
        self.kind = kind
        self.identifier = identifier


class RuleViolationError(HomecareError):
    code = "rule_violation"


class PauseCancelledError(RuleViolationError):
    code = "pause_cancelled"


class PauseUnchangedError(RuleViolationError):
    code = "pause_unchanged"


class AssignmentNotPerformedError(RuleViolationError):
    code = "assignment_not_performed"


class AssignmentNotAttestedError(RuleViolationError):
    code = "assignment_not_attested"


class AssignmentAlreadyConfirmedError(RuleViolationError):
    code = "assignment_already_confirmed"


class AssignmentInPauseError(RuleViolationError):
    code = "assignment_in_pause"


class ConfirmationRejectedError(RuleViolationError):
    """R1: a batch is all-or-nothing; this names the item that stopped it."""

    code = "confirmation_rejected"

    def __init__(self, assignment_id: object, cause: HomecareError) -> None:
        super().__init__(
            f"Nothing was confirmed: assignment {assignment_id} cannot be confirmed "
            f"({cause.code}: {cause.message})"
        )
        self.assignment_id = assignment_id
        self.cause = cause


class ReadingClosedError(RuleViolationError):
    """R17: a read through `app.reading(...)` outside its `with` block (before it, after
    it): the read would not be recorded, so it is refused and nothing is read."""

    code = "reading_closed"


class ConcurrentUpdateError(HomecareError):
    """Someone saved the same record first; nothing was saved: load it again and retry."""

    code = "concurrent_update"


class ProjectionBusyError(HomecareError):
    """D2: another follower or worker already runs the projections
    of this store (one writer at a time)."""

    code = "projection_busy"


class StorageError(HomecareError):
    """The store failed or cannot be reached: the libraries' errors, mapped by
    `homecare._es.error_map` (the driver's text is never quoted, D8); HTTP 503."""

    code = "storage_error"


class LeaseLostError(HomecareError):
    """The worker's lease moved to another worker (or its session was lost): stop writing."""

    code = "lease_lost"


class ReentrantWriteError(HomecareError, RuntimeError):
    """homecare was called, from inside one of its own write transactions (a fetch's
    `then`), for a write of its own on the same store: it would wait for itself. Refused
    at once on both stores (D7); write through the transaction's `conn`, or after."""

    code = "reentrant_write"


class StoreNotInitialisedError(StorageError):
    """No homecare store at the URL (a missing file, an empty database): `homecare db init`."""

    code = "store_not_initialised"


class SchemaOutdatedError(StorageError):
    """The store's schema is not this release's: `homecare db upgrade` (or a newer homecare)."""

    code = "schema_outdated"


class SchemaDriftError(StorageError):
    """The store's tables (its event table, version table or read models) differ from what
    the migrations made, e.g. one dropped by hand: nothing is changed; restore a backup."""

    code = "schema_drift"


class ProjectionStoppedError(StorageError):
    """D10: a projection cannot apply an event; the message names its position and topic."""

    code = "projection_stopped"


class CipherKeyError(StorageError):
    """D8: what is stored cannot be read with this cipher key: the key is wrong, missing
    (the store was written encrypted) or unexpected (the store was written in clear)."""

    code = "wrong_cipher_key"
