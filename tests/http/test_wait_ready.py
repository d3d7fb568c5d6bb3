"""`homecare poll --wait-ready`: the README's round trip starts the server in the background and
polls at once; the poller waits for /health quietly instead of failing its first requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from homecare import poller
from homecare.bootstrap import Homecare
from homecare.http import create_app
from tests.http.conftest import DRAIN_SECRET, TOKENS, fill
from tests.http.server import bound_socket, serving, url_of, wait_for
from tests.http.test_poller import Poller


def test_waits_for_a_server_that_is_still_starting_then_drains_without_a_retry(
    sqlite_hc: Homecare, tmp_path: Path
) -> None:
    fill(sqlite_hc, 12, customers=4)
    sock = bound_socket()  # bound, not listening: connections are refused until uvicorn starts
    runner = Poller(tmp_path)
    running = runner.start(url_of(sock), "--limit", "5", "--once", "--wait-ready", "60")
    wait_for(lambda: any("server not ready yet" in line for line in runner.stderr), "the wait")
    with serving(create_app(sqlite_hc, TOKENS), sock):
        out = runner.finish(running)
    assert "received 12 items in 3 batches (4 requests, 0 retries); cursor 12" in out
    assert not any("retry" in line for line in runner.stderr)
    assert runner.cursor() == "12"


def test_a_server_that_never_answers_is_one_clear_failure(tmp_path: Path) -> None:
    sock = bound_socket()
    try:
        with pytest.raises(poller.PollError, match=r"was not ready after 0\.5s \(ConnectError"):
            poller.poll(
                url_of(sock),
                DRAIN_SECRET,
                once=True,
                state_file=tmp_path / "state.json",
                wait_ready=0.5,
            )
    finally:
        sock.close()
    assert not (tmp_path / "state.json").exists()
