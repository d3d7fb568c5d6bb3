"""R16: the marker a culled personal field shows, and a culled personnummer."""

from __future__ import annotations

import copy
import pickle

from homecare.domain.identity import PersonalIdentityNumber
from homecare.domain.privacy import CULLED, Culled, SubjectKind, is_culled, shown
from tests.domain.pnr import VALID


def test_the_marker_is_one_value_shown_as_culled_or_gallrad() -> None:
    assert Culled() is CULLED
    assert copy.deepcopy(CULLED) is CULLED
    assert pickle.loads(pickle.dumps(CULLED)) is CULLED
    assert (str(CULLED), CULLED.text, CULLED.swedish, repr(CULLED)) == (
        "culled",
        "culled",
        "gallrad",
        "CULLED",
    )
    assert not CULLED
    assert is_culled(CULLED)
    assert not is_culled("culled")
    assert not is_culled(None)
    assert shown("Anna") == "Anna"
    assert shown(CULLED) == "culled"
    assert shown(CULLED, language="sv") == "gallrad"
    assert [kind.value for kind in SubjectKind] == ["customer", "staff"]


def test_a_culled_personnummer_keeps_the_type_and_shows_the_marker_only() -> None:
    culled = PersonalIdentityNumber.culled()
    assert isinstance(culled, PersonalIdentityNumber)
    assert culled.is_culled
    assert not PersonalIdentityNumber(VALID).is_culled
    assert culled.value == culled.masked() == str(culled) == "culled"
    assert repr(culled) == "PersonalIdentityNumber('culled')"
    assert culled == PersonalIdentityNumber.culled()
    assert (culled.birth_year, culled.birth_month, culled.birth_day, culled.birth_date) == (
        0,
        None,
        None,
        None,
    )
    assert not culled.is_coordination_number


def test_a_number_read_back_from_a_sealed_field() -> None:
    assert PersonalIdentityNumber.opened(CULLED) == PersonalIdentityNumber.culled()
    assert PersonalIdentityNumber.opened(VALID) == PersonalIdentityNumber(VALID)
