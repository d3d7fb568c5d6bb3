"""A reference poller: what the City of Stockholm's system does, over HTTP only (R3, D3).

It keeps its cursor in a state file, fetches `limit` items at a time until a
short batch, waits `every` seconds and polls again. Each batch is recorded
(and handed to `handle`) before its cursor is saved, and only a saved cursor
is ever sent, which acknowledges: a crash at any point re-fetches at most the
batch in flight and never skips one (at-least-once; the city deduplicates by
`message_id`). The state file is replaced atomically (temp file, fsync,
rename), so it always holds the old or the new cursor, never half of one.

A cursor carries the history it was given in (D10). If the server's store
was restored from a backup or recreated, it answers 409
`cursor_from_another_history` with `resume_after`: the poller goes on from
there by itself (logging a warning) and skips items whose `message_id` it has
already received; the last `remember` message ids are kept in the state file
for that, beside the cursor.

Why it imports nothing of the library but HTTP: it is the other side of the
wire, and must work against any server that speaks the contract.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

__all__ = ["DEFAULT_STATE_FILE", "Backoff", "PollError", "PollStats", "poll"]

logger = logging.getLogger("homecare.poller")

DEFAULT_STATE_FILE = Path("homecare-poll-state.json")
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
HISTORY_CHANGED = "cursor_from_another_history"
REMEMBER = 2000
Item = dict[str, Any]
_CURSOR = re.compile(r"[0-9]{1,18}(\.[0-9a-f]{16})?")


class PollError(Exception):
    """A failure retrying cannot fix: a rejected token or cursor, an unreadable state file."""


def _checked_url(url: str) -> str:
    """`url` without its trailing slash; PollError unless it is an http(s) URL with a host.

    A malformed URL is bad input, refused at once rather than retried as if the
    server were down.
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise PollError(f"--url {url!r} is not an http:// or https:// URL with a host.")
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
        return float(min(self.maximum, self.initial * 2 ** (attempt - 1)))


@dataclass
class PollStats:
    items: int = 0
    batches: int = 0
    requests: int = 0
    retries: int = 0
    cursor: str | None = None
    duplicates: int = 0
    resumed: int = 0

    def summary(self) -> str:
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
    backoff: Backoff = Backoff(),
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
        raise PollError(f"limit must be from 1 to 500, got {limit}.")
    if remember < 0:
        raise PollError(f"remember must be 0 or more, got {remember}.")
    _check_numbers(every=every, timeout=timeout, backoff=backoff, wait_ready=wait_ready)
    base = _checked_url(url)
    state = _State.load(Path(state_file), base, remember)
    stopping = _Stopping(stop or threading.Event())
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "homecare-poller"}
    client = httpx.Client(
        base_url=base + "/", headers=headers, timeout=timeout, transport=transport
    )
    with _stopped_by_signals(stopping), client, _Recorder(received) as recorder:
        if wait_ready > 0:
            _wait_until_ready(client, wait_ready, stopping)
        session = _Session(client, state, recorder, handle, limit, backoff, stopping)
        while not stopping.is_set():
            try:
                session.drain(until_empty=once)
            except _RetriesExhaustedError as gave_up:
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


def _wait_until_ready(client: httpx.Client, seconds: float, stopping: _Stopping) -> None:
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


MAX_SECONDS = 7 * 24 * 3600.0  # a week: beyond it a wait or timeout is a typo


def _check_numbers(
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
            raise PollError(f"{name} must be {low:g} to {MAX_SECONDS:g} seconds, got {value!r}.")
    if not 0 <= backoff.attempts <= 10_000:
        raise PollError(f"retries must be 0 to 10000, got {backoff.attempts}.")


class _RetriesExhaustedError(Exception):
    pass


class _HistoryChangedError(Exception):
    def __init__(self, resume_after: str | None, detail: str) -> None:
        super().__init__(detail)
        self.resume_after = resume_after


@dataclass
class _Session:
    client: httpx.Client
    state: _State
    recorder: _Recorder
    handle: Callable[[list[Item]], None] | None
    limit: int
    backoff: Backoff
    stopping: _Stopping

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
        if resume is not None and not _is_cursor(resume):
            raise PollError("The server answered 409 with a resume_after that is not a cursor.")
        if resume is not None and _position(resume) >= _position(self.state.cursor):
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
        if self.state.cursor is not None and _position(cursor) < _position(self.state.cursor):
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
                raise _RetriesExhaustedError(problem)
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
        if not isinstance(items, list) or not (cursor is None or _is_cursor(cursor)):
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


def _is_cursor(value: object) -> bool:
    return isinstance(value, str) and _CURSOR.fullmatch(value) is not None


def _position(cursor: str | None) -> int:
    return int(cursor.split(".")[0]) if cursor else 0


@dataclass
class _State:
    path: Path
    url: str
    cursor: str | None = None
    keep: int = REMEMBER
    seen: deque[str] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.seen = deque(self.seen, maxlen=self.keep)
        self._seen = set(self.seen)

    def unseen(self, items: list[Item]) -> list[Item]:
        """The items whose message_id was not received before (nor earlier in `items`)."""
        fresh: list[Item] = []
        ids: set[str] = set()
        for item in items:
            if item["message_id"] not in self._seen and item["message_id"] not in ids:
                fresh.append(item)
                ids.add(item["message_id"])
        return fresh

    def remember(self, items: Iterable[Item]) -> None:
        if self.keep == 0:
            return
        for item in items:
            if len(self.seen) == self.keep:
                self._seen.discard(self.seen[0])
            self.seen.append(item["message_id"])
            self._seen.add(item["message_id"])

    @classmethod
    def load(cls, path: Path, url: str, keep: int = REMEMBER) -> _State:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path, url, keep=keep)
        except OSError as error:
            raise PollError(f"Cannot read the state file {path}: {error.strerror}.") from None
        try:
            data = json.loads(text)
            cursor, saved_url = data["cursor"], data["url"]
            seen = data.get("seen", [])
            if not (cursor is None or _is_cursor(cursor)) or not isinstance(saved_url, str):
                raise TypeError
            if not isinstance(seen, list) or not all(isinstance(m, str) for m in seen):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise PollError(
                f"The state file {path} is not a poller's state: restore it, or remove it to "
                "start from the beginning (everything is sent again)."
            ) from None
        if saved_url != url:
            raise PollError(
                f"The state file {path} holds the cursor of {saved_url}, not of {url}: "
                "give each server its own --state file."
            )
        return cls(path, url, cursor, keep, deque(seen[-keep:] if keep else []))

    def save(self) -> None:
        try:
            self._save()
        except OSError as error:
            raise PollError(
                f"Cannot write the state file {self.path}: {error.strerror}; "
                "the last cursor saved is kept."
            ) from None

    def _save(self) -> None:
        data = {
            "url": self.url,
            "cursor": self.cursor,
            "saved_at": datetime.now(UTC).isoformat(),
            "seen": list(self.seen),
        }
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(data, handle)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class _Recorder:
    """Appends `MESSAGE_ID POSITION` per received item; synced per batch."""

    def __init__(self, path: Path | None) -> None:
        try:
            self._file = (
                Path(path).open("a", encoding="utf-8")  # noqa: SIM115 - closed in __exit__
                if path is not None
                else None
            )
        except OSError as error:
            raise PollError(f"Cannot append to {path}: {error.strerror}.") from None

    def record(self, items: list[Item]) -> None:
        if self._file is None:
            return
        self._file.writelines(f"{i['message_id']} {i['position']}\n" for i in items)
        self._file.flush()
        os.fsync(self._file.fileno())

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._file is not None:
            self._file.close()


class _Stopping:
    """Stop requested by `event` or by a signal.

    A signal handler only sets a flag (taking no lock, so it cannot deadlock
    with the thread it interrupts); waits therefore look at it every 0.2 s.
    """

    def __init__(self, event: threading.Event) -> None:
        self.event = event
        self.signalled = False

    def is_set(self) -> bool:
        return self.signalled or self.event.is_set()

    def wait(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not self.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.event.wait(min(left, 0.2))
        return True


@contextmanager
def _stopped_by_signals(stopping: _Stopping) -> Iterator[None]:
    """SIGINT/SIGTERM finish the batch in hand, then stop; a second one acts as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.getsignal(s) or signal.SIG_DFL for s in signals}

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.signalled = True
        for s in signals:
            signal.signal(s, previous[s])

    for s in signals:
        signal.signal(s, on_signal)
    try:
        yield
    finally:
        for s in signals:
            signal.signal(s, previous[s])
