"""The public surface (`homecare.__all__`) and the error boundary.

1. `__all__` is exactly the names a host is meant to use, sorted, each resolving.
2. Every error of `eventsourcing`'s persistence layer that the facade can raise
   comes out as a `homecare.errors` error: IntegrityError and RecordConflictError
   as ConcurrentUpdateError, the rest (PersistenceError and its subclasses, and
   MapperDeserialisationError: events stored with another cipher key) as
   StorageError. The httpx idea: a test that every library error is mapped.
   Some are provoked for real: a conflicting save, an unreachable server, a
   database that does not exist, a closed store.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import eventsourcing.persistence as es
import pytest

import homecare
import homecare.errors
from homecare import (
    ConcurrentUpdateError,
    Customer,
    HomecareError,
    InvalidInputError,
    Pause,
    PauseStatus,
    StorageError,
    connect,
)
from homecare.bootstrap import Homecare
from tests.scenario import ACTOR, HOUR, T0, pair

INTENDED = {
    # what hc.pauses.list returns and takes (R9, R12), what hc.stopped() returns
    "PauseRow",
    "TimeState",
    "Stopped",
    # composition root and facade
    "connect",
    "Homecare",
    "Settings",
    "HomecareApplication",
    "VisitReport",
    # the month close (R14): the payment run, the deadline and the month report
    "MonthClose",
    "PaymentRun",
    "DeadlineReport",
    "MonthReport",
    "Reconciliation",
    # what a host receives: the buffer and its results (R2-R5, R12, R14)
    "Buffer",
    "FetchResult",
    "VisitReportMessage",
    "CustomerPauseMessage",
    "ItemView",
    "ItemStatus",
    "ProblemGroup",
    "AssignmentIntegration",
    "IntegrationStatus",
    "AtRiskGroup",
    "AtRiskItem",
    "MetricSample",
    "OrganisationMonth",
    "CustomerReconciliation",
    "DayDifference",
    "DayRange",
    "InactivatedPause",
    "PauseMessageView",
    # schema ownership: a host's Alembic autogenerate leaves homecare's tables alone
    "alembic_include_name",
    "alembic_include_object",
    # domain: aggregates, value objects, enums
    "Assignment",
    "Contract",
    "Customer",
    "Decision",
    "Order",
    "Pause",
    "Staff",
    "WorkShift",
    "PersonalIdentityNumber",
    "AssignmentStatus",
    "PauseLevel",
    "PauseReason",
    "PauseStatus",
    # every error
    "HomecareError",
    "InvalidInputError",
    "InvalidPersonalIdentityNumberError",
    "InvalidPeriodError",
    "InvalidCursorError",
    "InvalidLimitError",
    "PersonalDataInAccessLogError",
    "PersonalDataInActorError",
    "NotFoundError",
    "RuleViolationError",
    "PauseCancelledError",
    "PauseUnchangedError",
    "AssignmentNotPerformedError",
    "AssignmentNotAttestedError",
    "AssignmentAlreadyConfirmedError",
    "AssignmentInPauseError",
    "ConfirmationRejectedError",
    "ReadingClosedError",
    "ConcurrentUpdateError",
    "ProjectionBusyError",
    "LeaseLostError",
    "ReentrantWriteError",
    "ProjectionStoppedError",
    "StorageError",
    "StoreNotInitialisedError",
    "SchemaOutdatedError",
    "SchemaDriftError",
    "TimeWentBackwardsError",
    "UnknownSettingError",
    "CipherKeyError",
    "CursorHistoryError",
}


# -- the surface ---------------------------------------------------------------


def test_all_is_exactly_the_intended_names_and_sorted() -> None:
    assert set(homecare.__all__) == INTENDED
    assert len(homecare.__all__) == len(INTENDED)
    assert homecare.__all__ == sorted(homecare.__all__)


def test_every_exported_name_resolves() -> None:
    for name in homecare.__all__:
        assert getattr(homecare, name) is not None, name
    namespace: dict[str, Any] = {}
    exec("from homecare import *", namespace)
    assert set(namespace) - {"__builtins__"} == INTENDED


def test_every_error_class_is_exported_and_has_its_own_code() -> None:
    assert set(homecare.errors.__all__) <= set(homecare.__all__)
    classes = [getattr(homecare.errors, name) for name in homecare.errors.__all__]
    assert all(issubclass(c, homecare.HomecareError) for c in classes)
    codes = [c.code for c in classes]
    assert len(set(codes)) == len(codes), "two errors share a code"
    defined = {
        name
        for name, value in inspect.getmembers(homecare.errors, inspect.isclass)
        if value.__module__ == "homecare.errors"
    }
    assert defined == set(homecare.errors.__all__), "an error class is missing from __all__"


def test_the_package_is_typed() -> None:
    assert (Path(homecare.__file__).parent / "py.typed").is_file()


def test_importing_homecare_has_no_side_effects(tmp_path: Path) -> None:
    """No store opened, no file created, by `import homecare` alone."""
    subprocess.run([sys.executable, "-c", "import homecare"], cwd=tmp_path, check=True, timeout=60)
    assert list(tmp_path.iterdir()) == []


def test_the_readme_example_runs(tmp_path: Path) -> None:
    """The README's host-application example, run as a host would (its own process)."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert blocks, "the README lost its example"
    result = subprocess.run(
        [sys.executable, "-c", blocks[0]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOMECARE_DATABASE_URL": "", "HOMECARE_CIPHER_KEY": ""},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["assignment_already_confirmed", "['visit_report']"]


# -- every eventsourcing persistence error is translated ------------------------

LIBRARY_ERRORS = sorted(
    (
        cls
        for _, cls in inspect.getmembers(es, inspect.isclass)
        if issubclass(
            cls, es.PersistenceError | es.RecordConflictError | es.MapperDeserialisationError
        )
    ),
    key=lambda cls: cls.__name__,
)


def translated(cls: type[Exception]) -> type[HomecareError]:
    return ConcurrentUpdateError if issubclass(cls, es.RecordConflictError) else StorageError


def raising(cls: type[Exception]) -> Callable[..., Any]:
    def fail(*_args: object, **_kwargs: object) -> Any:
        raise cls("injected failure")

    return fail


def register(hc: Homecare) -> UUID:
    return hc.app.register_customer(
        personnummer="19121212-1212", name="T", organisation="O", actor=ACTOR, at=T0
    )


def test_the_list_of_library_errors_is_complete() -> None:
    names = {cls.__name__ for cls in LIBRARY_ERRORS}
    assert {"PersistenceError", "IntegrityError", "OperationalError", "RecordConflictError"} <= (
        names
    )


@pytest.mark.parametrize("error", LIBRARY_ERRORS, ids=lambda cls: cls.__name__)
def test_every_library_error_on_a_write_is_translated(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch, error: type[Exception]
) -> None:
    monkeypatch.setattr(hc.app.recorder, "insert_events", raising(error))
    with pytest.raises(translated(error)) as caught:
        register(hc)
    assert isinstance(caught.value.__cause__, error)


@pytest.mark.parametrize("error", LIBRARY_ERRORS, ids=lambda cls: cls.__name__)
def test_every_library_error_on_a_read_is_translated(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch, error: type[Exception]
) -> None:
    customer = register(hc)
    monkeypatch.setattr(hc.app.recorder, "select_events", raising(error))
    with pytest.raises(translated(error)):
        hc.app.get(Customer, customer)
    with pytest.raises(translated(error)):
        hc.app.get_as_of(Customer, customer, T0)
    with pytest.raises(translated(error)):
        hc.app.open_contract(customer, actor=ACTOR, at=T0)


@pytest.mark.parametrize(
    "error",
    [cls for cls in LIBRARY_ERRORS if not issubclass(cls, es.RecordConflictError)],
    ids=lambda cls: cls.__name__,
)
def test_every_library_error_while_projecting_is_translated(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch, error: type[Exception]
) -> None:
    """Projection reads only: whatever failed, it is the store that failed."""
    register(hc)
    # both readers of the log: eventsourcing's, and the lean one on the driver
    # (homecare._es.log_rows) that catch-up uses by default (issue 16)
    monkeypatch.setattr(hc.app.recorder, "select_notifications", raising(error))
    assert hc.log._read is not None
    monkeypatch.setattr(hc.log, "_read", raising(error))
    with pytest.raises(StorageError):
        hc.catch_up()


@pytest.fixture
def other(store_url: str) -> Iterator[Homecare]:
    """A second connection to the same store: another process, as far as the store knows."""
    with connect(store_url) as second:
        yield second


def test_a_real_conflict_in_a_command_is_ConcurrentUpdateError(
    hc: Homecare, other: Homecare, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writers load the same pause; the second to save loses, and nothing of it is stored."""
    w = pair(hc.app)
    pause = w.pause("customer", w.customer, T0 + timedelta(days=1), at=T0)
    load = hc.app.repository.get
    interfered = []

    def load_then_someone_else_saves(*args: Any, **kwargs: Any) -> Any:
        aggregate = load(*args, **kwargs)
        if not interfered:
            interfered.append(True)
            other.app.cancel_pause(pause, actor="someone else", at=T0 + HOUR)
        return aggregate

    monkeypatch.setattr(hc.app.repository, "get", load_then_someone_else_saves)
    before = w.log_length()
    with pytest.raises(ConcurrentUpdateError) as caught:
        hc.app.change_pause(pause, ends_at=T0 + timedelta(days=2), actor=ACTOR, at=T0 + HOUR)
    assert isinstance(caught.value.__cause__, es.IntegrityError)
    assert caught.value.code == "concurrent_update"
    assert w.log_length() == before + 1  # only the other writer's cancel
    monkeypatch.undo()
    assert hc.app.get(Pause, pause).status is PauseStatus.CANCELLED


def test_a_real_conflict_between_two_loads_saved_by_the_host_is_ConcurrentUpdateError(
    hc: Homecare,
) -> None:
    customer = register(hc)
    first = hc.app.get(Customer, customer)
    second = hc.app.get(Customer, customer)
    for copy in (first, second):
        copy.register_decision(
            decision_id=UUID(int=1),
            valid_from=T0.date(),
            valid_to=None,
            activities=["shower"],
            actor=ACTOR,
            at=T0,
        )
    hc.app.save(first)
    with pytest.raises(ConcurrentUpdateError):
        hc.app.save(second)


def test_using_a_closed_store_is_a_StorageError(
    store_url: str, request: pytest.FixtureRequest
) -> None:
    hc = connect(store_url)
    customer = register(hc)
    hc.close()
    with pytest.raises(StorageError):
        hc.app.get(Customer, customer)


# -- a store that cannot be opened ------------------------------------------------


def test_an_unreachable_postgresql_port_is_a_StorageError_without_the_password() -> None:
    """Port 1 on loopback refuses connections; the pool gives up after its timeout."""
    with pytest.raises(StorageError) as caught:
        connect("postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:1/homecare")
    assert caught.value.code == "storage_error"
    assert "127.0.0.1:1" in str(caught.value)
    assert "s3cret-pw" not in str(caught.value)
    assert "s3cret-pw" not in repr(caught.value)


def test_a_postgresql_database_that_does_not_exist_is_a_StorageError(
    postgres_database: str,
) -> None:
    missing = postgres_database.rsplit("/", 1)[0] + "/homecare_no_such_database"
    with pytest.raises(StorageError, match="homecare_no_such_database"):
        connect(missing)


def test_a_sqlite_file_in_a_missing_directory_is_a_StorageError(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        connect(f"sqlite:///{tmp_path}/no/such/dir/homecare.db")


@pytest.mark.parametrize(
    "url",
    ["not a url", "mysql://root@localhost/homecare", "sqlite://", "postgresql+psycopg://h:5432"],
)
def test_a_malformed_or_unsupported_url_is_an_InvalidInputError(url: str) -> None:
    with pytest.raises(InvalidInputError):
        connect(url)
