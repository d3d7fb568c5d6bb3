"""A TCP proxy in front of PostgreSQL that can turn into a black hole.

Forwarding, it is transparent. `swallow()` makes the database unreachable the
way a dead host or a partitioned network does: connections (open and new) are
kept but nothing goes through in either direction, so every read waits for a
timeout rather than failing fast.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


class BlackHole:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.swallowing = threading.Event()
        self.closed = threading.Event()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def swallow(self) -> None:
        self.swallowing.set()

    def close(self) -> None:
        self.closed.set()
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            if self.swallowing.is_set():
                threading.Thread(target=self._pump, args=(client, None), daemon=True).start()
                continue
            server = socket.create_connection(self.upstream)
            self.sockets.append(server)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket | None) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if target is not None and not self.swallowing.is_set():
                    target.sendall(data)


@contextlib.contextmanager
def black_hole(upstream: tuple[str, int]) -> Iterator[BlackHole]:
    hole = BlackHole(upstream)
    try:
        yield hole
    finally:
        hole.close()
