"""schemathesis against the app's own OpenAPI document: no 5xx, every response as documented.

In-process over ASGI (the live-socket tests are in test_api.py), on a store
with a few items so that valid cursors exist. Bounded and derandomized: at
most 30 examples per operation and generation mode, the same ones every run.

Hypothesis drives each operation's strategy directly: schemathesis' pytest
loader for fixture-built schemas (`schemathesis.pytest.from_fixture`) does not
work with pytest 9 (it reads the removed `Item._nodeid`).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from homecare.bootstrap import Homecare
from homecare.http import create_app
from homecare.outbox.cursor import parse_cursor
from tests.http.conftest import CITY, TOKENS, fill

LAST_POSITION = 6
OPERATIONS = [
    ("GET", "/health"),
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("GET", "/metrics"),
    ("GET", "/buffer/items"),
    ("GET", "/buffer/month/{month}"),
    ("GET", "/buffer/problems"),
    ("GET", "/buffer/deadline"),
    ("GET", "/buffer/month-report/{month}"),
]


@pytest.fixture
def api_schema(sqlite_hc: Homecare) -> schemathesis.BaseSchema:
    fill(sqlite_hc, LAST_POSITION, customers=3)
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(sqlite_hc, TOKENS))


def test_every_operation_of_the_document_is_exercised(api_schema: schemathesis.BaseSchema) -> None:
    documented = {
        (operation.method.upper(), operation.path)
        for result in api_schema.get_all_operations()
        for operation in [result.ok()]
    }
    assert documented == set(OPERATIONS)


POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
RUNS = [(m, p, POSITIVE) for m, p in OPERATIONS] + [
    # negative data needs a parameter to break; /health and /buffer/problems have none
    ("GET", "/buffer/items", NEGATIVE),
    ("GET", "/buffer/month/{month}", NEGATIVE),
    ("GET", "/buffer/deadline", NEGATIVE),
    ("GET", "/buffer/month-report/{month}", NEGATIVE),
]


@pytest.mark.parametrize(("method", "path", "mode"), RUNS)
def test_the_api_keeps_its_openapi_contract(
    api_schema: schemathesis.BaseSchema, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=30,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        if (path, mode) != ("/buffer/items", POSITIVE):
            case.call_and_validate(headers=CITY)
            return
        # A well-formed cursor beyond the buffer's end is refused (422, invalid_cursor): a
        # fact of the store, not of the schema. Every other check still applies.
        response = case.call_and_validate(headers=CITY, excluded_checks=[positive_data_acceptance])
        after = parse_cursor(case.query.get("after"))
        if response.status_code == 422:
            assert after.tag is None
            assert after.position > LAST_POSITION
            assert [e["type"] for e in response.json()["detail"]] == ["invalid_cursor"]
        if response.status_code == 409:  # D10: a well-formed cursor of another history
            assert after.tag is not None
            assert response.json()["code"] == "cursor_from_another_history"

    check()
