"""R16, R17: every id a `homecare privacy` command takes names a subject of the store, of
the kind given (issue 15), on both stores.

A malformed id is `invalid_input`; an unknown id, or one of another kind (a
staff member's id given as --customer, a culled customer's as --staff, a
pause's), is `not_found`: one line on stderr, exit 1, and nothing culled,
exported or recorded. The register that `cull-again` reads is checked entry by
entry before anything is culled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from homecare.bootstrap import connect
from homecare.domain.privacy import SubjectKind
from tests.cli.conftest import Cli, assert_one_line_error
from tests.scenario import Scenario

T = datetime(2020, 1, 1, tzinfo=UTC)  # due under a policy of a year


@dataclass
class World:
    cli: Cli
    customer: str
    other: str  # a second customer
    staff: str
    pause: str  # an aggregate that is not a subject

    def culled(self) -> list[tuple[str, str]]:
        return [(c["subject_id"], c["kind"]) for c in self.cli.json("privacy", "culled", "--json")]

    def reads(self) -> list[Any]:
        return list(self.cli.json("privacy", "access-log", "--json"))


@pytest.fixture
def world(store_url: str) -> World:
    with connect(store_url) as hc:
        s = Scenario(hc.app, at=T)
        customer, other, staff = s.customer(), s.customer(), s.staff()
        pause = s.pause("customer", customer.id, T + timedelta(days=3), at=T + timedelta(days=2))
    return World(Cli(store_url), str(customer.id), str(other.id), str(staff), str(pause))


def _cull(world: World, option: str, subject: str, *more: str) -> Any:
    return world.cli("privacy", "cull", option, subject, "--actor", "eva", *more)


# -- `privacy cull --dry-run --customer/--staff ID` ---------------------------------------


@pytest.mark.parametrize(
    ("option", "who", "code"),
    [
        ("--customer", "unknown", "not_found"),
        ("--staff", "unknown", "not_found"),
        ("--staff", "customer", "not_found"),
        ("--customer", "staff", "not_found"),
        ("--customer", "pause", "not_found"),
        ("--staff", "malformed", "invalid_input"),
    ],
)
def test_R16_the_dry_run_checks_the_subject(world: World, option: str, who: str, code: str) -> None:
    subject = {"unknown": str(uuid4()), "malformed": "anna"}.get(who) or getattr(world, who)
    result = world.cli("privacy", "cull", "--dry-run", option, subject)
    assert_one_line_error(result, f"{code}: ", subject)


def test_R16_the_dry_run_says_what_a_cull_would_do(world: World) -> None:
    dry = ("privacy", "cull", "--dry-run", "--json")
    assert world.cli.json(*dry, "--staff", world.staff)["state"] == "would_be_culled"
    assert "would be culled now" in world.cli.ok(*dry[:3], "--customer", world.customer).stdout
    (done,) = world.cli.json(
        "privacy", "cull", "--customer", world.customer, "--actor", "e", "--json"
    )
    said = world.cli.ok("privacy", "cull", "--dry-run", "--customer", world.customer).stdout
    assert f"The customer {world.customer} is already culled (recorded " in said
    found = world.cli.json(*dry, "--customer", world.customer)
    assert (found["state"], found["kind"]) == ("already_culled", "customer")
    assert found["culled_at"] == done["culled_at"]
    (again,) = world.cli.json(
        "privacy", "cull", "--customer", world.customer, "--actor", "e", "--json"
    )
    assert (again["recorded"], again["key_destroyed"]) == (False, False)  # nothing to do, as said


def test_R16_an_unfinished_cull_is_said_and_finished(store_url: str, world: World) -> None:
    with connect(store_url) as hc:  # a crash after the record, before the key went
        hc.app.record_culling(
            UUID(world.customer),
            subject_kind="customer",
            reason="on_demand",
            legal_basis="SoL",
            fetched_up_to=0,
            actor="eva",
            at=T + timedelta(days=9),
        )
    dry = world.cli.json("privacy", "cull", "--dry-run", "--json", "--customer", world.customer)
    assert dry["state"] == "unfinished"
    said = world.cli.ok("privacy", "cull", "--dry-run", "--customer", world.customer).stdout
    assert "but not finished: culling again finishes it" in said
    (done,) = _json(_cull(world, "--customer", world.customer, "--json"))
    assert (done["recorded"], done["key_destroyed"]) == (False, True)
    assert world.culled() == [(world.customer, "customer")]


# -- `privacy cull --customer/--staff ID` -------------------------------------------------


def test_R16_a_culled_customer_given_as_staff_is_not_found(world: World) -> None:
    world.cli.ok("privacy", "cull", "--customer", world.customer, "--actor", "eva")
    assert_one_line_error(_cull(world, "--staff", world.customer), "not_found: ", "No staff")
    assert_one_line_error(_cull(world, "--staff", world.customer, "--json"), "not_found: ")
    assert world.culled() == [(world.customer, "customer")]


@pytest.mark.parametrize(("option", "who"), [("--staff", "customer"), ("--customer", "staff")])
def test_R16_a_subject_of_the_other_kind_is_not_culled(world: World, option: str, who: str) -> None:
    assert_one_line_error(_cull(world, option, getattr(world, who)), "not_found: ")
    assert world.culled() == []


def test_R16_one_subject_or_the_batch_never_both(world: World) -> None:
    assert_one_line_error(_cull(world, "--customer", world.customer, "--yes"), "invalid_input: ")
    assert_one_line_error(
        world.cli("privacy", "cull", "--staff", world.staff, "--dry-run", "--yes"), "invalid_input"
    )
    assert_one_line_error(
        _cull(world, "--customer", world.customer, "--staff", world.staff), "not both"
    )
    assert_one_line_error(world.cli("privacy", "cull", "--actor", "eva"), "invalid_input")
    assert world.culled() == []


def test_R16_the_dry_run_lists_exactly_what_the_batch_culls(store_url: str, world: World) -> None:
    cli = Cli(store_url, env={"HOMECARE_RETENTION_YEARS": "1"})
    cli.ok("privacy", "cull", "--customer", world.other, "--actor", "eva")  # culled before
    due = cli.json("privacy", "cull", "--dry-run", "--json")
    culled = cli.json("privacy", "cull", "--yes", "--actor", "eva", "--json")
    assert sorted((d["subject_id"], d["kind"]) for d in due) == sorted(
        (c["subject_id"], c["kind"]) for c in culled
    )
    assert sorted(d["subject_id"] for d in due) == sorted([world.customer, world.staff])


# -- `privacy export --customer ID`, `privacy access-log --subject ID` ---------------------


@pytest.mark.parametrize(
    ("who", "code"),
    [("staff", "not_found"), ("unknown", "not_found"), ("pause", "not_found"),
     ("malformed", "invalid_input")],
)  # fmt: skip
def test_R17_export_of_anything_but_a_customer_is_refused_unrecorded(
    world: World, who: str, code: str
) -> None:
    subject = {"unknown": str(uuid4()), "malformed": "0f8fad5b-d9cb"}.get(who) or getattr(
        world, who
    )
    assert_one_line_error(world.cli("privacy", "export", "--customer", subject), f"{code}: ")
    assert world.reads() == []


def test_R17_export_of_a_culled_customer_still_answers(world: World) -> None:
    world.cli.ok("privacy", "cull", "--customer", world.customer, "--actor", "eva")
    found = _json(world.cli("privacy", "export", "--customer", world.customer))
    assert found["subject"] == {"id": world.customer, "kind": "customer"}
    assert [r["subject_id"] for r in world.reads()] == [world.customer]


@pytest.mark.parametrize(
    ("who", "code"), [("unknown", "not_found"), ("pause", "not_found"), ("malformed", "invalid")]
)
def test_R17_the_access_log_of_no_subject_is_refused(world: World, who: str, code: str) -> None:
    subject = {"unknown": str(uuid4()), "malformed": "olle"}.get(who) or getattr(world, who)
    result = world.cli("privacy", "access-log", "--subject", subject)
    assert_one_line_error(result, code, "customer or staff" if code == "not_found" else "subject")


def test_R17_the_access_log_of_either_kind_and_of_a_culled_subject(world: World) -> None:
    world.cli.ok("privacy", "cull", "--customer", world.customer, "--actor", "eva")
    for subject in (world.customer, world.staff):
        assert world.cli.json("privacy", "access-log", "--subject", subject, "--json") == []


@pytest.mark.parametrize("command", [("access-log", "--subject"), ("export", "--customer")])
def test_R17_an_empty_id_is_invalid_not_everyone(world: World, command: tuple[str, str]) -> None:
    """`--subject ""` once listed every subject's reads, as if no subject were given."""
    assert_one_line_error(world.cli("privacy", *command, ""), "invalid_input: ")
    assert_one_line_error(world.cli("privacy", *command, " "), "invalid_input: ")


def test_R17_an_export_to_no_folder_is_refused_before_the_read(
    tmp_path: Path, world: World
) -> None:
    for out in (tmp_path / "no" / "export.json", tmp_path):
        result = world.cli("privacy", "export", "--customer", world.customer, "--out", str(out))
        assert_one_line_error(result, "invalid_input: ", "Cannot write the export")
    assert world.reads() == []


# -- `privacy cull-again REGISTER.json` -----------------------------------------------------


def _register(tmp_path: Path, entries: Any) -> str:
    path = tmp_path / "register.json"
    text = entries if isinstance(entries, str) else json.dumps(entries)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_R16_a_register_entry_of_another_kind_culls_nothing(tmp_path: Path, world: World) -> None:
    register = _register(
        tmp_path,
        [
            {"subject_id": world.other, "kind": "customer"},  # fine, but not culled either
            {"subject_id": world.customer, "kind": "staff"},
        ],
    )
    result = world.cli("privacy", "cull-again", register, "--actor", "eva")
    assert_one_line_error(result, "invalid_input: ", "entry 2", "Nothing was culled")
    assert world.culled() == []


def test_R16_the_register_skips_only_whom_this_store_never_had(
    tmp_path: Path, world: World
) -> None:
    unknown = str(uuid4())
    entries = [
        {"subject_id": unknown, "kind": "customer"},
        {"subject_id": world.staff, "kind": "staff", "culled_at": "2026-01-01T00:00:00Z"},
        {"subject_id": world.staff, "kind": "staff"},  # listed twice: culled once
    ]
    done = world.cli.json(
        "privacy", "cull-again", _register(tmp_path, entries), "--actor", "e", "--json"
    )
    assert [(d["subject_id"], d["kind"], d["reason"]) for d in done] == [
        (world.staff, "staff", "restore")
    ]
    assert world.culled() == [(world.staff, SubjectKind.STAFF.value)]


@pytest.mark.parametrize(
    "entries",
    [
        "not json",
        "null",
        '{"subject_id": "x"}',
        [None],
        ["0f8fad5b-d9cb-469f-a165-70867728950e"],
        [{"subject_id": 5, "kind": "customer"}],
        [{"subject_id": ["a"], "kind": "customer"}],
        [{"subject_id": "anna", "kind": "customer"}],
        [{"subject_id": "0f8fad5b-d9cb-469f-a165-70867728950e"}],
        [{"subject_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "kind": "robot"}],
        [{"subject_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "kind": ["staff"]}],
        "[" * 100_000,
    ],
)
def test_R16_a_malformed_register_is_one_line_and_culls_nothing(
    tmp_path: Path, world: World, entries: Any
) -> None:
    good = [{"subject_id": world.customer, "kind": "customer"}]
    text = entries if isinstance(entries, str) else good + entries
    result = world.cli("privacy", "cull-again", _register(tmp_path, text), "--actor", "eva")
    assert_one_line_error(result, "invalid_input: ", "register")
    assert world.culled() == []


def test_R16_cull_again_needs_an_actor(tmp_path: Path, world: World) -> None:
    register = _register(tmp_path, [{"subject_id": world.customer, "kind": "customer"}])
    assert_one_line_error(world.cli("privacy", "cull-again", register, "--actor", " "), "--actor")
    assert world.culled() == []


def _json(result: Any) -> Any:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)
