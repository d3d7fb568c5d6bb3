"""The CLI as a user runs it: `homecare --db URL ...` through typer's CliRunner.

`cli` wraps the runner for one store; `demo_db` is one small demo on SQLite
shared by the read-only tests of a module (a demo takes about a second).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from homecare.cli.app import app
from tests.conftest import init_sqlite

SMALL = ("--customers", "8", "--days", "3")
MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")  # `pauses list` over March 2026


class Cli:
    """`homecare --db URL ARGS...` in-process; stdout and stderr kept apart."""

    def __init__(self, url: str, env: dict[str, str] | None = None) -> None:
        self.url = url
        self.runner = separate_streams_runner(env)

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(app, ["--db", self.url, *args])

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args).stdout)


def separate_streams_runner(env: dict[str, str] | None = None) -> CliRunner:
    """A runner that keeps stderr apart: click >= 8.2 always does, older clicks (the
    lowest versions CI installs) only with mix_stderr=False."""
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(env=env, mix_stderr=False)  # type: ignore[call-arg, unused-ignore]
    return CliRunner(env=env)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    """Bad input: a non-zero exit and exactly one clear line on stderr, never a traceback."""
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("homecare: error: ")
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def cli(store_url: str) -> Cli:
    """A CLI on an empty store, SQLite and PostgreSQL (see tests/conftest.py)."""
    return Cli(store_url)


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Cli:
    return Cli(init_sqlite(tmp_path / "homecare.db"))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, Any]]:
    """A drained small demo on SQLite, and its summary; tests must not change it."""
    folder = tmp_path_factory.mktemp("demo")
    cli = Cli(f"sqlite:///{folder}/homecare.db")
    summary = cli.json("demo", *SMALL, "--json")
    return cli, summary
