"""`homecare serve` and `homecare poll` as a user runs them (through the CLI's `register()`)."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

import homecare.http
from homecare.bootstrap import Homecare, connect
from homecare.cli.serve import register
from homecare.http import create_app
from tests.conftest import init_sqlite
from tests.http.conftest import CITY, DRAIN_SECRET, READ_SECRET, TOKENS, fill, scenario_45
from tests.http.server import bound_socket, serving, wait_for

REPO = Path(__file__).resolve().parents[2]
TOKENS_TEXT = f"city={DRAIN_SECRET}:drain,ops={READ_SECRET}:read"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HOMECARE_")}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.http.cli", *args],
        cwd=REPO,
        env=clean | (env or {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        (None, "No API tokens configured: set HOMECARE_API_TOKENS"),
        ("city=short:drain", "the secret must be at least 16"),
    ],
)
def test_serve_refuses_to_start_without_usable_tokens_in_one_line(
    tmp_path: Path, tokens: str | None, message: str
) -> None:
    db = tmp_path / "homecare.db"
    env = {"HOMECARE_API_TOKENS": tokens} if tokens else {}
    stdout, stderr = cli("serve", "--db", f"sqlite:///{db}", env=env).communicate(timeout=60)
    assert stdout == ""
    assert stderr.count("\n") == 1
    assert stderr.startswith("homecare: error: invalid_input: ")
    assert message in stderr
    assert not db.exists()


def test_serve_runs_uvicorn_until_sigterm(tmp_path: Path) -> None:
    db = init_sqlite(tmp_path / "homecare.db")
    with connect(db) as hc:
        fill(hc, 3, customers=3)
    probe = bound_socket()
    port = probe.getsockname()[1]
    probe.close()
    server = cli("serve", "--port", str(port), "--db", db, env={"HOMECARE_API_TOKENS": TOKENS_TEXT})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{url}/health") or server.poll() is not None, "serve")
        assert httpx.get(f"{url}/health").json()["status"] == "ok"
        body = httpx.get(f"{url}/buffer/items", headers=CITY).json()
        assert len(body["items"]) == 3
        assert httpx.get(f"{url}/buffer/items").status_code == 401
    finally:
        server.send_signal(signal.SIGTERM)
        stdout, stderr = server.communicate(timeout=60)
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert server.returncode in (0, -signal.SIGTERM), stderr
    assert "Application shutdown complete" in stderr
    assert "city fetched 3 items after start" in stderr
    assert 'GET /buffer/items HTTP/1.1" 200' in stdout
    assert DRAIN_SECRET not in stdout + stderr


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_serve_uses_the_clis_global_db_unless_given_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The CLI's global --db arrives in `ctx.obj`; `serve --db` is the same choice."""
    opened: list[str | None] = []
    monkeypatch.setattr(
        homecare.http,
        "create_app_from_environment",
        lambda url, **_: opened.append(url) or "app",
    )
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: opened.append(f"{app}:{kwargs}"))
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context, db: str | None = None) -> None:
        ctx.obj = {"db": db}

    register(app)
    runner = CliRunner()
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert runner.invoke(app, ["serve", "--db", "sqlite:///own.db"]).exit_code == 0
    assert runner.invoke(app, ["--db", "sqlite:///other.db", "serve", "--port", "9"]).exit_code == 0
    assert opened[0::2] == [None, "sqlite:///own.db", "sqlite:///other.db"]
    assert "'host': '127.0.0.1', 'port': 8080" in opened[1]
    assert "'port': 9" in opened[5]


def test_poll_once_prints_its_counts(hc: Homecare, tmp_path: Path) -> None:
    scenario_45(hc)
    with serving(create_app(hc, TOKENS)) as url:
        process = cli(
            "poll",
            "--url",
            url,
            "--token",
            DRAIN_SECRET,
            "--once",
            "--state",
            str(tmp_path / "s.json"),
        )
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert re.fullmatch(
        r"received 42 items in 3 batches \(4 requests, 0 retries\); cursor 42\.[0-9a-f]{16}\n",
        stdout,
    )
    assert hc.buffer.delivered_position() == 42
    assert hc.buffer.month(2026, 3) != []  # the 3 held items are not the city's to drain


def test_poll_says_what_is_wrong_in_one_line(sqlite_hc: Homecare, tmp_path: Path) -> None:
    with serving(create_app(sqlite_hc, TOKENS)) as url:
        process = cli(
            "poll",
            "--url",
            url,
            "--token",
            READ_SECRET,
            "--once",
            "--state",
            str(tmp_path / "s.json"),
        )
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stdout == ""
    assert stderr.strip().splitlines()[-1] == (
        "homecare: error: poll_failed: The token may not drain the buffer (403): "
        "it needs ':drain' on the server."
    )
    assert READ_SECRET not in stderr


def test_poll_refuses_a_url_with_a_query_or_a_password_in_one_line(tmp_path: Path) -> None:
    for url, message in [
        ("http://127.0.0.1:1?x=1", "has a query or a fragment"),
        ("http://city:pw-0123456789@127.0.0.1:1", "must not carry a user name or password"),
    ]:
        process = cli(
            "poll", "--url", url, "--token", DRAIN_SECRET, "--once", "--state", str(tmp_path / "s")
        )
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 1
        assert stdout == ""
        [line] = stderr.strip().splitlines()
        assert line.startswith("homecare: error: invalid_input: --url ")
        assert message in line
        assert "pw-0123456789" not in stderr


def test_the_token_may_come_from_the_environment(sqlite_hc: Homecare, tmp_path: Path) -> None:
    fill(sqlite_hc, 2, customers=2)
    with serving(create_app(sqlite_hc, TOKENS)) as url:
        process = cli(
            "poll",
            "--url",
            url,
            "--once",
            "--state",
            str(tmp_path / "s.json"),
            env={"HOMECARE_POLL_TOKEN": DRAIN_SECRET},
        )
        stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert stdout.startswith("received 2 items")


@pytest.mark.skipif(
    importlib.util.find_spec("homecare.cli.app") is None,
    reason="homecare.cli.app (the CLI issue) is not in this tree yet",
)
def test_the_homecare_command_has_serve_and_poll() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "homecare"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout
    assert "poll" in result.stdout


@pytest.mark.skipif(
    importlib.util.find_spec("homecare.cli.app") is None,
    reason="homecare.cli.app (the CLI issue) is not in this tree yet",
)
def test_the_homecare_command_passes_its_global_db_to_serve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from homecare.cli.app import app

    opened: list[str | None] = []
    monkeypatch.setattr(
        homecare.http, "create_app_from_environment", lambda url, **_: opened.append(url)
    )
    monkeypatch.setattr("uvicorn.run", lambda *_args, **_kwargs: None)
    runner = CliRunner()
    assert runner.invoke(app, ["--db", "sqlite:///global.db", "serve"]).exit_code == 0
    assert runner.invoke(app, ["serve", "--db", "sqlite:///own.db"]).exit_code == 0
    same = ["--db", "sqlite:///own.db", "serve", "--db", "sqlite:///own.db"]
    assert runner.invoke(app, same).exit_code == 0  # the same choice, given twice
    assert opened == ["sqlite:///global.db", "sqlite:///own.db", "sqlite:///own.db"]


@pytest.mark.parametrize(
    ("before", "after", "shown"),
    [
        ("sqlite:///a.db", "sqlite:///b.db", ("'sqlite:///a.db'", "'sqlite:///b.db'")),
        (
            "postgresql+psycopg://u:secret@h/a",
            "postgresql+psycopg://u:secret@h/b",
            ("'postgresql+psycopg://u:***@h/a'", "'postgresql+psycopg://u:***@h/b'"),
        ),
    ],
)
def test_serve_refuses_a_global_db_and_its_own_that_disagree(
    monkeypatch: pytest.MonkeyPatch, before: str, after: str, shown: tuple[str, str]
) -> None:
    """`homecare --db A serve --db B` used B silently: two levels that disagree are one
    line naming both (passwords masked), before any store is opened."""
    from homecare.cli.app import app

    opened: list[str | None] = []
    monkeypatch.setattr(
        homecare.http, "create_app_from_environment", lambda url, **_: opened.append(url)
    )
    monkeypatch.setattr("uvicorn.run", lambda *_args, **_kwargs: None)
    result = CliRunner().invoke(app, ["--db", before, "serve", "--db", after])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("homecare: error: invalid_input: --db was given twice")
    assert all(part in lines[0] for part in shown)
    assert "secret" not in result.stderr
    assert opened == []
