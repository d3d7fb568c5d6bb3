"""Every public error survives pickle, `copy` and `deepcopy` with its code, message and
fields: a host hands errors across processes (a task queue, a worker pool) and copies
them (test frameworks, loggers). An error whose `__init__` takes other arguments than
the message (`NotFoundError(kind, identifier)`) used to fail to unpickle.

The test walks every class exported, so a new error is held to it when it is added;
one with a new constructor argument needs a sample below.
"""

from __future__ import annotations

import copy
import inspect
import pickle
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

import homecare
import homecare.errors
from homecare.errors import AssignmentNotAttestedError, HomecareError

ID = UUID("6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5")
SAMPLES: dict[str, Any] = {
    "message": "Something went wrong.",
    "kind": "customer",
    "identifier": ID,
    "resume_after": "3.abc",
    "assignment_id": ID,
    "cause": AssignmentNotAttestedError("Attest it first (R1)."),
}

EXPORTED = sorted(
    {
        value
        for name in homecare.__all__
        if isinstance(value := getattr(homecare, name), type) and issubclass(value, Exception)
    }
    | {getattr(homecare.errors, name) for name in homecare.errors.__all__},
    key=lambda kind: kind.__name__,
)
WAYS: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda error: pickle.loads(pickle.dumps(error)),
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}


def made(kind: type[Exception]) -> Exception:
    parameters = list(inspect.signature(kind.__init__).parameters.values())[1:]
    missing = [p.name for p in parameters if p.name not in SAMPLES]
    assert not missing, f"{kind.__name__}: add a sample for {missing} to this test"
    return kind(**{p.name: SAMPLES[p.name] for p in parameters})


def assert_same(copied: Any, original: Any) -> None:
    if not isinstance(original, BaseException):
        assert copied == original
        return
    assert type(copied) is type(original)
    assert str(copied) == str(original)
    assert copied.args == original.args
    assert copied.__dict__.keys() == original.__dict__.keys()
    for key, value in original.__dict__.items():
        assert_same(copied.__dict__[key], value)


def test_the_walk_covers_the_error_tree() -> None:
    assert HomecareError in EXPORTED
    assert len(EXPORTED) >= len(homecare.errors.__all__)


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("kind", EXPORTED, ids=lambda kind: kind.__name__)
def test_every_public_error_round_trips(kind: type[Exception], way: str) -> None:
    original = made(kind)
    original.add_note("a note a host added")
    copied = WAYS[way](original)
    assert_same(copied, original)
    assert copied.__notes__ == ["a note a host added"]
    if isinstance(original, HomecareError):
        assert copied.code == original.code
        assert copied.message == original.message
        assert copied.to_dict() == original.to_dict()


def test_the_fields_named_in_the_report_come_back() -> None:
    found = pickle.loads(pickle.dumps(homecare.NotFoundError("customer", ID)))
    assert (found.kind, found.identifier, found.code) == ("customer", ID, "not_found")
    history = copy.copy(homecare.CursorHistoryError("Another history.", "3.abc"))
    assert history.resume_after == "3.abc"
    assert history.to_dict()["resume_after"] == "3.abc"
    rejected = copy.deepcopy(
        homecare.ConfirmationRejectedError(ID, AssignmentNotAttestedError("Attest it first."))
    )
    assert rejected.assignment_id == ID
    assert isinstance(rejected.cause, AssignmentNotAttestedError)
    assert rejected.cause.message == "Attest it first."
    assert rejected.code == "confirmation_rejected"
