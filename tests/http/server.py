"""A real uvicorn server on 127.0.0.1 in a thread, and a gate to hold fetches mid-drain."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

START_TIMEOUT = 20.0


def bound_socket() -> socket.socket:
    """A TCP socket bound to a free 127.0.0.1 port, not yet listening (connects are refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def serving(app: Any, sock: socket.socket | None = None) -> Iterator[str]:
    """Run `app` under uvicorn until the block ends; yields its base URL."""
    sock = sock or bound_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), "the server to start")
        assert server.started, "uvicorn did not start"
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT)
        sock.close()


def wait_for(condition: Callable[[], object], what: str, timeout: float = START_TIMEOUT) -> None:
    """Poll `condition` every 10 ms, at most `timeout` seconds (a bound, not an assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.01)


class Gate:
    """Holds each call until allowed: `allow(n)` lets n through, `open()` lets all through."""

    def __init__(self) -> None:
        self._permits = threading.Semaphore(0)
        self._open = threading.Event()
        self._lock = threading.Lock()
        self.waiting = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def gated(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.waiting += 1
            try:
                deadline = time.monotonic() + START_TIMEOUT
                while not self._open.is_set() and not self._permits.acquire(timeout=0.01):
                    if time.monotonic() > deadline:
                        break
            finally:
                with self._lock:
                    self.waiting -= 1
            return function(*args, **kwargs)

        return gated

    def allow(self, n: int) -> None:
        for _ in range(n):
            self._permits.release()

    def open(self) -> None:
        self._open.set()
