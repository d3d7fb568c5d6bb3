"""One poller's session with the server: fetch a batch (retrying with backoff), record
and hand it over, save the cursor; resume after a changed history (D10)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from homecare.poller.options import (
    HISTORY_CHANGED,
    RETRYABLE,
    Backoff,
    Item,
    PollError,
    PollStats,
    is_cursor,
    position,
)
from homecare.poller.state import Recorder, State
from homecare.poller.stopping import Stopping

__all__ = ["RetriesExhaustedError", "Session"]

logger = logging.getLogger("homecare.poller")


class RetriesExhaustedError(Exception):
    """A request failed `backoff.attempts` times in a row; the cursor is kept."""


class _HistoryChangedError(Exception):
    def __init__(self, resume_after: str | None, detail: str) -> None:
        super().__init__(detail)
        self.resume_after = resume_after


@dataclass
class Session:
    """One poller's requests to one server, with the state file it advances."""

    client: httpx.Client
    state: State
    recorder: Recorder
    handle: Callable[[list[Item]], None] | None
    limit: int
    backoff: Backoff
    stopping: Stopping

    def __post_init__(self) -> None:
        self.stats = PollStats(cursor=self.state.cursor)

    def drain(self, *, until_empty: bool) -> None:
        """Fetch, record, hand over, save the cursor; until a short (or an empty) batch."""
        while not self.stopping.is_set():
            try:
                batch = self.fetch()
            except _HistoryChangedError as changed:
                self.resume(changed)
                continue
            if batch is None:
                return
            received, cursor = batch
            items = self.state.unseen(received)
            self.stats.duplicates += len(received) - len(items)
            if items:
                self.recorder.record(items)
                if self.handle is not None:
                    self.handle(items)
                self.stats.items += len(items)
                self.stats.batches += 1
            self.state.remember(items)
            self.advance(cursor, saved=bool(items))
            if (not received) if until_empty else len(received) < self.limit:
                return

    def resume(self, changed: _HistoryChangedError) -> None:
        """D10: the server's history is not the one our cursor was given in: go on from
        where it says, skipping what we already have (by message_id)."""
        resume = changed.resume_after
        if resume is not None and not is_cursor(resume):
            raise PollError("The server answered 409 with a resume_after that is not a cursor.")
        if resume is not None and position(resume) >= position(self.state.cursor):
            raise PollError(f"The server's resume point {resume} is not behind our cursor.")
        logger.warning(
            "%s; resuming after %s (skipping message ids already received)",
            changed,
            resume or "the start",
        )
        self.state.cursor = self.stats.cursor = resume
        self.state.save()
        self.stats.resumed += 1

    def advance(self, cursor: str | None, *, saved: bool = False) -> None:
        """Save the server's next cursor; one behind ours means the server lost data."""
        if cursor is None or cursor == self.state.cursor:
            if saved:
                self.state.save()
            return
        if self.state.cursor is not None and position(cursor) < position(self.state.cursor):
            raise PollError(
                f"The server answered cursor {cursor}, behind the saved {self.state.cursor}: "
                "was its store restored from a backup? The state file is kept."
            )
        self.state.cursor = self.stats.cursor = cursor
        self.state.save()

    def fetch(self) -> tuple[list[Item], str | None] | None:
        """One request, retried on network errors and 5xx; None if stopped while waiting."""
        params: dict[str, str | int] = {"limit": self.limit}
        if self.state.cursor:
            params["after"] = self.state.cursor
        attempt = 0
        while True:
            self.stats.requests += 1
            try:
                response = self.client.get("buffer/items", params=params)
            except httpx.TransportError as error:
                problem = type(error).__name__
            else:
                if response.status_code == 200:
                    return _batch(response)
                if response.status_code == 409:
                    _check_history_changed(response)
                if response.status_code not in RETRYABLE:
                    raise PollError(_rejected(response))
                problem = f"HTTP {response.status_code}"
            attempt += 1
            if attempt > self.backoff.attempts:
                raise RetriesExhaustedError(problem)
            delay = self.backoff.delay(attempt)
            self.stats.retries += 1
            logger.warning(
                "request failed (%s); retry %d of %d in %gs",
                problem,
                attempt,
                self.backoff.attempts,
                delay,
            )
            if self.stopping.wait(delay):
                return None


def _batch(response: httpx.Response) -> tuple[list[Item], str | None]:
    try:
        body = response.json()
        items, cursor = body["items"], body["cursor"]
        if not isinstance(items, list) or not (cursor is None or is_cursor(cursor)):
            raise TypeError
        if not all(isinstance(i["message_id"], str) and type(i["position"]) is int for i in items):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise PollError(
            "The server's answer is not a batch of the buffer (items, cursor)."
        ) from None
    return items, cursor


def _rejected(response: httpx.Response) -> str:
    if response.status_code == 401:
        return "The server rejected the token (401): check --token."
    if response.status_code == 403:
        return "The token may not drain the buffer (403): it needs ':drain' on the server."
    if response.status_code == 404:
        where = response.request.url.copy_with(query=None)
        return (
            f"Nothing answers at {where} (404): is --url the server's base URL, the part "
            "before /buffer/items?"
        )
    try:
        detail = response.json()["detail"]
    except (ValueError, KeyError, TypeError):
        detail = response.text[:200]
    if isinstance(detail, list):
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}"
            for e in detail
            if isinstance(e, dict)
        )
    return f"The server refused the request (HTTP {response.status_code}): {detail}"


def _check_history_changed(response: httpx.Response) -> None:
    """A 409 saying the cursor belongs to another history (D10) becomes a resume."""
    try:
        body = response.json()
        code, detail = body.get("code"), body.get("detail")
        resume = body.get("resume_after")
    except (ValueError, AttributeError):
        return
    if code == HISTORY_CHANGED:
        raise _HistoryChangedError(resume, f"The server's history changed: {detail}")
