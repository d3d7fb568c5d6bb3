"""Whose personal data a view shows: the subject ids in its rows (R17).

Why by field name: every view model of the library names its subjects the
same way, `customer_id` or `customer` for a care recipient and `staff_id` for
an employee (`ItemView`, `PauseRow`, `AssignmentIntegration`, the
reconciliation), so one walk over the rows finds them without parsing any
personal field. Order: first seen first, each subject once.

    >>> from uuid import UUID
    >>> from pydantic import BaseModel
    >>> class Row(BaseModel):
    ...     customer: UUID
    ...     staff_id: UUID | None
    >>> a, b = UUID(int=1), UUID(int=2)
    >>> [(str(i)[-1], k.value) for i, k in subjects_in([Row(customer=a, staff_id=b)])]
    [('1', 'customer'), ('2', 'staff')]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from uuid import UUID

from pydantic import BaseModel

from homecare.domain.privacy import SubjectKind

__all__ = ["SUBJECT_FIELDS", "subjects_in"]

SUBJECT_FIELDS: Mapping[str, SubjectKind] = {
    "customer_id": SubjectKind.CUSTOMER,
    "customer": SubjectKind.CUSTOMER,
    "staff_id": SubjectKind.STAFF,
}
"""The field names that carry a subject's id in the library's view models."""


def subjects_in(shown: object) -> list[tuple[UUID, SubjectKind]]:
    """The subjects named in `shown`: models, dataclasses, lists, tuples and dicts of
    them, nested (other values, aggregates included, are not looked into)."""
    found: dict[tuple[UUID, SubjectKind], None] = {}
    _walk(shown, found)
    return list(found)


def _walk(value: object, found: dict[tuple[UUID, SubjectKind], None]) -> None:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _visit(name, getattr(value, name), found)
    elif is_dataclass(value) and not isinstance(value, type):
        for name in (f.name for f in fields(value)):
            _visit(name, getattr(value, name), found)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, found)


def _visit(name: str, value: object, found: dict[tuple[UUID, SubjectKind], None]) -> None:
    kind = SUBJECT_FIELDS.get(name)
    if kind is not None and isinstance(value, UUID):
        found[(value, kind)] = None
    else:
        _walk(value, found)
