"""Issue 11, item 6: `/health` answers within about 2 s whatever the store does.

A load balancer's probe waits a few seconds; the drivers underneath retry an
unreachable database for most of a minute. The check runs with a deadline
(`PROBE_TIMEOUT`, 1.5 s) and one at a time: these tests give their client a
10 s timeout, as a load balancer would, so a check that waits for the store
fails them instead of being timed.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from homecare.bootstrap import Homecare, connect
from homecare.http import create_app
from homecare.http.health import PROBE_TIMEOUT
from tests.conftest import _empty_postgres
from tests.http.blackhole import black_hole
from tests.http.conftest import TOKENS, fill
from tests.http.server import serving

PROBE = httpx.Timeout(10.0)


def _hanging(release: threading.Event) -> Any:
    def lag() -> int:
        release.wait(60)
        return 0

    return lag


def test_a_store_that_does_not_answer_is_503_timeout_at_once_and_once(
    sqlite_hc: Homecare,
) -> None:
    release = threading.Event()
    sqlite_hc.runners[0].lag = _hanging(release)  # type: ignore[method-assign]
    try:
        with serving(create_app(sqlite_hc, TOKENS)) as url:
            first = httpx.get(f"{url}/health", timeout=PROBE)
            second = httpx.get(f"{url}/health", timeout=PROBE)  # the first check still waits
            head = httpx.head(f"{url}/health", timeout=PROBE)
            release.set()
            threads = [t for t in threading.enumerate() if t.name == "homecare-health"]
            for thread in threads:
                thread.join(10)
            third = httpx.get(f"{url}/health", timeout=PROBE)
    finally:
        release.set()
    for answer in (first, second):
        assert answer.status_code == 503
        assert answer.json() == {
            "status": "unavailable",
            "store_reachable": False,
            "lag": None,
            "projections": {},
            "stopped": [],
            "problem": "timeout",
        }
    assert (head.status_code, head.content) == (503, b"")
    assert third.status_code == 200
    assert PROBE_TIMEOUT <= 2


@pytest.mark.postgres
def test_postgres_behind_a_black_hole_is_503_within_the_probe(postgres_database: str) -> None:
    """Connections open and new ones get no answer at all, as from a dead host."""
    _empty_postgres(postgres_database)
    url = make_url(postgres_database)
    with black_hole((url.host or "127.0.0.1", url.port or 5432)) as hole:
        proxied = url.set(port=hole.port).render_as_string(hide_password=False)
        with connect(proxied) as hc, serving(create_app(hc, TOKENS)) as api:
            fill(hc, 2, customers=2)
            assert httpx.get(f"{api}/health", timeout=PROBE).status_code == 200
            hole.swallow()
            answers = [httpx.get(f"{api}/health", timeout=PROBE) for _ in range(3)]
            hole.close()  # let the pools' waiting connections fail before closing them
    for answer in answers:
        assert answer.status_code == 503
        assert answer.json()["problem"] == "timeout"
        assert answer.json()["status"] == "unavailable"
