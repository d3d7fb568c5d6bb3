"""R16, D8: every event class of the domain says whether it holds personal data, and whose.

The event store seals exactly the declared fields (`homecare.domain.personal`);
an event class in neither table would be stored unsealed, so this guard fails.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing

from eventsourcing.domain import Aggregate

import homecare.domain as domain
from homecare.domain.identity import PersonalIdentityNumber
from homecare.domain.pausable import Pausable
from homecare.domain.personal import NOT_PERSONAL, PERSONAL


def _event_classes() -> set[type]:
    """Every event class an aggregate of homecare.domain declares (not eventsourcing's
    default `Event`/`Created` bases, nor Pausable's shared base)."""
    found: set[type] = set()
    for info in pkgutil.walk_packages(domain.__path__, "homecare.domain."):
        module = importlib.import_module(info.name)
        for kind in vars(module).values():
            if not (isinstance(kind, type) and issubclass(kind, Aggregate)) or kind is Pausable:
                continue
            for member in vars(kind).values():
                if not (isinstance(member, type) and issubclass(member, Aggregate.Event)):
                    continue
                if member.__name__ in ("Event", "Created") and not inspect.get_annotations(member):
                    continue  # eventsourcing's generated default
                found.add(member)
    return found


def test_every_event_class_is_declared_personal_or_not() -> None:
    classes = _event_classes()
    assert classes, "the walk found no events"
    undeclared = {c.__qualname__ for c in classes - set(PERSONAL) - NOT_PERSONAL}
    assert undeclared == set(), "declare these in homecare.domain.personal"
    assert not set(PERSONAL) & NOT_PERSONAL


def test_declared_fields_exist_and_are_text_or_personnummer() -> None:
    for cls, personal in PERSONAL.items():
        hints = typing.get_type_hints(cls)
        for name in personal.fields:
            allowed = set(typing.get_args(hints[name])) | {hints[name]}
            assert allowed & {str, PersonalIdentityNumber}, (cls, name)
        if personal.subject_field is not None and not personal.on_creation:
            assert personal.subject_field in hints, cls


def test_actor_is_never_declared_personal() -> None:
    """The operator's name, not the subject's: it stays under the store cipher."""
    assert all("actor" not in p.fields for p in PERSONAL.values())
