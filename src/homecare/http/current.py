"""Before a `/buffer` route or a console page answers: the key opens the store, views are current.

- **The key (D8).** Every `/buffer` route, once the token is found allowed to
  call it (401 and 403 come first), and every console page, once signed in,
  checks that the configured key opens the store, as `/health` and the CLI's
  `store()` do. Without it a wrong key was a silently wrong answer: a view
  computed from what could be read (nothing projected yet, or only the columns
  that are not encrypted) said `[]`, zero counts or `clear`. Now it is 503
  `wrong_cipher_key` on every route, and the console's page for it.
  A key once proven (an event opened with it) is trusted for `RECHECK_SECONDS`,
  so the city's fetches do not pay two reads and a thread-pool hop each; a
  failure is never remembered, and an empty store proves nothing.
- **Current views (R4, R5, R14).** With no worker alive to keep the projections
  current, a view (and a console page) first projects the events not yet
  projected, as the CLI's views do (`homecare buffer deadline` included): an
  unprojected confirmation is never left out of a `clear`. Every view's answer
  says how far behind the projections still were when it was read: the
  `Homecare-Lag` header, events (0 when current; with a worker running, what it
  has not projected yet).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from homecare.bootstrap import Homecare
from homecare.status import key_proven

__all__ = ["LAG_HEADER", "RECHECK_SECONDS", "KeyCheck", "current_view", "project_first"]

RECHECK_SECONDS = 60.0
LAG_HEADER = "Homecare-Lag"


class KeyCheck:
    """A dependency: CipherKeyError (503 `wrong_cipher_key`) unless the key opens the store.

    `async`, so a proven key costs the request nothing; the check itself reads the
    store, in the thread pool (never on the event loop, which a hung store would stop).
    `check` is the same for a caller already in a worker thread (the console's pages).
    """

    def __init__(self, homecare: Homecare, clock: Callable[[], float] = time.monotonic) -> None:
        self.homecare = homecare
        self.clock = clock
        self._trusted_until = float("-inf")

    async def __call__(self) -> None:
        if self.clock() >= self._trusted_until:
            self._proven(await run_in_threadpool(key_proven, self.homecare))

    def check(self) -> None:
        """As a call, in this thread: CipherKeyError unless the key opens the store."""
        if self.clock() >= self._trusted_until:
            self._proven(key_proven(self.homecare))

    def _proven(self, proven: bool) -> None:
        if proven:  # an empty store proves nothing: checked again next time
            self._trusted_until = self.clock() + RECHECK_SECONDS


def project_first(homecare: Homecare) -> int:
    """Project what no worker will (as the CLI does), then the lag in events: what the
    projections still have to project (0 when current; with a live worker, its backlog).
    Raises StorageError (CipherKeyError, ProjectionStoppedError, ...) as `catch_up` does."""
    if not homecare.worker_alive():  # a live worker keeps the views current
        homecare.catch_up()
    return max((runner.lag() for runner in homecare.runners), default=0)


def current_view(homecare: Homecare) -> Callable[[Response], None]:
    """A dependency of the views: `project_first`, then the lag in the `Homecare-Lag` header."""

    def current(response: Response) -> None:
        response.headers[LAG_HEADER] = str(project_first(homecare))

    return current
