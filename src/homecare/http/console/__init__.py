"""The operator's console: the seed's screens as server-rendered pages under `/console`.

Read-only (R4 the buffer's month, R5 problems, R9/R12 pauses, R2 a visit's
integration status, D6 a customer's history), Swedish by default with English
on request, signed in with a read token. Mounted by `create_app` with the API;
see docs/console.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter

from homecare.bootstrap import Homecare
from homecare.http.console.access import access_log_recorder
from homecare.http.console.pages import PersonalDataHook, PersonalDataView, Renderer, each
from homecare.http.console.routes import console_router
from homecare.http.tokens import TokenRing

__all__ = ["PersonalDataHook", "PersonalDataView", "build_console"]


def build_console(
    homecare: Homecare,
    ring: TokenRing,
    *,
    on_personal_data: PersonalDataHook | None = None,
    clock: Callable[[], datetime] | None = None,
) -> APIRouter:
    """The console's router. `on_personal_data` is called for each subject whose personal
    data a page shows, masked or not (R17; default: an entry in the store's access log and
    one log line of ids, `homecare.http.console.access`); `clock` gives "now" for the
    current month and the pauses' time state (default: the system clock)."""
    renderer = Renderer(
        homecare,
        ring,
        access_log_recorder(homecare.access)
        if on_personal_data is None
        else each(on_personal_data),
        clock or (lambda: datetime.now(UTC)),
    )
    return console_router(homecare, renderer)
