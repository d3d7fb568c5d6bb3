"""R16: per-subject keys seal personal text; culling destroys the key beyond recovery.

On both stores, with and without a store cipher key. The raw-bytes checks read
past the library: the SQLite file with its WAL from disk, and on PostgreSQL the
key table's file through pg_read_binary_file (the test role is a superuser);
each first finds the key's bytes before the cull, so it can fail.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
import pytest
from sqlalchemy import select

from homecare._sql.database import Database
from homecare._sql.subject_keys import SEALED_PREFIX, SubjectKeys, is_sealed, subject_keys
from homecare.domain.privacy import CULLED, SubjectKind
from homecare.errors import CipherKeyError, InvalidInputError, RuleViolationError, StorageError
from tests.privacy.conftest import KEY_A, KEY_B

NAME = "Astrid Lindqvist, sjukhusvistelse"

with_and_without_key = pytest.mark.parametrize("cipher_key", [None, KEY_A], ids=["clear", "key"])


@with_and_without_key
def test_seal_then_open_gives_the_text_back_and_sealed_text_is_recognisable(
    database: Database, cipher_key: str | None
) -> None:
    keys = SubjectKeys(database, cipher_key)
    subject = uuid4()
    sealed = keys.seal(subject, SubjectKind.CUSTOMER, NAME)
    assert sealed.startswith(SEALED_PREFIX)
    assert is_sealed(sealed)
    assert NAME not in sealed
    assert not is_sealed(NAME)
    assert keys.seal(subject, SubjectKind.CUSTOMER, NAME) != sealed  # a fresh nonce each time
    assert keys.open(subject, sealed) == NAME
    assert SubjectKeys(database, cipher_key).open(subject, sealed) == NAME  # from the table
    assert keys.open(subject, "written in clear") == "written in clear"


@with_and_without_key
def test_a_key_made_in_the_callers_transaction_goes_with_it(
    database: Database, cipher_key: str | None
) -> None:
    keys = SubjectKeys(database, cipher_key)
    kept, rolled_back = uuid4(), uuid4()
    with database.write_engine.begin() as conn:
        sealed = keys.seal(kept, SubjectKind.STAFF, NAME, conn=conn)
        assert keys.open(kept, sealed, conn=conn) == NAME
    assert keys.open(kept, sealed) == NAME
    with pytest.raises(RuntimeError), database.write_engine.begin() as conn:  # noqa: PT012
        lost = keys.seal(rolled_back, SubjectKind.STAFF, NAME, conn=conn)
        raise RuntimeError("the caller fails")
    assert keys.open(rolled_back, lost) is CULLED  # no key: never readable, never an error
    again = keys.seal(rolled_back, SubjectKind.STAFF, NAME)
    assert keys.open(rolled_back, again) == NAME


def test_a_wrong_or_missing_store_key_is_a_cipher_key_error(database: Database) -> None:
    subject = uuid4()
    sealed = SubjectKeys(database, KEY_A).seal(subject, SubjectKind.CUSTOMER, NAME)
    for wrong in (KEY_B, None):
        with pytest.raises(CipherKeyError, match="cipher key is wrong or missing"):
            SubjectKeys(database, wrong).open(subject, sealed)
    clear = uuid4()
    sealed_clear = SubjectKeys(database, None).seal(clear, SubjectKind.CUSTOMER, NAME)
    with pytest.raises(CipherKeyError):
        SubjectKeys(database, KEY_A).open(clear, sealed_clear)


def test_text_sealed_for_another_subject_does_not_open(database: Database) -> None:
    keys = SubjectKeys(database, KEY_A)
    one, other = uuid4(), uuid4()
    keys.seal(other, SubjectKind.CUSTOMER, "x")
    sealed = keys.seal(one, SubjectKind.CUSTOMER, NAME)
    with pytest.raises(StorageError, match="does not open"):
        keys.open(other, sealed)
    with pytest.raises(InvalidInputError, match="is a customer, not a staff"):
        keys.seal(one, SubjectKind.STAFF, NAME)


@with_and_without_key
def test_after_culling_every_read_shows_culled_and_nothing_more_is_sealed(
    database: Database, cipher_key: str | None
) -> None:
    keys, other_process = SubjectKeys(database, cipher_key), SubjectKeys(database, cipher_key)
    subject, bystander = uuid4(), uuid4()
    sealed = keys.seal(subject, SubjectKind.CUSTOMER, NAME)
    kept = keys.seal(bystander, SubjectKind.CUSTOMER, "kept")
    assert other_process.open(subject, sealed) == NAME  # cached there
    assert keys.cull(subject) is True
    assert keys.cull(subject) is False  # once
    assert keys.open(subject, sealed) is CULLED
    assert SubjectKeys(database, cipher_key).open(subject, sealed) is CULLED
    other_process.forget()
    assert other_process.open(subject, sealed) is CULLED
    assert keys.open(bystander, kept) == "kept"
    with pytest.raises(RuleViolationError, match="culled"):
        keys.seal(subject, SubjectKind.CUSTOMER, NAME)
    assert [(c.subject_id, c.kind) for c in keys.culled()] == [(subject, SubjectKind.CUSTOMER)]


def test_culling_a_subject_without_a_key_records_it_when_the_kind_is_given(
    database: Database,
) -> None:
    keys = SubjectKeys(database, None)
    unknown = uuid4()
    assert keys.cull(unknown) is False
    assert keys.cull(unknown, kind=SubjectKind.STAFF) is True
    with pytest.raises(RuleViolationError):
        keys.seal(unknown, SubjectKind.STAFF, NAME)


# -- the raw bytes -------------------------------------------------------------


def _stored_key(database: Database, subject: UUID) -> bytes:
    with database.engine.connect() as conn:
        found = conn.execute(
            select(subject_keys.c.data_key).where(subject_keys.c.subject_id == subject)
        ).scalar_one()
    return bytes(found)


def _raw(url: str) -> bytes:
    """The SQLite files (database, WAL, index) from disk; the PostgreSQL key table's file."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("CHECKPOINT")
        row = conn.execute(
            "SELECT pg_read_binary_file(pg_relation_filepath('homecare_subject_keys'))"
        ).fetchone()
    assert row is not None
    return bytes(row[0])


@with_and_without_key
@pytest.mark.parametrize("callers", [False, True], ids=["own", "callers"])
def test_after_culling_the_raw_store_holds_no_byte_of_the_key(
    database: Database, store_url: str, cipher_key: str | None, callers: bool
) -> None:
    keys = SubjectKeys(database, cipher_key)
    subjects = [uuid4() for _ in range(20)]
    for subject in subjects:
        keys.seal(subject, SubjectKind.CUSTOMER, NAME)
    culled = subjects[7]
    stored = _stored_key(database, culled)
    data_key = keys._table.unwrap(culled, stored)
    assert stored in _raw(store_url)  # the check can fail
    if store_url.startswith("sqlite"):
        with sqlite3.connect(Path(store_url.removeprefix("sqlite:///"))) as raw:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the key in the file, not only the WAL
        assert stored in _raw(store_url)

    if callers:  # in the caller's transaction, which then scrubs after committing
        with database.write_engine.begin() as conn:
            assert keys.cull(culled, conn=conn) is True
        assert [c.subject_id for c in keys.culled()] == [culled]
    else:
        assert keys.cull(culled) is True
    assert keys.scrub() is True  # with `conn`, the caller's step; without, done already
    after = _raw(store_url)
    assert stored not in after
    assert data_key not in after
    assert _stored_key(database, subjects[8]) in after  # the others are still there


@with_and_without_key
def test_bound_keys_seal_and_open_in_one_transaction(
    database: Database, cipher_key: str | None
) -> None:
    keys = SubjectKeys(database, cipher_key)
    first, second, culled = uuid4(), uuid4(), uuid4()
    gone = keys.seal(culled, SubjectKind.STAFF, NAME)
    keys.cull(culled)
    with database.write_engine.begin() as conn:
        page = keys.bound(conn)
        sealed = [page.seal(first, SubjectKind.CUSTOMER, f"{NAME} {n}") for n in range(3)]
        other = page.seal(second, SubjectKind.STAFF, "Olle")
        assert [page.open(first, text) for text in sealed] == [f"{NAME} {n}" for n in range(3)]
        assert page.open(second, other) == "Olle"
        assert page.open(culled, gone) is CULLED
        assert page.open(first, "clear") == "clear"
        with pytest.raises(RuleViolationError):
            page.seal(culled, SubjectKind.STAFF, NAME)
        with pytest.raises(InvalidInputError):
            page.seal(first, SubjectKind.STAFF, NAME)
    assert keys.open(first, sealed[2]) == f"{NAME} 2"


def test_two_writers_making_the_same_subjects_key_agree(database: Database) -> None:
    subject = uuid4()
    writers = [SubjectKeys(database, KEY_A) for _ in range(4)]
    with ThreadPoolExecutor(len(writers)) as pool:
        sealed = list(pool.map(lambda k: k.seal(subject, SubjectKind.CUSTOMER, NAME), writers))
    reader = SubjectKeys(database, KEY_A)
    assert [reader.open(subject, text) for text in sealed] == [NAME] * len(writers)
