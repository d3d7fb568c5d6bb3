"""`--customer ID` names a customer, or the command says not_found in one line and exits 1
(docs/cli.md: an unknown id), on every command that takes it; never "0 visits", exit 0.

The reviewer's finding: `assignments list --customer <staff id>` printed "0 visits" and
`pauses list --customer <unknown>` "Pauses ... (0)", both exit 0, while `pauses reconcile
--customer <staff id>` and `audit history` answered not_found.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from homecare.bootstrap import connect
from tests.cli.conftest import MARCH, Cli, assert_one_line_error
from tests.scenario import Scenario

COMMANDS = {
    "assignments list": ("assignments", "list"),
    "pauses list": ("pauses", "list", *MARCH, "--inactive"),
    "pauses previous-month": ("pauses", "previous-month", "--today", "2026-04-02", "--inactive"),
    "pauses reconcile": ("pauses", "reconcile"),
}


def _world(cli: Cli) -> dict[str, UUID]:
    with connect(cli.url) as hc:
        world = Scenario(hc.app)
        staff = world.staff()
        customer = world.customer()
        visit = world.visit(customer, staff)
        world.pause(
            "customer",
            customer.id,
            datetime(2026, 3, 10, 9, tzinfo=UTC),
            datetime(2026, 3, 12, 9, tzinfo=UTC),
        )
        hc.catch_up()
    return {"staff": staff, "customer": customer.id, "visit": visit}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_customer_option_that_names_no_customer_is_not_found(cli: Cli, command: str) -> None:
    ids = _world(cli)
    for wrong in (ids["staff"], ids["visit"], uuid4()):
        result = cli(*COMMANDS[command], "--customer", str(wrong))
        assert_one_line_error(result, f"not_found: No customer with id {wrong}.")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_customer_option_that_names_a_customer_is_answered(cli: Cli, command: str) -> None:
    ids = _world(cli)
    result = cli(*COMMANDS[command], "--customer", str(ids["customer"]), "--json")
    assert result.exit_code in (0, 3), (result.stdout, result.stderr)  # 3: reconcile's finding
    assert str(ids["customer"]) in result.stdout
