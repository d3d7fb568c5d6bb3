"""R16 from the command line: `homecare privacy cull` on demand, by policy (--dry-run,
--yes), and its one-line errors (bad id, unknown customer, policy off)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

from homecare.bootstrap import connect
from tests.cli.conftest import Cli, assert_one_line_error
from tests.conftest import init_sqlite
from tests.scenario import Scenario


def _store(tmp_path: Path) -> tuple[str, str]:
    """A store with one customer registered in 2020 (due under a policy of a year)."""
    url = init_sqlite(tmp_path / "homecare.db")
    with connect(url) as hc:
        customer = Scenario(hc.app, at=datetime(2020, 1, 1, tzinfo=UTC)).customer()
    return url, str(customer.id)


def test_culling_one_customer_on_demand(tmp_path: Path) -> None:
    url, customer = _store(tmp_path)
    cli = Cli(url)
    dry = cli.ok("privacy", "cull", "--customer", customer, "--dry-run").stdout
    assert "would be culled" in dry
    assert cli.json("privacy", "culled", "--json") == []
    (done,) = cli.json("privacy", "cull", "--customer", customer, "--actor", "eva", "--json")
    assert (done["subject_id"], done["kind"], done["reason"]) == (customer, "customer", "on_demand")
    assert (done["recorded"], done["key_destroyed"], done["scrubbed"]) == (True, True, True)
    (again,) = cli.json("privacy", "cull", "--customer", customer, "--actor", "eva", "--json")
    assert (again["recorded"], again["key_destroyed"]) == (False, False)
    assert "already culled" in cli.ok("privacy", "cull", "--customer", customer, "--dry-run").stdout
    assert [c["subject_id"] for c in cli.json("privacy", "culled", "--json")] == [customer]


def test_the_policy_off_says_so_and_refuses_a_batch(tmp_path: Path) -> None:
    url, _ = _store(tmp_path)
    cli = Cli(url)
    assert "retention policy is off" in cli.ok("privacy", "cull", "--dry-run").stdout
    assert_one_line_error(cli("privacy", "cull", "--yes", "--actor", "eva"), "rule_violation")
    assert_one_line_error(cli("privacy", "cull"), "invalid_input", "--dry-run")


def test_the_policy_lists_and_culls_who_is_due(tmp_path: Path) -> None:
    url, customer = _store(tmp_path)
    cli = Cli(url, env={"HOMECARE_RETENTION_YEARS": "1"})
    due = cli.json("privacy", "cull", "--dry-run", "--json")
    assert [(d["subject_id"], d["kind"]) for d in due] == [(customer, "customer")]
    assert "1 years after the last entry" in due[0]["reason"]
    culled = cli.json("privacy", "cull", "--yes", "--actor", "eva", "--json")
    assert [(c["subject_id"], c["reason"]) for c in culled] == [(customer, "retention")]
    assert cli.json("privacy", "cull", "--dry-run", "--json") == []


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    url, customer = _store(tmp_path)
    cli = Cli(url)
    assert_one_line_error(
        cli("privacy", "cull", "--customer", "anna", "--actor", "eva"), "invalid_input"
    )
    assert_one_line_error(
        cli("privacy", "cull", "--customer", str(uuid4()), "--actor", "eva"), "not_found"
    )
    assert_one_line_error(cli("privacy", "cull", "--customer", customer), "--actor")
    assert_one_line_error(
        cli("privacy", "cull", "--customer", customer, "--staff", customer, "--actor", "e"),
        "not both",
    )


def test_after_a_restore_the_register_culls_again(tmp_path: Path) -> None:
    url, customer = _store(tmp_path)
    cli = Cli(url)
    backup = (tmp_path / "homecare.db").read_bytes()  # taken before the cull
    cli.ok("privacy", "cull", "--customer", customer, "--actor", "eva")
    register = tmp_path / "register.json"
    register.write_text(cli.ok("privacy", "culled", "--json").stdout, encoding="utf-8")
    (tmp_path / "homecare.db").write_bytes(backup)  # the restore un-culls them
    for extra in tmp_path.glob("homecare.db-*"):
        extra.unlink()
    assert cli.json("privacy", "culled", "--json") == []
    (again,) = cli.json("privacy", "cull-again", str(register), "--actor", "eva", "--json")
    assert (again["subject_id"], again["reason"], again["key_destroyed"]) == (
        customer,
        "restore",
        True,
    )
    assert cli.json("privacy", "cull-again", str(register), "--actor", "eva", "--json") == []
    assert_one_line_error(
        cli("privacy", "cull-again", str(tmp_path / "nope.json"), "--actor", "eva"),
        "invalid_input",
        "register",
    )


def test_served_culled_acknowledged_is_delivered_and_reconcile_runs(tmp_path: Path) -> None:
    """The reviewer's repro (R16 with R4, R12): fetch --limit 2 (A's visit and B's served),
    cull A, fetch --after the cursor (acknowledged): A's served visit is delivered, its
    later one and its pause message withdrawn; `pauses reconcile` shows them, no crash."""
    url = init_sqlite(tmp_path / "homecare.db")
    with connect(url) as hc:
        s = Scenario(hc.app)
        a, b = s.customer(), s.customer()
        staff = s.staff()
        served = s.visit(a, staff, day=date(2026, 3, 2))
        s.visit(b, staff, day=date(2026, 3, 3))
        hc.catch_up()
    cli = Cli(url)
    first = cli.json("buffer", "fetch", "--limit", "2")
    assert len(first["items"]) == 2
    with connect(url) as hc:
        s = Scenario(hc.app, at=datetime(2026, 3, 10, tzinfo=UTC))
        later = s.visit(a, staff, day=date(2026, 3, 4))
        s.pause("customer", a.id, datetime(2026, 4, 1, 8, tzinfo=UTC))
        hc.catch_up()
    cli.ok("privacy", "cull", "--customer", str(a.id), "--actor", "eva")
    cli.json("buffer", "fetch", "--after", first["cursor"], "--limit", "2")
    listed = {r["assignment_id"]: r for r in cli.json("assignments", "list", "--json")}
    assert listed[str(served)]["status"] == "delivered"
    assert listed[str(served)]["delivered_at"] is not None
    assert listed[str(later)]["status"] == "withdrawn"
    for extra in ((), ("--customer", str(a.id))):
        shown = cli(
            "pauses", "reconcile", "--month", "2026-04", "--now", "2026-06-01T00:00", *extra
        )
        # the pause's days are never sent (R16): shown, but nothing to act on (review)
        assert shown.exit_code == 0, shown.stdout
        assert "cause withdrawn (1 messages withdrawn)" in shown.stdout
        assert "[withdrawn]" not in shown.stdout  # the pause has not ended: not inactivated


def test_R16_dry_run_and_yes_together_are_refused_not_a_silent_dry_run(tmp_path: Path) -> None:
    """`--dry-run --yes` was accepted as a dry run: contradictory flags on a command that
    cannot be undone are refused, whichever way the operator meant them."""
    url, customer = _store(tmp_path)
    cli = Cli(url, env={"HOMECARE_RETENTION_YEARS": "1"})
    for args in (("--dry-run", "--yes"), ("--yes", "--dry-run", "--json")):
        assert_one_line_error(
            cli("privacy", "cull", *args, "--actor", "eva"), "invalid_input", "not both"
        )
    assert cli.json("privacy", "culled", "--json") == []
    assert [d["subject_id"] for d in cli.json("privacy", "cull", "--dry-run", "--json")] == [
        customer
    ]
