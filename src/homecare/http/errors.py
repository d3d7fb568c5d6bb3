"""Every failure becomes a JSON answer with the right status, and nothing personal leaks.

    400 {"detail": str, "code": str} a malformed request: two Authorization headers
    401 {"detail": str}              no token, or one nobody configured
    403 {"detail": str}              a read-only token on a route that acknowledges
    409 {"detail", "code", "resume_after"}  a cursor of another history (D10): resume there
    422 {"detail": [{type, loc, msg}]}  bad input, the pydantic error shape, for both
                                     FastAPI's own validation and the library's
                                     InvalidInputError (e.g. an unknown cursor)
    503 {"detail": str, "code": str} the store is unreachable or failing, or the cipher
                                     key cannot open it (`wrong_cipher_key`)
    500 {"detail": str}              a bug; logged as type and frames only

Routes call the library, whose boundaries (`homecare._es.error_map`) raise only
HomecareErrors, so only those are handled here; anything else is a bug (500).

Why so careful: error messages of the libraries underneath quote their input
(SQL parameters, pydantic's `input_value`, a stored payload), and those may
hold a personnummer (D8). Bodies therefore never echo input, storage errors
are answered with a fixed text, and unexpected errors are logged as their
type and stack frames without the message.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homecare.errors import (
    CipherKeyError,
    ConcurrentUpdateError,
    CursorHistoryError,
    HomecareError,
    InvalidInputError,
    LeaseLostError,
    NotFoundError,
    ProjectionBusyError,
    ReentrantWriteError,
    RuleViolationError,
    StorageError,
)

__all__ = [
    "BadRequestError",
    "ErrorBody",
    "HistoryChangedBody",
    "install_error_handlers",
    "invalid",
    "status_for",
]

logger = logging.getLogger("homecare.http")

STORE_UNAVAILABLE = "The store is unavailable; try again later."
_FIXED_TEXT = {
    CipherKeyError.code: "The store cannot be read with the server's cipher key "
    "(HOMECARE_CIPHER_KEY is not the key the store was written with); retrying will not help.",
}
"""503s whose cause a caller should know: fixed texts too (no input echoed)."""
_STATUS: dict[type[HomecareError], int] = {
    InvalidInputError: 422,
    NotFoundError: 404,
    RuleViolationError: 409,
    ConcurrentUpdateError: 409,
    ReentrantWriteError: 409,  # a host's `then` writing beside its own fetch's transaction
    ProjectionBusyError: 503,
    LeaseLostError: 503,
    StorageError: 503,
}


class ErrorBody(BaseModel):
    detail: str
    code: str | None = None


class HistoryChangedBody(ErrorBody):
    """D10: the cursor was given in another history of the buffer (e.g. before a restore)."""

    resume_after: str | None = Field(
        description="Send this as `after` (none: start without a cursor) and skip the "
        "message_ids you already have."
    )


class BadRequestError(Exception):
    """400: a request no route can read as meant (two Authorization headers: which one?)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def status_for(error: HomecareError) -> int:
    """The HTTP status of a library error (500 only for one nobody mapped)."""
    return next((_STATUS[c] for c in type(error).__mro__ if c in _STATUS), 500)


def invalid(loc: Sequence[str], error: InvalidInputError) -> RequestValidationError:
    """The library's bad-input error in the shape of a pydantic validation error."""
    return RequestValidationError([{"type": error.code, "loc": tuple(loc), "msg": error.message}])


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_failed)  # type: ignore[arg-type]
    app.add_exception_handler(HomecareError, _library_error)  # type: ignore[arg-type]
    app.add_exception_handler(CursorHistoryError, _history_changed)  # type: ignore[arg-type]
    app.add_exception_handler(BadRequestError, _bad_request)  # type: ignore[arg-type]
    app.add_middleware(_ContainUnexpected)


def _validation_failed(_request: Request, error: RequestValidationError) -> JSONResponse:
    detail = [
        {"type": e.get("type", "invalid"), "loc": list(e.get("loc", ())), "msg": e.get("msg", "")}
        for e in error.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def _bad_request(_request: Request, error: BadRequestError) -> JSONResponse:
    return JSONResponse(ErrorBody(detail=error.detail, code=error.code).model_dump(), 400)


def _library_error(request: Request, error: HomecareError) -> JSONResponse:
    if isinstance(error, InvalidInputError):
        return _validation_failed(request, invalid((), error))
    status = status_for(error)
    if status == 503:
        return _storage_failed(request, error)
    return JSONResponse(ErrorBody(detail=error.message, code=error.code).model_dump(), status)


def _history_changed(request: Request, error: CursorHistoryError) -> JSONResponse:
    logger.warning("%s %s: %s", request.method, request.url.path, error.message)
    body = HistoryChangedBody(
        detail=error.message, code=error.code, resume_after=error.resume_after
    )
    return JSONResponse(body.model_dump(), 409)


def _storage_failed(request: Request, error: HomecareError) -> JSONResponse:
    # operator-facing text, without personal data (D8)
    logger.error("%s %s: %s: %s", request.method, request.url.path, error.code, error.message)
    detail = _FIXED_TEXT.get(error.code, STORE_UNAVAILABLE)
    return JSONResponse(ErrorBody(detail=detail, code=error.code).model_dump(), 503)


def _kind(error: BaseException) -> str:
    return f"{type(error).__module__}.{type(error).__qualname__}"


class _ContainUnexpected:
    """A bug answers 500 and is logged by type and frames, never by its message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            frames = "".join(traceback.format_tb(error.__traceback__))
            logger.error(
                "%s %s: unexpected %s\n%s",
                scope.get("method"),
                scope.get("path"),
                _kind(error),
                frames,
            )
            if not started:
                body: Any = {"detail": "Internal error; the operator's log has the details."}
                await JSONResponse(body, status_code=500)(scope, receive, send)
