"""Issue 15 from the command line, as a user runs it, on SQLite and PostgreSQL:

- R17: `privacy export` takes the global `--reader`/`--purpose` like every other
  command (one resolver, `homecare.cli.output.who`); its own options are the same
  choice given later, and the two given differently are refused, not one silently won.
- D1, D8: an actor shaped like a personnummer is refused (`personal_data_in_actor`)
  on every command taking `--actor`, before anything is recorded: every event keeps
  its actor in the clear.
- R16: `privacy cull --dry-run --json` with the policy off is JSON; `cull-again` with a
  missing register says so.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homecare.bootstrap import connect
from tests.cli.conftest import Cli, assert_one_line_error
from tests.scenario import Scenario

PNR_ACTOR = "19121212-1212"


@pytest.fixture
def world(store_url: str) -> tuple[Cli, dict[str, Any]]:
    """A customer with one confirmed visit by one staff member, on either store."""
    with connect(store_url) as hc:
        scenario = Scenario(hc.app, at=datetime(2026, 1, 2, tzinfo=UTC))
        customer = scenario.customer()
        staff = scenario.staff()
        visit = scenario.visit(customer, staff, until="planned")
    ids = {"customer": str(customer.id), "staff": str(staff), "visit": str(visit)}
    return Cli(store_url), ids


def _exports(cli: Cli, customer: str) -> list[tuple[str, str]]:
    return [
        (e["reader"], e["purpose"])
        for e in cli.json("privacy", "access-log", "--subject", customer, "--json")
        if e["what"] == "export"
    ]


def test_R17_export_takes_the_global_reader_and_purpose(world: tuple[Cli, dict[str, Any]]) -> None:
    cli, ids = world
    a = ids["customer"]
    cli.ok("--reader", "karin", "--purpose", "granskning", "privacy", "export", "--customer", a)
    assert _exports(cli, a) == [("karin", "granskning")]
    cli.ok("privacy", "export", "--customer", a, "--reader", "olle", "--purpose", "begäran 7")
    cli.ok("--reader", "eva", "privacy", "export", "--customer", a, "--reader", "eva")
    assert _exports(cli, a)[1:] == [("olle", "begäran 7"), ("eva", "art. 15 request: export")]


@pytest.mark.parametrize("option", ["--reader", "--purpose"])
def test_R17_export_refuses_two_different_readers_or_purposes(
    world: tuple[Cli, dict[str, Any]], option: str
) -> None:
    cli, ids = world
    a = ids["customer"]
    result = cli(option, "karin", "privacy", "export", "--customer", a, option, "olle")
    assert_one_line_error(result, "invalid_input", option, "given twice")
    assert _exports(cli, a) == []  # refused before anything was read or recorded


def test_R17_export_refuses_a_personnummer_as_global_reader(
    world: tuple[Cli, dict[str, Any]],
) -> None:
    cli, ids = world
    result = cli("--reader", PNR_ACTOR, "privacy", "export", "--customer", ids["customer"])
    assert_one_line_error(result, "personal_data_in_access_log")
    assert PNR_ACTOR not in result.stderr


@pytest.mark.parametrize("kind", ["customer", "staff"])
def test_D1_D8_cull_refuses_an_actor_shaped_like_a_personnummer(
    world: tuple[Cli, dict[str, Any]], kind: str
) -> None:
    cli, ids = world
    result = cli("privacy", "cull", f"--{kind}", ids[kind], "--actor", PNR_ACTOR, "--json")
    assert_one_line_error(result, "personal_data_in_actor")
    assert "1212" not in result.stderr
    assert cli.json("privacy", "culled", "--json") == []  # nothing recorded, no key destroyed
    dry = cli.json("privacy", "cull", f"--{kind}", ids[kind], "--dry-run", "--json")
    assert dry["state"] == "would_be_culled"


def test_D1_D8_cull_again_and_decline_refuse_a_personnummer_actor(
    world: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    cli, ids = world
    register = tmp_path / "register.json"
    register.write_text(f'[{{"subject_id": "{ids["customer"]}", "kind": "customer"}}]')
    result = cli("privacy", "cull-again", str(register), "--actor", "121212-1212")
    assert_one_line_error(result, "personal_data_in_actor")
    assert cli.json("privacy", "culled", "--json") == []
    declined = cli(
        "assignments", "decline", ids["visit"], "--by", ids["staff"], "--actor", PNR_ACTOR
    )
    assert_one_line_error(declined, "personal_data_in_actor")


def test_R16_dry_run_json_with_the_policy_off_is_json(world: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = world
    result = cli.ok("privacy", "cull", "--dry-run", "--json")
    assert result.stdout.strip() == "[]"
    (line,) = result.stderr.splitlines()
    assert line.startswith("homecare: warning: The retention policy is off")


def test_R16_cull_again_with_a_missing_register_says_so(
    world: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    cli, _ = world
    missing = tmp_path / "missing.json"
    result = cli("privacy", "cull-again", str(missing), "--actor", "eva")
    assert_one_line_error(result, "invalid_input", "no such file")
    assert "JSON;" not in result.stderr.split("expected")[0]
    garbled = tmp_path / "garbled.json"
    garbled.write_text("{not json")
    result = cli("privacy", "cull-again", str(garbled), "--actor", "eva")
    assert_one_line_error(result, "invalid_input", "cannot be read as JSON")
