"""The lean reader's result processors (issue 16): the values SQLAlchemy's own give.

`homecare._sql.lean` reads a UUID column kept as text and a JSON column (SQLite) with
faster builders; for any stored text they must give what SQLAlchemy's processor
gives (same value, same type, same repr) or fail as it does.
"""

from __future__ import annotations

import json
import string
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import JSON, Column, Uuid
from sqlalchemy.dialects import sqlite

from homecare._sql.lean import _result_processor

DIALECT = sqlite.dialect()
UUID_READ = _result_processor(Column("u", Uuid), DIALECT)
JSON_READ = _result_processor(Column("j", JSON), DIALECT)
SQLA_UUID = Uuid().dialect_impl(DIALECT).result_processor(DIALECT, None)
SQLA_JSON = JSON().dialect_impl(DIALECT).result_processor(DIALECT, None)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def outcome(read: Any, value: Any) -> tuple[str, str]:
    try:
        found = read(value)
    except Exception as error:  # the same failure, or the test fails
        return ("error", type(error).__name__)
    return (type(found).__name__, repr(found))


def test_both_processors_are_the_lean_ones() -> None:
    assert UUID_READ is not None
    assert UUID_READ is not SQLA_UUID
    assert JSON_READ is not None
    assert JSON_READ is not SQLA_JSON


@given(st.uuids())
def test_a_stored_uuid_reads_as_sqlalchemy_reads_it(value: UUID) -> None:
    assert UUID_READ is not None
    assert SQLA_UUID is not None
    found = UUID_READ(value.hex)
    assert found == value
    assert type(found) is UUID
    assert hash(found) == hash(value)
    assert str(found) == str(value)
    assert found.is_safe == SQLA_UUID(value.hex).is_safe


@given(st.text(alphabet=string.hexdigits + "x_-+ {}gz", min_size=30, max_size=34) | st.none())
def test_any_text_reads_or_fails_as_sqlalchemy(value: str | None) -> None:
    assert outcome(UUID_READ, value) == outcome(SQLA_UUID, value)


@given(json_values)
def test_stored_json_reads_as_json_loads_reads_it(value: Any) -> None:
    text = json.dumps(value)
    assert outcome(JSON_READ, text) == outcome(SQLA_JSON, text)


@given(st.text(alphabet='0123456789[]{}",.:-eE ntrufals\\', max_size=40))
def test_any_text_reads_or_fails_as_json_loads(text: str) -> None:
    assert outcome(JSON_READ, text) == outcome(SQLA_JSON, text)
