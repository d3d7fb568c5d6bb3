"""Rules every request meets before a route sees it: HEAD only where safe, one value per parameter.

- `HEAD` answers like `GET` without a body (RFC 9110 9.3.2) only on a route whose
  GET has no effects, marked `@answers_head` (`/health`, `/metrics`, ...): the
  middleware runs its GET and drops the body, keeping status and headers
  (Content-Length included), so a load balancer's `HEAD /health` works. Every
  other GET route acknowledges, marks, records or logs a read (the city's fetch
  moves the delivered and served marks, D3, R16; the operator's views and the
  console's pages write access-log entries, R17): run for a HEAD, those effects
  would happen with nothing shown, so HEAD there is 405 with `Allow: GET` and
  nothing runs. Safe by default: a new route answers HEAD only when marked.
- A query parameter given twice (`?after=1&after=4`) is a 422 like an unknown
  one: silently taking the last value would move a cursor the caller did not
  mean (D3).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadAsGet", "answers_head", "head_gate", "no_query", "single_valued_query"]

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "__homecare_answers_head__"
_HEAD = "homecare.head"  # in the scope of a HEAD that the middleware runs as a GET
NOT_FOR_HEAD = (
    "HEAD is not answered here: this route's GET records or acknowledges what it reads, "
    "which a HEAD must not do; send GET."
)


def answers_head(endpoint: F) -> F:
    """Mark a GET route's handler as free of effects (it writes, marks and logs nothing),
    so a HEAD may run it; put it below the route's decorator."""
    setattr(endpoint, _MARK, True)
    return endpoint


async def head_gate(request: Request) -> None:
    """The app's first dependency: a HEAD (run as a GET by `HeadAsGet`) reaches only a route
    marked `answers_head`; elsewhere it is 405 with `Allow: GET` before anything else runs
    (the token's check, the route's parameters, the handler)."""
    if request.scope.get(_HEAD) and not getattr(request.scope.get("endpoint"), _MARK, False):
        raise HTTPException(405, NOT_FOR_HEAD, headers={"Allow": "GET"})


async def no_query(request: Request) -> None:
    """A route that takes no query parameters says so rather than ignore them.

    `async` (here and in `single_valued_query`): a check this cheap runs on the event
    loop; a plain `def` dependency would cost a hop to the thread pool per request."""
    if request.query_params:
        raise RequestValidationError(
            [
                {"type": "extra_forbidden", "loc": ("query", name), "msg": "Unknown parameter."}
                for name in dict.fromkeys(request.query_params)
            ]
        )


async def single_valued_query(request: Request) -> None:
    """Every query parameter at most once; a repeated one is refused, never half-used."""
    # counted in one pass: it runs on the event loop before the token is checked
    counts = Counter(name for name, _ in request.query_params.multi_items())
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise RequestValidationError(
            [
                {
                    "type": "repeated_parameter",
                    "loc": ("query", name),
                    "msg": "Given more than once; send each parameter once.",
                }
                for name in repeated
            ]
        )


class HeadAsGet:
    """Serve HEAD through the GET route (which `head_gate` lets through only where marked) and
    send its status and headers without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app({**scope, "method": "GET", _HEAD: True}, receive, headers_only)
