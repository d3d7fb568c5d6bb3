"""R16: the retention policy's settings (off by default), explicit or from the environment."""

from __future__ import annotations

import pytest

from homecare.domain.retention import DEFAULT_LEGAL_BASIS, RetentionPolicy
from homecare.errors import InvalidInputError
from homecare.settings import Settings


def test_off_by_default() -> None:
    assert Settings().retention_policy() == RetentionPolicy(
        years=None, keep_birth_days=frozenset(), legal_basis=DEFAULT_LEGAL_BASIS
    )


def test_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMECARE_RETENTION_YEARS", "5")
    monkeypatch.setenv("HOMECARE_RETENTION_KEEP_BIRTH_DAYS", "25, 5,15")
    monkeypatch.setenv("HOMECARE_CULLING_LEGAL_BASIS", "Gallringsbeslut 2026:1")
    settings = Settings()
    assert settings.retention_keep_birth_days == "5,15,25"
    assert settings.retention_policy() == RetentionPolicy(
        years=5, keep_birth_days=frozenset({5, 15, 25}), legal_basis="Gallringsbeslut 2026:1"
    )


def test_explicit_days_may_be_a_sequence() -> None:
    assert Settings(retention_keep_birth_days=(15, 5)).retention_keep_birth_days == "5,15"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("retention_years", 0),
        ("retention_years", 101),
        ("retention_keep_birth_days", "0,5"),
        ("retention_keep_birth_days", "32"),
        ("retention_keep_birth_days", "fifth"),
        ("retention_keep_birth_days", 5),
        ("culling_legal_basis", ""),
    ],
)
def test_malformed_values_are_one_line_errors(name: str, value: object) -> None:
    with pytest.raises(InvalidInputError, match=f"Setting {name} "):
        Settings(**{name: value})
