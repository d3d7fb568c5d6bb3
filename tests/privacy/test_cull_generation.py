"""R16: the cull generation (`SubjectKeys.refresh`): two key objects on one store stand
for two processes. A cull by one is seen by the other's next refresh (its cached keys
dropped), and a key read while a drop happens is not cached after it. Both stores,
with and without a cipher key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID, uuid4

import pytest

from homecare._sql.database import Database
from homecare._sql.subject_keys import SubjectKeys
from homecare.domain.privacy import CULLED, SubjectKind
from tests.privacy.conftest import KEY_A

NAME = "Astrid Lindqvist"

with_and_without_key = pytest.mark.parametrize("cipher_key", [None, KEY_A], ids=["clear", "key"])


def _cull_elsewhere(database: Database, cipher_key: str | None, subject: UUID) -> None:
    with database.write_engine.begin() as conn:  # no scrub: the caller may hold a read
        assert SubjectKeys(database, cipher_key).cull(subject, conn=conn)


@with_and_without_key
def test_a_cull_elsewhere_drops_the_cached_keys_at_the_next_refresh(
    database: Database, cipher_key: str | None
) -> None:
    keys = SubjectKeys(database, cipher_key)
    subject = uuid4()
    sealed = keys.seal(subject, SubjectKind.CUSTOMER, NAME)
    assert keys.refresh() == 0
    assert keys.open(subject, sealed) == NAME  # the key is cached now
    _cull_elsewhere(database, cipher_key, subject)
    assert keys.refresh() == 1  # the generation moved: every cached key dropped
    assert keys.open(subject, sealed) == CULLED
    assert keys.refresh() == 1


@with_and_without_key
def test_a_key_read_while_a_cull_is_seen_is_not_cached_after_it(
    database: Database, cipher_key: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = SubjectKeys(database, cipher_key)
    subject = uuid4()
    sealed = SubjectKeys(database, cipher_key).seal(subject, SubjectKind.CUSTOMER, NAME)
    keys.refresh()
    table: Any = keys._table
    load_many = table.load_many

    def racing(conn: Any, subject_ids: Iterable[UUID]) -> Any:
        found = load_many(conn, subject_ids)  # the live key, read before the cull
        _cull_elsewhere(database, cipher_key, subject)
        keys.refresh()  # another thread sees the cull and drops the cache
        return found

    monkeypatch.setattr(table, "load_many", racing)
    keys.warm([subject])
    monkeypatch.undo()
    assert keys.open(subject, sealed) == CULLED  # the live key read before was not kept
