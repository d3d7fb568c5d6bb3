"""Issue 11, item 6 and issue 17: a fuzz of every command's options finds no traceback.

Hypothesis builds argument lists for each command of the real CLI from the
command's own parameters: its options with arbitrary values (unicode, control
characters, NUL, very long, and the calendar's and the integers' edges),
flags, stray words, options given twice. Whatever it builds, the command
either succeeds or fails with exactly one line `homecare: error: CODE: ...`
and exit status 1 (`buffer deadline` may exit 3: items at risk), never a
traceback, never click's boxed panel.

The store is a small drained demo; `serve` gets no real server (uvicorn.run
is replaced), `worker` no loop, neither touches signals or logging, and `poll`
a server answering empty batches at once, without waits between retries.
Everything runs in a scratch working directory.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecare import poller
from homecare.cli.app import app
from tests.cli.conftest import Cli

EDGES = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "20",
    "500",
    "501",
    "9" * 30,
    "1e400",
    "nan",
    "inf",
    "-inf",
    "0x10",
    "\uff11\uff12",
    "\u0661\u0662",
    "\x00",
    "a\x00b",
    "\n",
    "9999-12",
    "0000-01",
    "0001-01",
    "1899-12",
    "2026-03",
    "2026-13",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-03-29T02:30",
    "0001-01-01T00:00",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00+14:00",
    "0f8fad5b-d9cb-469f-a165-70867728950e",
    "4.9f3c2a1b0e5d7c68",
    "1." + "0" * 16,
    "x" * 5000,
    "http://[::1",
    "http://127.0.0.1:1",
    "ftp://x",
    "/",
    ".",
    "--json",
    "--help",
]
VALUES = st.one_of(st.sampled_from(EDGES), st.text(max_size=40))
SAFE_HOSTS = ["127.0.0.1", "::1", "8.8.8.8", "::::", "", "a\x00b", "localhost", "256.0.0.1"]


def leaf_commands() -> list[tuple[tuple[str, ...], Any]]:
    """Every runnable command of the CLI, with its path (`("buffer", "month")`)."""
    found: list[tuple[tuple[str, ...], Any]] = []

    def walk(path: tuple[str, ...], command: Any) -> None:
        commands = getattr(command, "commands", None)
        if commands is None:
            found.append((path, command))
            return
        for name, sub in sorted(commands.items()):
            walk((*path, name), sub)

    walk((), typer.main.get_command(app))
    return found


COMMANDS = leaf_commands()


def arguments(command: Any) -> st.SearchStrategy[list[str]]:
    pieces: list[st.SearchStrategy[list[str]]] = [VALUES.map(lambda v: [v])]  # a stray word
    for param in command.params:
        if param.param_type_name != "option" or "--help" in param.opts:
            continue
        name = st.sampled_from(list(param.opts))
        if param.is_flag:
            pieces.append(name.map(lambda n: [n]))
            continue
        values = st.sampled_from(SAFE_HOSTS) if param.name == "host" else VALUES
        pieces.append(st.tuples(name, values).map(list))
    return st.lists(st.one_of(pieces), max_size=5).map(
        lambda parts: [word for part in parts for word in part]
    )


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-cwd")


@pytest.fixture
def quiet_servers(monkeypatch: pytest.MonkeyPatch, scratch: Path) -> None:
    """No real server, no real network, no waits, files only in a scratch directory."""
    real_poll = poller.poll
    empty = httpx.MockTransport(lambda _r: httpx.Response(200, json={"items": [], "cursor": None}))

    def quick_poll(*args: Any, **kwargs: Any) -> poller.PollStats:
        attempts = kwargs["backoff"].attempts if "backoff" in kwargs else 0
        kwargs |= {"once": True, "transport": empty}
        kwargs["backoff"] = poller.Backoff(0.0, 0.0, min(attempts, 2))
        return real_poll(*args, **kwargs)

    monkeypatch.setattr(poller, "poll", quick_poll)
    monkeypatch.setattr("uvicorn.run", lambda *_a, **_k: None)
    monkeypatch.setattr("homecare.cli.worker.Worker.run", lambda *_a, **_k: None)
    monkeypatch.setattr("homecare.logs.configure", lambda *_a, **_k: None)
    monkeypatch.setattr("signal.signal", lambda *_a, **_k: None)
    monkeypatch.chdir(scratch)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_no_option_makes_a_traceback(
    demo_db: tuple[Cli, dict[str, Any]], quiet_servers: None, path: tuple[str, ...], command: Any
) -> None:
    cli, _ = demo_db

    @given(args=arguments(command))
    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(args: list[str]) -> None:
        result = cli(*path, *args)
        shown = result.stdout + result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args,
            result.exception,
        )
        assert "Traceback" not in shown, args
        assert "╭" not in result.stderr, args
        if result.exit_code in (0, 3) or "--help" in args:
            return
        assert result.exit_code == 1, (args, result.exit_code, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1, (args, result.stderr)
        assert lines[0].startswith("homecare: error: "), (args, lines)
        code = lines[0].removeprefix("homecare: error: ").split(":", 1)[0]
        assert code, (args, lines)
        assert set(code) <= set(string.ascii_lowercase + "_"), (args, lines)

    check()


def test_every_command_is_fuzzed() -> None:
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"buffer month", "buffer fetch", "pauses list", "audit as-of", "serve", "poll"} <= names
    assert {"db upgrade", "worker"} <= names
