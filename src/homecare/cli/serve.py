"""`homecare serve` and `homecare poll` (STUB: being written with homecare.http)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the HTTP commands to the CLI."""
