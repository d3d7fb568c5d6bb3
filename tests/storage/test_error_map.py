"""The one error map (`homecare._es.error_map`): its table, and how a boundary applies it.

The httpx idea: one table from the libraries' errors to homecare's, applied at
the boundaries, and a test that walks the table, so adding a row adds cases.
"""

from __future__ import annotations

import eventsourcing.persistence as es
import pytest
import sqlalchemy.exc as sa

from homecare._es.error_map import (
    LIBRARY_ERRORS,
    UNREADABLE_EVENTS,
    boundary,
    is_unreachable,
    mapped,
    opening,
    translate,
    translated,
)
from homecare.errors import (
    CipherKeyError,
    ConcurrentUpdateError,
    HomecareError,
    NotFoundError,
    StorageError,
)

PERSONNUMMER = "191212121212"
ROWS = sorted(LIBRARY_ERRORS.items(), key=lambda row: row[0].__name__)


def library_error(cls: type[Exception]) -> Exception:
    """An instance of `cls` whose text quotes a personnummer, as a driver's may (D8)."""
    if issubclass(cls, sa.DBAPIError):
        return cls(f"SELECT ... WHERE pnr = '{PERSONNUMMER}'", {}, Exception(PERSONNUMMER))
    return cls(f"failed on row ({PERSONNUMMER},)")


@pytest.mark.parametrize(("cls", "row"), ROWS, ids=lambda value: getattr(value, "__name__", ""))
def test_every_row_translates_to_its_error_without_the_drivers_text(
    cls: type[Exception], row: object
) -> None:
    found = translate(library_error(cls))
    assert found is not None
    assert type(found) is LIBRARY_ERRORS[cls].error
    assert PERSONNUMMER not in str(found)


def test_the_nearest_class_in_the_mro_wins() -> None:
    """eventsourcing's IntegrityError is a PersistenceError and a RecordConflictError."""
    assert isinstance(translate(es.IntegrityError("x")), ConcurrentUpdateError)
    assert isinstance(translate(es.ProgrammingError("x")), StorageError)
    assert isinstance(translate(es.MapperDeserialisationError("x")), CipherKeyError)
    assert str(translate(es.MapperDeserialisationError("x"))) == UNREADABLE_EVENTS
    assert str(translate(sa.NoResultFound("x"))) == "The store failed: NoResultFound."


def test_a_homecare_error_passes_through_and_a_bug_is_left_as_it_is() -> None:
    mine = NotFoundError("customer", 1)
    assert translate(mine) is mine
    assert translate(KeyError("x")) is None


def test_the_driver_joins_the_table_once_it_is_loaded() -> None:
    psycopg = pytest.importorskip("psycopg")
    assert isinstance(translate(psycopg.OperationalError("x")), StorageError)


def test_mapped_keeps_the_cause_and_lets_the_rest_through() -> None:
    cause = es.OperationalError(PERSONNUMMER)
    with pytest.raises(StorageError) as caught, mapped():
        raise cause
    assert caught.value.__cause__ is cause
    with pytest.raises(KeyError), mapped():
        raise KeyError("a bug stays a bug")
    mine = NotFoundError("customer", 1)
    with pytest.raises(NotFoundError) as passed, mapped():
        raise mine
    assert passed.value is mine


def test_opening_names_the_store_for_any_failure() -> None:
    with pytest.raises(StorageError) as caught, opening("sqlite:///x.db"):
        raise RuntimeError("no such driver\nsecond line")
    assert (
        str(caught.value) == "Cannot open the store at sqlite:///x.db: RuntimeError: no such driver"
    )
    with pytest.raises(NotFoundError), opening("sqlite:///x.db"):
        raise NotFoundError("customer", 1)


def test_translated_and_boundary_wrap_functions_and_public_methods() -> None:
    @translated
    def fails() -> None:
        raise sa.TimeoutError("pool")

    with pytest.raises(StorageError, match="cannot be reached: TimeoutError"):
        fails()

    @boundary
    class Read:
        def public(self) -> None:
            raise es.RecordConflictError("x")

        def process(self) -> None:  # inside a runner's page: classified by the runner (D10)
            raise es.RecordConflictError("x")

        def _private(self) -> None:
            raise es.RecordConflictError("x")

    with pytest.raises(ConcurrentUpdateError):
        Read().public()
    with pytest.raises(es.RecordConflictError):
        Read().process()
    with pytest.raises(es.RecordConflictError):
        Read()._private()


def test_a_generator_cannot_be_translated() -> None:
    def lazy() -> object:
        yield 1

    with pytest.raises(TypeError, match="generator"):
        translated(lazy)


def test_every_row_is_a_homecare_error() -> None:
    assert all(issubclass(row.error, HomecareError) for row in LIBRARY_ERRORS.values())


@pytest.mark.parametrize(
    "error",
    [
        sa.OperationalError("INSERT", {}, Exception("attempt to write a readonly database")),
        sa.ProgrammingError("CREATE TABLE", {}, Exception("permission denied for schema public")),
        es.OperationalError("attempt to write a readonly database"),
    ],
)
def test_a_refused_write_names_the_fix(error: Exception) -> None:
    """A read-only file or a role without a grant is told as such, not as a bare type."""
    found = translate(error)
    assert isinstance(found, StorageError)
    assert "read-only or lacks a privilege" in str(found)
    assert type(error).__name__ in str(found)


def test_other_store_errors_keep_their_row() -> None:
    error = sa.ProgrammingError("SELECT", {}, Exception("syntax error at or near"))
    assert str(translate(error)) == "The store failed: ProgrammingError."


@pytest.mark.parametrize(
    "detail",
    [
        "no such table: homecare_pause_overview_customers",
        "no such column: stopped_at",
        "table homecare_buffer_items has no column named kind",
    ],
)
def test_a_missing_table_is_a_failing_store_not_an_unreachable_one(detail: str) -> None:
    """SQLite's OperationalError for a damaged schema is told like PostgreSQL's
    ProgrammingError: the store answered; it is not "cannot be reached"."""
    error = sa.OperationalError("SELECT", {}, Exception(detail))
    assert not is_unreachable(error)
    assert str(translate(error)) == "The store failed: OperationalError."
    assert not is_unreachable(sa.ProgrammingError("SELECT", {}, Exception(detail)))


def test_a_refused_connection_is_unreachable() -> None:
    error = sa.OperationalError("connect", {}, Exception("connection refused"))
    assert is_unreachable(error)
    assert str(translate(error)) == "The store cannot be reached: OperationalError."
    assert not is_unreachable(ValueError("no such table"))
