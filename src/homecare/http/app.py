"""Assembling the ASGI app: for a host to mount, or for `homecare serve` to run alone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from fastapi import Depends, FastAPI

from homecare.bootstrap import Homecare, connect
from homecare.http.buffer import buffer_router
from homecare.http.console import PersonalDataHook, build_console
from homecare.http.errors import install_error_handlers
from homecare.http.health import health_router
from homecare.http.ops import ops_router
from homecare.http.requests import HeadAsGet, head_gate, single_valued_query
from homecare.http.tokens import ApiToken, TokenRing, parse_tokens
from homecare.settings import Settings

__all__ = ["create_app", "create_app_from_environment"]

DESCRIPTION = """\
The provider's integration buffer over HTTP, for the City of Stockholm's poller
(R3): `GET /buffer/items?after=CURSOR&limit=20` until a short batch. Every route
but `/health` needs `Authorization: Bearer <token>`; see docs/integration.md.
"""


def create_app(
    homecare: Homecare,
    tokens: Sequence[ApiToken],
    *,
    catch_up_on_fetch: bool = False,
    console: bool = True,
    on_personal_data: PersonalDataHook | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """The API over a connected store; the caller owns `homecare` (and closes it).

    `catch_up_on_fetch` projects new events before every fetch, for a store
    nobody else keeps caught up; usually a follower (`Homecare.follow`) does.
    `console` adds the operator's read-only pages under /console (docs/console.md);
    `on_personal_data` is told of each subject whose personal data a console page
    shows, masked or not (R17; default: the store's access log); `clock` is the
    console's "now" (default: the system clock).
    """
    ring = TokenRing(tokens)
    app = FastAPI(
        title="homecare integration buffer",
        version=_version(),
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(head_gate)],  # first on every route: HEAD only where safe
    )
    install_error_handlers(app)
    app.add_middleware(HeadAsGet)
    # The API refuses a repeated parameter as JSON; the console does so as a page
    # (after the sign-in check), so this is per API router, not app-wide.
    once = [Depends(single_valued_query)]
    app.include_router(health_router(homecare), dependencies=once)
    app.include_router(
        ops_router(homecare, worker_expected=not catch_up_on_fetch), dependencies=once
    )
    app.include_router(
        buffer_router(homecare, ring, catch_up_on_fetch=catch_up_on_fetch), dependencies=once
    )
    if console:
        app.include_router(
            build_console(homecare, ring, on_personal_data=on_personal_data, clock=clock)
        )
    return app


def create_app_from_environment(
    database_url: str | None = None, *, catch_up_on_fetch: bool = False
) -> FastAPI:
    """The app `homecare serve` runs: tokens from HOMECARE_API_TOKENS (or its _FILE), the
    store from `database_url` or HOMECARE_DATABASE_URL, both read by `Settings` (D9);
    the store is closed when the server stops.

    Raises InvalidInputError (before opening the store) when no token is configured.
    """
    settings = Settings.load(database_url=database_url)
    tokens = parse_tokens(settings.api_tokens.get_secret_value() if settings.api_tokens else "")
    homecare = connect(settings=settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            homecare.close()

    app = create_app(homecare, tokens, catch_up_on_fetch=catch_up_on_fetch)
    app.router.lifespan_context = lifespan
    return app


def _version() -> str:
    try:
        return version("homecare")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"
