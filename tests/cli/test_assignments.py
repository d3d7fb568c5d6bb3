"""`homecare assignments list` with each visit's integration status (R2)."""

from __future__ import annotations

from typing import Any

from homecare.bootstrap import connect
from tests.cli.conftest import Cli, assert_one_line_error


def test_list_json_by_status(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    every = cli.json("assignments", "list", "--json")
    with connect(cli.url) as hc:
        assert len(every) == len(hc.buffer.integration_statuses())
        held = hc.buffer.integration_statuses(status="held")
    assert {r["status"] for r in every} == {"not_confirmed", "held", "delivered"}
    only_held = cli.json("assignments", "list", "--status", "held", "--json")
    wanted = sorted(str(h.assignment_id) for h in held)
    assert sorted(r["assignment_id"] for r in only_held) == wanted
    assert all(r["reasons"] for r in only_held)
    customer = every[0]["customer"]
    mine = cli.json("assignments", "list", "--customer", customer, "--json")
    assert mine == [r for r in every if r["customer"] == customer]


def test_list_table(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    out = cli.ok("assignments", "list", "--status", "delivered").stdout
    assert "visits" in out.splitlines()[0]
    assert "delivered" in out
    assert "held" not in out


def test_list_bad_input(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    assert_one_line_error(cli("assignments", "list", "--status", "lost"), "Unknown status")
    assert_one_line_error(cli("assignments", "list", "--customer", "x"), "Malformed customer id")
