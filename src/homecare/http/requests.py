"""Rules every request meets before a route sees it: HEAD like GET, one value per parameter.

- `HEAD` answers exactly like `GET` without a body (RFC 9110 9.3.2): FastAPI
  routes declared with `@get` refuse HEAD with 405, so a load balancer's HEAD
  probe of `/health` failed. The middleware runs the GET route and drops the
  body, keeping status and headers (Content-Length included).
- A query parameter given twice (`?after=1&after=4`) is a 422 like an unknown
  one: silently taking the last value would move a cursor the caller did not
  mean (D3).
"""

from __future__ import annotations

from collections import Counter

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadAsGet", "no_query", "single_valued_query"]


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
    """Serve HEAD through the GET route and send its status and headers without the body."""

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

        await self.app({**scope, "method": "GET"}, receive, headers_only)
