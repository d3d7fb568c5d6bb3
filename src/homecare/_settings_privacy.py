"""The privacy settings (R16): the retention policy and the legal basis of culling.

A base of `homecare.settings.Settings` (its fields, validation and sources are
Settings'); kept apart so that the retention rule's settings sit together.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from homecare.domain.culling import LEGAL_BASIS_MAX
from homecare.domain.fields import require_text
from homecare.domain.retention import DEFAULT_LEGAL_BASIS, RetentionPolicy
from homecare.numbers import WholeNumber

__all__ = ["PrivacySettings"]


class PrivacySettings(BaseSettings):
    """R16's retention policy: off unless `retention_years` is set."""

    retention_years: WholeNumber | None = Field(
        None,
        ge=1,
        le=100,
        description="R16: years after a subject's last entry before their personal data is "
        "culled (none: culling by policy is off; `homecare privacy cull --customer` still works).",
    )
    retention_keep_birth_days: str = Field(
        "",
        description="R16: days of the month (1-31, comma-separated, e.g. 5,15,25): subjects born "
        "on them are kept for research, never culled by the policy.",
    )
    culling_legal_basis: str = Field(
        DEFAULT_LEGAL_BASIS,
        description="R16: the legal basis a culling records (1-300 characters, no control "
        "characters; surrounding white space dropped).",
    )

    @field_validator("culling_legal_basis")
    @classmethod
    def _legal_basis(cls, value: str) -> str:
        """As the culling will record it (`Culling`'s own check), so that it fails at start-up,
        naming the setting, and not at the first `privacy cull`."""
        return require_text(value, "the legal basis", LEGAL_BASIS_MAX)

    @field_validator("retention_keep_birth_days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> str:
        """`5,15,25` or a sequence of whole numbers -> canonical `5,15,25` (sorted, once)."""
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
        elif isinstance(value, list | tuple | set | frozenset):
            parts = [str(part) for part in value]
        else:
            raise ValueError("expected days of the month such as 5,15,25")
        if not all(part.isascii() and part.isdigit() and 1 <= int(part) <= 31 for part in parts):
            raise ValueError("expected days of the month (1-31) such as 5,15,25")
        return ",".join(str(day) for day in sorted({int(part) for part in parts}))

    def retention_policy(self) -> RetentionPolicy:
        """The policy `homecare.domain.retention.due` applies."""
        days = self.retention_keep_birth_days
        return RetentionPolicy(
            years=self.retention_years,
            keep_birth_days=frozenset(int(day) for day in days.split(",") if day),
            legal_basis=self.culling_legal_basis,
        )
