"""`GET /health` for a load balancer: is the store usable, how far behind are the projections.

Why a deadline: the drivers underneath retry a store that does not answer
(connect timeouts, pool waits, eventsourcing's own retries), so a check run
in the request could take most of a minute, longer than any load balancer
waits. The check runs in a thread of its own and the answer waits for it at
most `PROBE_TIMEOUT` seconds: past that the store counts as unavailable
(503, `problem: "timeout"`). One check at a time: while an earlier one still
waits for the store, the answer is 503 at once, so a hung store never piles
up threads.

"ok" also means the data can be read: the newest event and buffer item are
decoded with the configured cipher key, and a wrong or missing key is 503
with `problem: "wrong_cipher_key"` (D8), not "ok".
"""

import logging
import threading
from typing import Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from homecare.bootstrap import Homecare
from homecare.errors import HomecareError, StorageError
from homecare.http.requests import answers_head, no_query

__all__ = ["PROBE_TIMEOUT", "Health", "health_router"]

logger = logging.getLogger("homecare.http")

PROBE_TIMEOUT = 1.5


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    store_reachable: bool
    lag: int | None = Field(
        description="Events in the log not yet projected (the largest over projections)."
    )
    projections: dict[str, int] = Field(description="Lag in events, per projection.")
    stopped: list[str] = Field(
        default_factory=list,
        description="Projections stopped at an event they cannot apply (D10): which, why.",
    )
    problem: str | None = Field(
        None,
        description="Why unavailable: timeout (the store did not answer in time), "
        "wrong_cipher_key, storage_error, or another error code.",
    )


class _Probe:
    """The store check in a daemon thread, one at a time, waited for at most `timeout`."""

    def __init__(self, homecare: Homecare, timeout: float) -> None:
        self.homecare = homecare
        self.timeout = timeout
        self._lock = threading.Lock()
        self._running: threading.Thread | None = None

    def run(self) -> Health:
        result: list[Health] = []
        with self._lock:
            if self._running is not None and self._running.is_alive():
                return _unavailable(reachable=False, problem="timeout")
            thread = threading.Thread(
                target=lambda: result.append(self._check()), name="homecare-health", daemon=True
            )
            self._running = thread
            thread.start()
        thread.join(self.timeout)
        if not result:
            logger.warning("health: the store did not answer within %gs", self.timeout)
            return _unavailable(reachable=False, problem="timeout")
        return result[0]

    def _check(self) -> Health:
        try:
            lags = {runner.name: runner.lag() for runner in self.homecare.runners}
            stopped = [s.describe() for s in self.homecare.stopped()]
            self.homecare.check_cipher_key()
        except HomecareError as error:
            logger.warning("health: %s: %s", error.code, error.message)
            reachable = type(error) is not StorageError
            return _unavailable(reachable=reachable, problem=error.code)
        except Exception as error:  # any failure to read the store means "unhealthy"
            logger.warning("health: store unreachable (%s)", type(error).__name__)
            return _unavailable(reachable=False, problem=StorageError.code)
        return Health(
            status="unavailable" if stopped else "ok",
            store_reachable=True,
            lag=max(lags.values(), default=0),
            projections=lags,
            stopped=stopped,
            problem="projection_stopped" if stopped else None,
        )


def _unavailable(*, reachable: bool, problem: str) -> Health:
    return Health(
        status="unavailable",
        store_reachable=reachable,
        lag=None,
        projections={},
        problem=problem,
    )


def health_router(homecare: Homecare, *, timeout: float = PROBE_TIMEOUT) -> APIRouter:
    router = APIRouter(tags=["health"])
    probe = _Probe(homecare, timeout)

    @router.get(
        "/health",
        operation_id="health",
        response_model=Health,
        summary="Store usable, projection lag in events (no token needed); answers within ~2 s",
        responses={
            503: {
                "model": Health,
                "description": "The store cannot be reached in time, or read with this key, "
                "or a projection stopped.",
            }
        },
        dependencies=[Depends(no_query)],
    )
    @answers_head  # a load balancer's HEAD probe: the check only reads
    def health(response: Response) -> Health:
        found = probe.run()
        if found.status != "ok":
            response.status_code = 503
        return found

    return router
