"""R16, R17: which subject an id names (`homecare.privacy.resolve_subject`), and the
facade's culling and export that resolve through it, on both stores (issue 15).

A customer's or staff member's id of the kind asked for is a subject, culled or
not; a malformed id or kind is `invalid_input`; an unknown id, another kind's,
or another aggregate's is `not_found`, and then nothing is culled or recorded.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from homecare.bootstrap import Homecare
from homecare.domain.privacy import SubjectKind
from homecare.errors import InvalidInputError, NotFoundError
from homecare.privacy import Subject, export, resolve_subject
from tests.scenario import T0, Scenario


class World:
    def __init__(self, hc: Homecare) -> None:
        self.hc = hc
        self.s = Scenario(hc.app)
        self.customer = self.s.customer().id
        self.staff = self.s.staff()
        self.pause = self.s.pause("customer", self.customer, T0 + timedelta(days=3))

    def cull(self, subject: object, kind: str) -> object:
        return self.hc.cull(subject, kind=kind, actor="arkivarie", at=self.s.tick())

    def culled(self) -> list[UUID]:
        return [c.subject_id for c in self.hc.subject_keys.culled()]


@pytest.fixture
def world(hc: Homecare) -> World:
    return World(hc)


def test_R16_a_subject_is_found_with_its_kind_culled_or_not(world: World) -> None:
    log = world.hc.log
    assert resolve_subject(log, world.customer, "customer") == Subject(
        world.customer, SubjectKind.CUSTOMER, None
    )
    assert resolve_subject(log, world.staff, None).kind is SubjectKind.STAFF
    world.cull(world.customer, "customer")
    found = resolve_subject(log, world.customer, SubjectKind.CUSTOMER)
    assert found.culled_at is not None
    assert found.culled_at == world.hc.app.culling_of(world.customer).culled_at  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("who", "kind", "named"),
    [
        ("customer", "staff", "No staff with id"),
        ("staff", "customer", "No customer with id"),
        ("pause", None, "No customer or staff with id"),
        ("unknown", "customer", "No customer with id"),
    ],
)
def test_R16_an_id_of_no_such_subject_is_not_found(
    world: World, who: str, kind: str | None, named: str
) -> None:
    subject = uuid4() if who == "unknown" else getattr(world, who)
    with pytest.raises(NotFoundError, match=named) as raised:
        resolve_subject(world.hc.log, subject, kind)
    assert raised.value.code == "not_found"


@pytest.mark.parametrize(("subject", "kind"), [("x", "customer"), (None, None), (1, "staff")])
def test_R16_a_malformed_id_or_kind_is_invalid(world: World, subject: object, kind: object) -> None:
    with pytest.raises(InvalidInputError):
        resolve_subject(world.hc.log, subject, kind)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="subject kind"):
        resolve_subject(world.hc.log, world.customer, "robot")


def test_R16_a_culled_customer_culled_as_staff_is_not_found(world: World) -> None:
    world.cull(world.customer, "customer")
    with pytest.raises(NotFoundError, match="No staff"):
        world.cull(world.customer, "staff")
    assert world.culled() == [world.customer]


@pytest.mark.parametrize(("who", "kind"), [("customer", "staff"), ("staff", "customer")])
def test_R16_a_subject_culled_as_the_other_kind_is_not_culled(
    world: World, who: str, kind: str
) -> None:
    with pytest.raises(NotFoundError):
        world.cull(getattr(world, who), kind)
    assert world.culled() == []
    assert world.hc.app.culling_of(getattr(world, who)) is None


@pytest.mark.parametrize(
    ("subject", "error"),
    [("staff", NotFoundError), ("pause", NotFoundError), ("unknown", NotFoundError),
     ("text", InvalidInputError)],
)  # fmt: skip
def test_R17_export_of_no_customer_is_refused_and_not_recorded(
    world: World, subject: str, error: type[Exception]
) -> None:
    given = {"unknown": uuid4(), "text": str(world.customer)}.get(subject) or getattr(
        world, subject
    )
    with pytest.raises(error):
        export(world.hc, given, reader="eva")  # type: ignore[arg-type]
    assert world.hc.access.entries() == []


def test_R17_export_of_a_culled_customer_answers(world: World) -> None:
    world.cull(world.customer, "customer")
    found = export(world.hc, world.customer, reader="eva")
    assert found["subject"] == {"id": str(world.customer), "kind": "customer"}
    assert [e.subject_id for e in world.hc.access.entries()] == [world.customer]
