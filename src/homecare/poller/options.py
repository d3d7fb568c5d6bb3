"""The poller's options and results: its error, the retry backoff, the statistics it
returns, the checks of its numbers and URL, and the shape of a cursor (D10)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = [
    "HISTORY_CHANGED",
    "INVALID_INPUT",
    "REMEMBER",
    "RETRYABLE",
    "Backoff",
    "Item",
    "PollError",
    "PollStats",
    "check_numbers",
    "checked_url",
    "is_cursor",
    "position",
]

RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
HISTORY_CHANGED = "cursor_from_another_history"
REMEMBER = 2000
Item = dict[str, Any]
"""One item of the buffer as the server sends it (JSON); `message_id` and `position` checked."""
_CURSOR = re.compile(r"[0-9]{1,18}(\.[0-9a-f]{16})?")
MAX_SECONDS = 7 * 24 * 3600.0  # a week: beyond it a wait or timeout is a typo


class PollError(Exception):
    """A failure retrying cannot fix: a rejected token or cursor, an unreadable state file.

    `code` is `invalid_input` for a bad option (URL, seconds, limit), refused before
    any request, and `poll_failed` for the rest."""

    def __init__(self, message: str, *, code: str = "poll_failed") -> None:
        super().__init__(message)
        self.code = code


INVALID_INPUT = "invalid_input"


def checked_url(url: str) -> str:
    """`url` without its trailing slash; PollError (`invalid_input`) unless it is an
    http(s) URL with a host, and nothing else the requests would misuse.

    A malformed URL is bad input, refused at once rather than retried as if the
    server were down. Refused too, because each request would be silently other
    than meant: user info (`user:password@`, which httpx sends as Basic auth in
    place of the bearer token, and the state file would keep in clear), a query or
    a fragment (`?x=1`: every request's path would be glued after it, a bare 404).
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is not None and parsed.userinfo:  # not echoed: it may hold a password
        raise PollError(
            "--url must not carry a user name or password (user:password@host): "
            "the bearer token goes in --token (or HOMECARE_POLL_TOKEN).",
            code=INVALID_INPUT,
        )
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise PollError(
            f"--url {url[:200]!r} is not an http:// or https:// URL with a host.",
            code=INVALID_INPUT,
        )
    if "?" in url or "#" in url:
        raise PollError(
            f"--url {url[:200]!r} has a query or a fragment: give the server's base URL "
            "(e.g. https://host/homecare); the poller adds /buffer/items?after=...",
            code=INVALID_INPUT,
        )
    return url.rstrip("/")


@dataclass(frozen=True)
class Backoff:
    """Waits before retrying one request: `initial` seconds, doubled each time, at most
    `maximum`. After `attempts` retries `poll(once=True)` fails; a running poller waits
    for its next round instead. The cursor is untouched either way."""

    initial: float = 1.0
    maximum: float = 60.0
    attempts: int = 8

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1, 2, ...)."""
        return float(min(self.maximum, self.initial * 2 ** (attempt - 1)))


@dataclass(slots=True)
class PollStats:
    """What `poll` did, returned when it stops: `items` received in `batches` (both
    without the skipped `duplicates`, message ids already received), `requests` sent
    and `retries` among them, `resumed` after a changed history (D10), and the last
    `cursor` saved (None before the first)."""

    items: int = 0
    batches: int = 0
    requests: int = 0
    retries: int = 0
    cursor: str | None = None
    duplicates: int = 0
    resumed: int = 0

    def summary(self) -> str:
        """One line for the log: `received N items in B batches (...); cursor C`."""
        extra = ""
        if self.duplicates or self.resumed:
            extra = (
                f"; {self.duplicates} already received skipped, "
                f"{self.resumed} resumes after a changed history"
            )
        return (
            f"received {self.items} items in {self.batches} batches "
            f"({self.requests} requests, {self.retries} retries{extra}); "
            f"cursor {self.cursor or 'none'}"
        )


def check_numbers(
    *, every: float, timeout: float, backoff: Backoff, wait_ready: float = 0.0
) -> None:
    """Seconds must be finite and in range: `inf` or `nan` would crash the socket or the
    wait deep inside, and a negative wait means nothing."""
    for name, value, low in (
        ("every", every, 0.0),
        ("wait_ready", wait_ready, 0.0),
        ("timeout", timeout, 0.001),
        ("backoff", backoff.initial, 0.0),
        ("backoff maximum", backoff.maximum, 0.0),
    ):
        if not (isinstance(value, int | float) and low <= value <= MAX_SECONDS):
            raise PollError(
                f"{name} must be {low:g} to {MAX_SECONDS:g} seconds, got {value!r}.",
                code=INVALID_INPUT,
            )
    if not 0 <= backoff.attempts <= 10_000:
        raise PollError(f"retries must be 0 to 10000, got {backoff.attempts}.", code=INVALID_INPUT)


def is_cursor(value: object) -> bool:
    """True for `POSITION` or `POSITION.TAG` (16 hex digits), the server's cursors (D10)."""
    return isinstance(value, str) and _CURSOR.fullmatch(value) is not None


def position(cursor: str | None) -> int:
    """The position a cursor acknowledges; 0 for none."""
    return int(cursor.split(".")[0]) if cursor else 0
