"""The buffer's routes: the city's cursor fetch (R3, D3) and the operator's views (R4, R5).

Handlers are plain `def`: FastAPI runs them in its thread pool, so one slow
database call holds one worker thread, not the event loop, and other
requests go on. Concurrent fetches are safe because the library's are: the
same cursor gives the same items, and the delivered mark only moves forward.

No `from __future__ import annotations` in the route modules: FastAPI reads
the handlers' annotations at run time, and the dependencies they name are
local to the router's factory.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from homecare.bootstrap import Homecare
from homecare.domain.month import Month, months_pattern
from homecare.domain.payment_run import FIRST_PAID_MONTH, LAST_PAID_MONTH
from homecare.errors import (
    CursorHistoryError,
    InvalidCursorError,
    InvalidInputError,
    InvalidLimitError,
)
from homecare.http.current import LAG_HEADER, KeyCheck, current_view
from homecare.http.errors import BadRequestError, ErrorBody, HistoryChangedBody, invalid
from homecare.http.requests import answers_head, no_query
from homecare.http.tokens import ApiToken, TokenRing
from homecare.http.turns import Turns
from homecare.numbers import WholeNumber
from homecare.outbox import cursor
from homecare.outbox.deadline import DeadlineReport
from homecare.outbox.messages import FetchResult
from homecare.outbox.month_report import MonthReport
from homecare.outbox.store import MAX_LIMIT, ItemView, ProblemGroup
from homecare.privacy import Channel, reads, subjects_in
from homecare.privacy.fetched import fetch_logged

__all__ = ["DeadlineQuery", "FetchQuery", "buffer_router"]

logger = logging.getLogger("homecare.http")

Route = Callable[..., Any]
T = TypeVar("T")

CURSOR = cursor.PATTERN
MONTH = r"^(19[0-9]{2}|[2-9][0-9]{3})-(0[1-9]|1[0-2])$"  # 1900-01 to 9999-12
# The months paid with a run we can tell (R14: its year's holidays are known).
PAID_MONTH = months_pattern(FIRST_PAID_MONTH, LAST_PAID_MONTH)
_RUNS = (
    f"{FIRST_PAID_MONTH} to {LAST_PAID_MONTH}, whose runs fall in the years whose Swedish "
    "public holidays are known (R14)"
)
_COMMON: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "More than one Authorization header."},
    401: {"model": ErrorBody, "description": "No bearer token, or one nobody configured."},
    503: {
        "model": ErrorBody,
        "description": "The store is unavailable (try again later), or the cipher key "
        "cannot open it (`wrong_cipher_key`).",
    },
}
_LAGGING: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            LAG_HEADER: {
                "description": "Events not yet projected when the view was read (0: current).",
                "schema": {"type": "integer"},
            }
        }
    }
}
_VIEWS = {
    "month": "R4: the items of a month not yet delivered (queued or held); read-only",
    "problems": "R5: held items grouped by reason, each with its fix; read-only",
    "deadline": "R14: the month's payment run, time left, and what is not delivered; read-only",
    "month_report": "R14: per organisation, what of the month reached the city before its run",
}
"""The summaries of the operator's read-only views (OpenAPI), by operation id."""
_DRAIN: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "The token may read but not drain."},
    409: {
        "model": HistoryChangedBody,
        "description": "D10: the cursor belongs to another history of the buffer (a restored "
        "backup): resume after `resume_after`, skipping message_ids already received.",
    },
}


class FetchQuery(BaseModel):
    """The fetch's parameters; an unknown one (`?afer=`, `?cursor=`) is an error, not ignored:
    ignoring it would silently restart from the beginning."""

    model_config = ConfigDict(extra="forbid")

    after: str | None = Field(
        None, pattern=CURSOR, description="The `cursor` of your last fetch; none to start."
    )
    limit: WholeNumber = Field(20, ge=1, le=MAX_LIMIT, description="Items at most.")


class DeadlineQuery(BaseModel):
    """The deadline's one parameter; an unknown one is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")

    month: str | None = Field(
        None,
        pattern=PAID_MONTH,
        description=f"YYYY-MM, the month paid: {_RUNS}; none: the month due next.",
    )


def buffer_router(homecare: Homecare, ring: TokenRing, *, catch_up_on_fetch: bool) -> APIRouter:
    bearer = HTTPBearer(
        auto_error=False, scheme_name="bearer", description="A token from HOMECARE_API_TOKENS."
    )
    turns = Turns(width=2, timeout=homecare.settings.lock_timeout)  # the city's fetches

    # The checks before a route are `async`: cheap, on the event loop. A plain `def`
    # dependency runs in the thread pool, one hop each (a fetch made five), and under
    # 8 concurrent pollers every hop waits for a thread and the GIL (issue 16).
    async def caller(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> ApiToken:
        if len(request.headers.getlist("authorization")) > 1:  # `bearer` read the first only
            raise BadRequestError(
                "repeated_header", "Send one Authorization header; this request had several."
            )
        token = ring.identify(credentials.credentials if credentials else None)
        if token is None:
            logger.info(
                "rejected a request with %s token", "no" if not credentials else "an unknown"
            )
            raise HTTPException(
                401, "A valid bearer token is required.", headers={"WWW-Authenticate": "Bearer"}
            )
        return token

    # A route gets its token from `reader` or `drainer` (never from `caller` alone): each
    # decides what the token may do first (401, 403), then checks the key before the
    # route reads anything: a wrong key is 503 wrong_cipher_key, never an empty answer
    # (D8), and never the answer to a token that may not call the route at all.
    readable = KeyCheck(homecare)

    async def reader(token: Annotated[ApiToken, Depends(caller)]) -> ApiToken:
        await readable()
        return token

    async def drainer(token: Annotated[ApiToken, Depends(caller)]) -> ApiToken:
        if not token.can_drain:
            raise HTTPException(403, f"Token {token.name!r} may read the buffer but not drain it.")
        await readable()
        return token

    async def not_stored(response: Response) -> None:
        _no_store(response)

    router = APIRouter(prefix="/buffer", tags=["buffer"], dependencies=[Depends(not_stored)])
    current = current_view(homecare)

    def shown(token: ApiToken, what: str, rows: T) -> T:
        """R17: the token's read of the subjects `rows` name (one entry each), recorded
        before they are returned; StorageError (503) when that cannot be written."""
        homecare.access.record_reads(
            reads(
                subjects_in(rows),
                reader=token.name,
                what=what,
                purpose=f"operator view: {what.replace('_', ' ')}",
                channel=Channel.HTTP,
            )
        )
        return rows

    def view(path: str, model: Any) -> Callable[[Route], Route]:
        """A read-only view of the operator's (R4, R5, R14): any valid token, common errors;
        named after its path's first part (`/month-report/{month}`: `month_report`).
        The token and the key first (`reader`, then cached for the handler), then the
        catch-up: no request that is refused projects anything."""
        name = path.strip("/").split("/")[0].replace("-", "_")
        return router.get(
            path,
            operation_id=name,
            response_model=model,
            responses=_COMMON | _LAGGING,
            summary=_VIEWS[name],
            dependencies=[Depends(reader), Depends(current)],
        )

    @router.get(
        "/items",
        operation_id="fetch_items",
        response_model=FetchResult,
        responses=_COMMON | _DRAIN,
        summary="Up to `limit` items after the cursor `after`; acknowledges everything up to it",
    )
    def items(
        token: Annotated[ApiToken, Depends(drainer)],
        query: Annotated[FetchQuery, Query()],
    ) -> Response:
        if catch_up_on_fetch:
            homecare.catch_up()
        # One write transaction: the acknowledgement, the served mark (R16), the fetch's
        # record and its R17 entries (every subject whose personnummer the items carry):
        # a failure fails the fetch, nothing acknowledged, and the city polls again from
        # the same cursor and gets the same items.
        try:
            with turns.turn():  # in arrival order, two at a time (homecare.http.turns)
                page = fetch_logged(
                    homecare.buffer,
                    homecare.access,
                    after=query.after,
                    limit=query.limit,
                    reader=token.name,
                    at=datetime.now(UTC),
                )
        except CursorHistoryError:
            raise  # 409 with where to resume (http.errors)
        except InvalidCursorError as error:
            raise invalid(("query", "after"), error) from None
        except InvalidLimitError as error:
            raise invalid(("query", "limit"), error) from None
        logger.info("%s fetched %d items after %s", token.name, page.count, query.after or "start")
        # The stored payloads as they are (FetchResult's JSON, byte for byte): returned
        # as a Response, so FastAPI neither validates nor serialises it again.
        response = Response(page.body, media_type="application/json")
        _no_store(response)
        return response

    @view("/month/{month}", list[ItemView])
    def month(
        token: Annotated[ApiToken, Depends(reader)],
        _query: Annotated[None, Depends(no_query)],
        month: Annotated[
            str,
            Path(pattern=MONTH, description="YYYY-MM, 1900-01 to 9999-12", examples=["2026-03"]),
        ],
    ) -> list[ItemView]:
        try:
            asked = Month.parse(month)
            items = homecare.buffer.month(asked.year, asked.month)
        except InvalidInputError as error:
            raise invalid(("path", "month"), error) from None
        return shown(token, "buffer_month", items)

    @view("/problems", list[ProblemGroup])
    def problems(
        token: Annotated[ApiToken, Depends(reader)], _query: Annotated[None, Depends(no_query)]
    ) -> list[ProblemGroup]:
        return shown(token, "buffer_problems", homecare.buffer.problems())

    @view("/deadline", DeadlineReport)
    def deadline(
        token: Annotated[ApiToken, Depends(reader)],
        query: Annotated[DeadlineQuery, Query()],
    ) -> DeadlineReport:
        year, number = (None, None)
        if query.month is not None:
            year, number = (int(part) for part in query.month.split("-"))
        try:
            report = homecare.month_close.deadline(year, number)
        except InvalidInputError as error:
            raise invalid(("query", "month"), error) from None
        return shown(token, "buffer_deadline", report)

    @view("/month-report/{month}", MonthReport)
    @answers_head  # counts per organisation: no subject's data, nothing recorded
    def month_report(
        _token: Annotated[ApiToken, Depends(reader)],
        _query: Annotated[None, Depends(no_query)],
        month: Annotated[
            str,
            Path(
                pattern=PAID_MONTH,
                description=f"YYYY-MM, the month paid: {_RUNS}",
                examples=["2026-03"],
            ),
        ],
    ) -> MonthReport:
        year, number = (int(part) for part in month.split("-"))
        try:
            return homecare.month_close.report(year, number)
        except InvalidInputError as error:
            raise invalid(("path", "month"), error) from None

    return router


def _no_store(response: Response) -> None:
    """Personal data: never cached on the way (every buffer route's response)."""
    response.headers["Cache-Control"] = "no-store"
