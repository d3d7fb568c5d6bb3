"""The lean reader's result processors (issue 16): the values SQLAlchemy's own give.

`homecare._sql.lean_read` reads a UUID column kept as text (each text built once while
kept) and a JSON column (SQLite) with faster builders; for any stored text they must
give what SQLAlchemy's processor gives (same value, same type, same repr) or fail as
it does.
"""

from __future__ import annotations

import json
import string
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import JSON, Column, Uuid
from sqlalchemy.dialects import sqlite

from homecare._sql import lean_read
from homecare._sql.lean_read import _result_processor

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


def test_a_uuid_read_again_is_the_one_built_first_and_the_kept_ones_stay_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The UUIDs read are kept by their text (`_UUIDS`), at most `_UUIDS_KEPT` of them."""
    assert UUID_READ is not None
    monkeypatch.setattr(lean_read, "_UUIDS", {})
    monkeypatch.setattr(lean_read, "_UUIDS_KEPT", 8)
    values = [uuid4() for _ in range(20)]
    first = UUID_READ(values[0].hex)
    assert UUID_READ(values[0].hex) is first
    for value in values:
        found = UUID_READ(value.hex)
        assert found == value
        assert str(found) == str(value)
        assert len(lean_read._UUIDS) <= 8
    # a text that is no UUID is never kept, so it fails every time, as SQLAlchemy's does
    assert outcome(UUID_READ, "g" * 32) == outcome(SQLA_UUID, "g" * 32)
    assert "g" * 32 not in lean_read._UUIDS
    assert outcome(UUID_READ, "g" * 32) == outcome(SQLA_UUID, "g" * 32)


@pytest.mark.parametrize(
    "text",
    [
        "18446744073709551616",  # beyond 64 bits: orjson would give a float
        "[-9223372036854775809]",
        '{"a": 123456789012345678901234}',
        '{"a": "\ud800", "b": 12345678901234567890123}',  # a lone surrogate beside it
        '"١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠"',  # other digits are no number: orjson reads them
        '{"id": "1234567890123456789"}',
        "1234567890123456789",
    ],
)
def test_long_numbers_read_as_json_loads_reads_them(text: str) -> None:
    assert outcome(JSON_READ, text) == outcome(SQLA_JSON, text)


@given(st.integers(min_value=-(2**80), max_value=2**80), st.text(max_size=5))
def test_any_integer_reads_as_json_loads_reads_it(number: int, text: str) -> None:
    stored = json.dumps({"n": number, "t": text, "l": [number, str(number)]})
    assert outcome(JSON_READ, stored) == outcome(SQLA_JSON, stored)
