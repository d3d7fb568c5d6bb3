"""The command line as a new user meets it (issue 17): --version, help that reads as written,
the Swedish words operators know, problems --json in the HTTP route's shape, visits by date,
pauses that say what they hide and when they were cancelled."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import Any

import httpx
import pytest
import typer

from homecare.bootstrap import connect
from homecare.cli.app import app
from homecare.http import create_app
from tests.cli.conftest import MARCH, Cli
from tests.http.conftest import OPS, TOKENS
from tests.http.server import serving
from tests.scenario import Scenario

PLACEHOLDER = re.compile(r"<(str|bool|int|float|path|datetime|uuid|text)[^>]*>", re.IGNORECASE)
STRAY = re.compile(r"\s\.(\s|$)")


def _command_paths() -> list[list[str]]:
    """Every command and group of the CLI, as the words a user types."""
    root = typer.main.get_command(app)
    found: list[list[str]] = [[]]

    def walk(command: Any, path: list[str]) -> None:
        for name, sub in (getattr(command, "commands", None) or {}).items():
            found.append([*path, name])
            walk(sub, [*path, name])

    walk(root, [])
    return found


def test_version_prints_the_installed_version() -> None:
    result = Cli("sqlite:///never-opened.db").ok("--version")
    assert result.stdout == f"homecare {version('homecare')}\n"


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "homecare")
def test_help_has_no_type_placeholders_and_no_stray_full_stops(path: list[str]) -> None:
    result = Cli("sqlite:///never-opened.db", env={"COLUMNS": "220"}).ok(*path, "--help")
    assert "Usage:" in result.stdout
    assert not PLACEHOLDER.search(result.stdout), result.stdout
    assert not STRAY.search(result.stdout), result.stdout


def test_help_shows_bracketed_text_as_written_and_names_values() -> None:
    cli = Cli("sqlite:///never-opened.db", env={"COLUMNS": "220"})
    pauses = cli.ok("pauses", "list", "--help").stdout
    assert "upcoming/ongoing/ended [default: now]." in pauses
    assert re.search(r"--from\s+YYYY-MM-DD", pauses)
    assert re.search(r"--customer\s+ID", pauses)
    poll = cli.ok("poll", "--help").stdout
    assert re.search(r"--limit\s+N \[1<=x<=500\]", poll)
    assert re.search(r"--wait-ready\s+SECONDS", poll)
    assert re.search(r"--db\s+URL", cli.ok("--help").stdout)


def test_help_carries_the_swedish_words_operators_know() -> None:
    cli = Cli("sqlite:///never-opened.db", env={"COLUMNS": "220"})
    root = cli.ok("--help").stdout
    for word in ("integrationsbuffert", "uppdrag", "uppehåll"):
        assert word in root
    assert "integrationsbuffert" in cli.ok("buffer", "--help").stdout
    assert "uppdrag" in cli.ok("assignments", "--help").stdout
    assert "uppehåll" in cli.ok("pauses", "--help").stdout


def test_problems_json_is_exactly_what_the_http_route_returns(
    demo_held: tuple[Cli, dict[str, Any]],
) -> None:
    cli, summary = demo_held
    printed = cli.json("buffer", "problems", "--json")
    with connect(cli.url) as hc, serving(create_app(hc, TOKENS)) as url:
        served = httpx.get(f"{url}/buffer/problems", headers=OPS, timeout=30).json()
    assert printed == served
    assert {group["reason"] for group in printed} == set(summary["held_by_reason"])
    assert all(group["hint"] and group["items"] for group in printed)


def test_assignments_list_is_sorted_by_date_with_staff_and_status(
    demo_held: tuple[Cli, dict[str, Any]],
) -> None:
    cli, _ = demo_held
    rows = cli.json("assignments", "list", "--json")
    started = [r["started_at"] for r in rows if r["started_at"] is not None]
    assert len(started) > 10
    assert started == sorted(started, key=datetime.fromisoformat)
    assert all(r["started_at"] is None for r in rows[len(started) :])  # not performed: last
    assert all(r["staff_id"] for r in rows)
    table = cli.ok("assignments", "list").stdout.splitlines()
    header = next(line for line in table if "assignment" in line)
    assert re.search(r"date.*assignment.*staff.*customer.*status", header)
    first_row = next(line for line in table if re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", line))
    assert rows[0]["assignment_id"] in first_row
    assert rows[0]["staff_id"] in first_row


def test_pauses_list_says_how_many_ended_pauses_it_hides_and_when_one_was_cancelled(
    cli: Cli,
) -> None:
    t0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
    with connect(cli.url) as hc:
        world = Scenario(hc.app, at=t0)
        family = world.customer()
        world.pause("customer", family.id, t0 + timedelta(days=1), t0 + timedelta(days=2))
        ongoing = world.pause("customer", family.id, t0 + timedelta(days=3))
        world.tick(3600)
        hc.app.cancel_pause(ongoing, actor="ops", at=datetime(2026, 3, 6, 9, 30, tzinfo=UTC))
    args = ["pauses", "list", *MARCH]
    hiding = cli.ok(*args, "--now", "2026-03-05T00:00").stdout
    assert "1 ended (inactivated) pause hidden; --inactive shows them (R12)." in hiding
    showing = cli.ok(*args, "--now", "2026-03-05T00:00", "--inactive").stdout
    assert "hidden" not in showing
    assert re.search(r"ends\s*┃\s*cancelled\s*┃\s*state", showing)
    row = next(line for line in showing.splitlines() if str(ongoing) in line)
    assert re.search(r"cancelled .*2026-03-06 10:30", row)  # 09:30 UTC, in Stockholm time
    quiet = cli.ok(*args, "--now", "2026-03-01T00:00").stdout
    assert "hidden" not in quiet


@pytest.fixture(scope="module")
def demo_held(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, Any]]:
    """A small demo left undrained, so that items are held (R5); tests must not change it."""
    cli = Cli(f"sqlite:///{tmp_path_factory.mktemp('held')}/homecare.db")
    return cli, cli.json("demo", "--customers", "8", "--days", "3", "--no-drain", "--json")


@pytest.mark.parametrize("path", _command_paths()[1:], ids=" ".join)
def test_a_commands_summary_is_one_line_in_its_groups_list(path: list[str]) -> None:
    """The group's Commands list prints the first paragraph as written: a line
    break there shows as a broken row (`status` did, mid-sentence)."""
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    summary = (command.short_help or command.help or "").strip().split("\n\n")[0]
    assert "\n" not in summary, summary
