"""`poll`: the reference poller's loop, and its wait for a server that is starting."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from homecare.poller.options import (
    INVALID_INPUT,
    REMEMBER,
    Backoff,
    Item,
    PollError,
    PollStats,
    check_numbers,
    checked_url,
)
from homecare.poller.session import RetriesExhaustedError, Session
from homecare.poller.state import Recorder, State
from homecare.poller.stopping import Stopping, stopped_by_signals

__all__ = ["DEFAULT_STATE_FILE", "poll"]

logger = logging.getLogger("homecare.poller")

DEFAULT_STATE_FILE = Path("homecare-poll-state.json")


def poll(
    url: str,
    token: str,
    *,
    every: float = 300.0,
    limit: int = 20,
    state_file: Path = DEFAULT_STATE_FILE,
    once: bool = False,
    received: Path | None = None,
    handle: Callable[[list[Item]], None] | None = None,
    backoff: Backoff = Backoff(),  # noqa: B008 - a frozen dataclass
    timeout: float = 30.0,
    stop: threading.Event | None = None,
    transport: httpx.BaseTransport | None = None,
    wait_ready: float = 0.0,
    remember: int = REMEMBER,
) -> PollStats:
    """Drain the buffer at `url` until stopped (SIGINT, SIGTERM or `stop`), or once.

    `received` gets a line `MESSAGE_ID POSITION` per item, flushed and synced
    per batch. With `once` it drains until an empty batch (so its last receipt
    is sent) and returns; otherwise it drains until a short batch, then waits
    `every` seconds. With `wait_ready` > 0 it first waits up to that many seconds
    for the server's `GET /health` to answer 200 (a server just started), quietly;
    PollError if it never does.
    The last `remember` message ids received are kept with the
    cursor; an item with one of them is skipped (neither recorded nor handed on).
    """
    if not 1 <= limit <= 500:
        raise PollError(f"limit must be from 1 to 500, got {limit}.", code=INVALID_INPUT)
    if remember < 0:
        raise PollError(f"remember must be 0 or more, got {remember}.", code=INVALID_INPUT)
    check_numbers(every=every, timeout=timeout, backoff=backoff, wait_ready=wait_ready)
    base = checked_url(url)
    state = State.load(Path(state_file), base, remember)
    stopping = Stopping(stop or threading.Event())
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "homecare-poller"}
    client = httpx.Client(
        base_url=base + "/", headers=headers, timeout=timeout, transport=transport
    )
    with stopped_by_signals(stopping), client, Recorder(received) as recorder:
        if wait_ready > 0:
            _wait_until_ready(client, wait_ready, stopping)
        session = Session(client, state, recorder, handle, limit, backoff, stopping)
        while not stopping.is_set():
            try:
                session.drain(until_empty=once)
            except RetriesExhaustedError as gave_up:
                if once:
                    raise PollError(
                        f"Gave up after {backoff.attempts} retries ({gave_up}); "
                        f"cursor {state.cursor or 'none'} is saved."
                    ) from None
                logger.error("gave up this round (%s); cursor %s kept", gave_up, state.cursor)
            if once:
                break
            logger.info("%s; next poll in %gs", session.stats.summary(), every)
            stopping.wait(every)
    if stopping.is_set():
        logger.info("stopped; cursor %s is saved in %s", state.cursor or "none", state.path)
    return session.stats


READY_POLL_INTERVAL = 0.2


def _wait_until_ready(client: httpx.Client, seconds: float, stopping: Stopping) -> None:
    """Until `GET /health` answers 200, at most `seconds`: a server that is still starting
    refuses connections or answers 503, and neither is worth a warning."""
    deadline = time.monotonic() + seconds
    last = ""
    while not stopping.is_set():
        try:
            response = client.get("health")
            if response.status_code == 200:
                return
            answer = f"HTTP {response.status_code}"
        except httpx.TransportError as error:
            answer = type(error).__name__
        if not last:
            logger.info("server not ready yet (%s); waiting up to %gs", answer, seconds)
        last = answer
        if time.monotonic() >= deadline:
            raise PollError(
                f"The server at {client.base_url} was not ready after {seconds:g}s "
                f"({last} from /health)."
            )
        stopping.wait(READY_POLL_INTERVAL)
