"""The reference poller against the live server: kills, restarts, signals, retries.

The poller runs as a separate process (`homecare poll` through the CLI's
`register()`, see tests/http/cli.py), as the city's system would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from homecare.bootstrap import Homecare
from homecare.errors import StorageError
from homecare.http import create_app
from homecare.poller import Backoff, PollError, poll
from tests.http.conftest import DRAIN_SECRET, READ_SECRET, TOKENS, fill
from tests.http.server import Gate, bound_socket, serving, url_of, wait_for

REPO = Path(__file__).resolve().parents[2]
EXIT_TIMEOUT = 60


class Poller:
    """`homecare poll` in a subprocess, with its state and received files in `tmp`."""

    def __init__(self, tmp: Path) -> None:
        self.state = tmp / "state.json"
        self.received = tmp / "received.txt"
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers: list[threading.Thread] = []

    def start(self, url: str, *args: str, module: str = "tests.http.cli") -> subprocess.Popen[str]:
        command = [sys.executable, "-m", module]
        if module == "tests.http.cli":
            command += ["poll", "--url", url, "--token", DRAIN_SECRET]
            command += ["--state", str(self.state), "--received", str(self.received), *args]
        else:
            command += [url, DRAIN_SECRET, str(self.state), str(self.received), *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOMECARE_")}
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.stdout.clear()
        self._readers = [_reader(process.stdout, self.stdout), _reader(process.stderr, self.stderr)]
        return process

    def finish(self, process: subprocess.Popen[str], returncode: int = 0) -> str:
        """Wait for the process (bounded) and its output; returns its stdout."""
        process.wait(EXIT_TIMEOUT)
        for reader in self._readers:
            reader.join(EXIT_TIMEOUT)
        assert process.returncode == returncode, "".join(self.stderr)
        return "".join(self.stdout)

    def cursor(self) -> str | None:
        """The saved cursor's position (its history tag left off, D10); the file must be
        valid JSON whenever it exists."""
        if not self.state.exists():
            return None
        cursor: str | None = json.loads(self.state.read_text())["cursor"]
        return cursor.split(".")[0] if cursor else cursor

    def lines(self) -> list[tuple[str, int]]:
        if not self.received.exists():
            return []
        text = self.received.read_text()
        complete = text[: text.rfind("\n") + 1]
        return [(m, int(p)) for m, p in (line.split() for line in complete.splitlines())]


def _reader(stream: IO[str] | None, into: list[str]) -> threading.Thread:
    assert stream is not None
    thread = threading.Thread(target=lambda: into.extend(stream), daemon=True)
    thread.start()
    return thread


def all_items(hc: Homecare) -> dict[str, int]:
    """Every released item, read without acknowledging anything (after=None)."""
    return {str(i.message_id): i.position for i in hc.buffer.fetch(after=None, limit=500).items}


def test_sigkill_mid_drain_then_restart_receives_every_item(hc: Homecare, tmp_path: Path) -> None:
    fill(hc, 60)
    expected = all_items(hc)
    gate = Gate()
    hc.buffer.fetch_page = gate.wrap(hc.buffer.fetch_page)  # type: ignore[method-assign]
    poller = Poller(tmp_path)
    with serving(create_app(hc, TOKENS)) as url:
        first = poller.start(url, "--limit", "5")
        gate.allow(4)
        wait_for(lambda: len(poller.lines()) == 20 and gate.waiting == 1, "four batches")
        wait_for(lambda: poller.cursor() == "20", "the fourth batch's cursor")
        first.send_signal(signal.SIGKILL)  # mid-drain: the fifth request is in flight
        poller.finish(first, returncode=-signal.SIGKILL)
        assert poller.cursor() == "20"
        assert hc.buffer.delivered_position() <= 20
        gate.open()
        out = poller.finish(poller.start(url, "--limit", "5", "--once"))
    assert "received 40 items in 8 batches (9 requests, 0 retries); cursor 60." in out
    received = poller.lines()
    assert dict(received) == expected
    assert Counter(m for m, _ in received).most_common(1)[0][1] == 1
    assert poller.cursor() == "60"
    assert hc.buffer.delivered_position() == 60


def test_killed_after_recording_a_batch_refetches_only_that_batch(
    hc: Homecare, tmp_path: Path
) -> None:
    fill(hc, 23)
    expected = all_items(hc)
    poller = Poller(tmp_path)
    with serving(create_app(hc, TOKENS)) as url:
        crashed = poller.start(url, "5", "3", module="tests.http.crashing_poller")
        poller.finish(crashed, returncode=-signal.SIGKILL)
        saved = poller.cursor()
        assert saved == "10"
        assert [p for _, p in poller.lines()] == list(range(1, 16))
        assert hc.buffer.delivered_position() <= int(saved)
        out = poller.finish(poller.start(url, "--limit", "5", "--once"))
    assert "received 13 items in 3 batches (4 requests, 0 retries); cursor 23." in out
    received = poller.lines()
    assert dict(received) == expected
    duplicates = sorted(p for (_, p), n in Counter(received).items() if n > 1)
    assert duplicates == [11, 12, 13, 14, 15]  # the batch in flight, all after the saved cursor
    assert all(n <= 2 for n in Counter(received).values())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_a_waiting_poller_cleanly_with_its_cursor_saved(
    sqlite_hc: Homecare, tmp_path: Path, signum: int
) -> None:
    fill(sqlite_hc, 12, customers=4)
    poller = Poller(tmp_path)
    with serving(create_app(sqlite_hc, TOKENS)) as url:
        running = poller.start(url, "--limit", "5", "--every", "300")
        wait_for(lambda: poller.cursor() == "12", "the drain")
        wait_for(lambda: any("next poll in 300s" in line for line in poller.stderr), "the wait")
        running.send_signal(signum)
        out = poller.finish(running)
    assert "received 12 items in 3 batches (3 requests, 0 retries); cursor 12." in out
    assert any("stopped; cursor 12." in line for line in poller.stderr)
    assert json.loads(poller.state.read_text())["url"] == url
    assert not list(tmp_path.glob(".*.tmp"))  # replaced atomically: no temp file left


def test_retries_until_the_server_comes_up_and_keeps_its_cursor(
    sqlite_hc: Homecare, tmp_path: Path
) -> None:
    fill(sqlite_hc, 12, customers=4)
    sock = bound_socket()  # bound, not listening: connections are refused until uvicorn starts
    poller = Poller(tmp_path)
    args = ["--limit", "5", "--once", "--backoff", "0.05", "--backoff-max", "0.2"]
    running = poller.start(url_of(sock), *args, "--retries", "300")
    wait_for(lambda: any("retry 2 of 300" in line for line in poller.stderr), "two retries")
    assert poller.cursor() is None
    with serving(create_app(sqlite_hc, TOKENS), sock):
        out = poller.finish(running)
    assert "received 12 items in 3 batches" in out
    assert "0 retries" not in out
    assert any("ConnectError" in line for line in poller.stderr)
    assert len(poller.lines()) == 12
    assert poller.cursor() == "12"


# -- in process: poll() itself -------------------------------------------------------


def test_poll_retries_503_with_backoff_and_loses_nothing(
    sqlite_hc: Homecare, tmp_path: Path
) -> None:
    hc = sqlite_hc
    fill(hc, 12, customers=4)
    real, failures = hc.buffer.fetch_page, iter([StorageError("down"), StorageError("still down")])

    def flaky(*args: Any, **kwargs: Any) -> Any:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(*args, **kwargs)

    hc.buffer.fetch_page = flaky  # type: ignore[method-assign]
    batches: list[list[dict[str, Any]]] = []
    with serving(create_app(hc, TOKENS)) as url:
        stats = poll(
            url,
            DRAIN_SECRET,
            limit=5,
            once=True,
            state_file=tmp_path / "state.json",
            handle=batches.append,
            backoff=Backoff(initial=0.01, maximum=0.02, attempts=3),
        )
    assert (stats.items, stats.batches, stats.requests, stats.retries) == (12, 3, 6, 2)
    assert [len(b) for b in batches] == [5, 5, 2]
    assert (stats.cursor or "").startswith("12.")


def test_poll_once_gives_up_after_its_retries_with_the_cursor_untouched(tmp_path: Path) -> None:
    sock = bound_socket()
    state = tmp_path / "state.json"
    with pytest.raises(PollError, match="Gave up after 2 retries \\(ConnectError\\)"):
        poll(
            url_of(sock), DRAIN_SECRET, once=True, state_file=state, backoff=Backoff(0.01, 0.01, 2)
        )
    sock.close()
    assert not state.exists()


@pytest.mark.parametrize("url", ["notaurl", "ftp://host/x", "http://", "127.0.0.1:8080"])
def test_a_malformed_url_fails_at_once_without_retrying(tmp_path: Path, url: str) -> None:
    state = tmp_path / "state.json"
    with pytest.raises(PollError, match="not an http:// or https:// URL") as caught:
        poll(url, DRAIN_SECRET, once=True, state_file=state, backoff=Backoff(0.01, 0.01, 2))
    assert caught.value.code == "invalid_input"
    assert not state.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://city:pw-0123456789@127.0.0.1:1/", "must not carry a user name or password"),
        ("https://city@host.test/homecare", "must not carry a user name or password"),
        ("http://127.0.0.1:1?x=1", "has a query or a fragment"),
        ("http://127.0.0.1:1/homecare/?", "has a query or a fragment"),
        ("http://127.0.0.1:1/homecare#top", "has a query or a fragment"),
    ],
)
def test_a_url_the_requests_would_misuse_is_bad_input_at_once(
    tmp_path: Path, url: str, message: str
) -> None:
    """Formerly user info replaced the bearer token (and the error said "check --token"),
    and a query made every request a bare 404."""
    state = tmp_path / "state.json"
    with pytest.raises(PollError, match=message) as caught:
        poll(url, DRAIN_SECRET, once=True, state_file=state, backoff=Backoff(0.01, 0.01, 2))
    assert caught.value.code == "invalid_input"
    assert "pw-0123456789" not in str(caught.value)
    assert not state.exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"every": float("nan")}, "every must be 0 to"),
        ({"timeout": float("inf")}, "timeout must be 0.001 to"),
        ({"backoff": Backoff(initial=-1.0)}, "backoff must be 0 to"),
        ({"backoff": Backoff(attempts=10_001)}, "retries must be 0 to 10000"),
        ({"limit": 0}, "limit must be from 1 to 500"),
        ({"remember": -1}, "remember must be 0 or more"),
    ],
)
def test_a_bad_number_is_bad_input_at_once(
    tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(PollError, match=message) as caught:
        poll("http://127.0.0.1:1", "t", once=True, state_file=tmp_path / "s.json", **options)
    assert caught.value.code == "invalid_input"


def test_a_404_asks_whether_the_url_is_the_servers_base(tmp_path: Path) -> None:
    transport = httpx.MockTransport(lambda _request: httpx.Response(404, text="Not Found"))
    with pytest.raises(PollError, match="the part before /buffer/items") as caught:
        poll(
            "http://city.test/wrong",
            "t",
            once=True,
            state_file=tmp_path / "s.json",
            transport=transport,
        )
    assert "Nothing answers at http://city.test/wrong/buffer/items (404)" in str(caught.value)
    assert caught.value.code == "poll_failed"


@pytest.mark.parametrize(
    ("token", "message"),
    [("not-a-token-0123456789", "rejected the token \\(401\\)"), (READ_SECRET, "\\(403\\)")],
)
def test_a_refused_token_fails_at_once_without_retrying(
    sqlite_hc: Homecare, tmp_path: Path, token: str, message: str
) -> None:
    with (
        serving(create_app(sqlite_hc, TOKENS)) as url,
        pytest.raises(PollError, match=message) as caught,
    ):
        poll(url, token, once=True, state_file=tmp_path / "s.json", backoff=Backoff(0.01))
    assert token not in str(caught.value)
    assert not (tmp_path / "s.json").exists()


def test_a_refused_cursor_is_an_error_that_keeps_the_state(
    sqlite_hc: Homecare, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    with serving(create_app(sqlite_hc, TOKENS)) as url:
        state.write_text(json.dumps({"url": url, "cursor": "99"}))
        with pytest.raises(PollError, match=r"HTTP 422\).*query\.after: Unknown cursor 99"):
            poll(url, DRAIN_SECRET, once=True, state_file=state)
    assert json.loads(state.read_text())["cursor"] == "99"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a poller's state"),
        ('{"cursor": "12"}', "not a poller's state"),
        ('{"url": "http://127.0.0.1:1", "cursor": "-1"}', "not a poller's state"),
        ('{"url": "http://elsewhere:8080", "cursor": "12"}', "holds the cursor of"),
    ],
)
def test_a_state_file_that_is_not_this_servers_is_refused(
    tmp_path: Path, content: str, message: str
) -> None:
    state = tmp_path / "state.json"
    state.write_text(content)
    with pytest.raises(PollError, match=message):
        poll("http://127.0.0.1:1", DRAIN_SECRET, once=True, state_file=state)
    assert state.read_text() == content


def _answering(body: object) -> httpx.MockTransport:
    return httpx.MockTransport(lambda _request: httpx.Response(200, json=body))


def test_a_cursor_behind_the_saved_one_is_refused_not_saved(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"url": "http://city.test", "cursor": "40"}))
    item = {"message_id": "m", "position": 3}
    with pytest.raises(PollError, match="cursor 3, behind the saved 40"):
        poll(
            "http://city.test",
            "t",
            once=True,
            state_file=state,
            transport=_answering({"items": [item], "cursor": "3"}),
        )
    assert json.loads(state.read_text())["cursor"] == "40"


@pytest.mark.parametrize(
    "body",
    [[], {"items": []}, {"items": [{"position": 1}], "cursor": "1"}, {"items": [], "cursor": 7}],
)
def test_an_answer_that_is_not_a_batch_is_refused(tmp_path: Path, body: object) -> None:
    state = tmp_path / "state.json"
    with pytest.raises(PollError, match="not a batch of the buffer"):
        poll("http://city.test", "t", once=True, state_file=state, transport=_answering(body))
    assert not state.exists()
