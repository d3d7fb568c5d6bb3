"""R16: the record of a culling holds who, when, why and the legal basis, and no personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from homecare.domain.culling import Culling, CullingReason
from homecare.domain.privacy import SubjectKind
from homecare.domain.retention import DEFAULT_LEGAL_BASIS
from homecare.errors import InvalidInputError, TimeWentBackwardsError

AT = datetime(2031, 1, 15, 9, tzinfo=UTC)


def test_the_record_names_the_subject_by_id_and_one_record_per_subject() -> None:
    subject = uuid4()
    culling = Culling.record(
        subject_id=subject,
        subject_kind="customer",
        reason=CullingReason.RETENTION,
        legal_basis=DEFAULT_LEGAL_BASIS,
        actor="arkivarie",
        at=AT,
    )
    assert culling.id == Culling.id_for(subject) != subject
    assert (culling.subject_id, culling.subject_kind, culling.reason) == (
        subject,
        SubjectKind.CUSTOMER,
        CullingReason.RETENTION,
    )
    assert (culling.actor, culling.culled_at, culling.legal_basis) == (
        "arkivarie",
        AT,
        DEFAULT_LEGAL_BASIS,
    )
    (recorded,) = culling.collect_events()
    assert isinstance(recorded, Culling.Recorded)
    fields = set(vars(recorded)) - {"originator_id", "originator_version", "timestamp"}
    assert fields == {
        "subject_id",
        "subject_kind",
        "reason",
        "legal_basis",
        "fetched_up_to",
        "actor",
        "originator_topic",
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject_kind", "relative"),
        ("reason", "because"),
        ("legal_basis", ""),
        ("legal_basis", "x" * 301),
        ("actor", " "),
        ("subject_id", "not an id"),
    ],
)
def test_a_bad_field_is_invalid_input(field: str, value: object) -> None:
    fields: dict[str, object] = {
        "subject_id": uuid4(),
        "subject_kind": "staff",
        "reason": "on_demand",
        "legal_basis": "GDPR art. 17",
        "actor": "admin",
        "at": AT,
    }
    with pytest.raises(InvalidInputError):
        Culling.record(**(fields | {field: value}))


def test_D11_a_culling_is_not_dated_before_the_subjects_last_change() -> None:
    def record(last_change: datetime) -> Culling:
        return Culling.record(
            subject_id=uuid4(),
            subject_kind="staff",
            reason="on_demand",
            legal_basis=DEFAULT_LEGAL_BASIS,
            actor="arkivarie",
            at=AT,
            last_change=last_change,
        )

    with pytest.raises(TimeWentBackwardsError, match="staff"):
        record(AT + timedelta(microseconds=1))
    assert record(AT).culled_at == AT
