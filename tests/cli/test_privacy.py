"""R17 from the command line: `homecare privacy access-log` and `homecare privacy review`.

Anna (a customer) and Olle (a staff member) are registered: `access-log --subject`
answers only for a subject of the store (issue 15; an unknown id is `not_found`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

from homecare._es.sealing import Sealer
from homecare._sql.subject_keys import SubjectKeys
from homecare.bootstrap import connect, open_database
from homecare.domain.privacy import SubjectKind
from homecare.privacy import Access, AccessLog, Channel
from homecare.settings import Settings
from tests.cli.conftest import Cli, assert_one_line_error
from tests.conftest import init_sqlite
from tests.scenario import Scenario

ANNA, OLLE = uuid4(), uuid4()


def _cli_with_reads(tmp_path: Path) -> tuple[Cli, UUID, UUID]:
    """A store with Anna (a customer) and Olle (staff), and three reads of them."""
    url = init_sqlite(tmp_path / "homecare.db")
    with connect(url) as hc:
        scenario = Scenario(hc.app, at=datetime(2026, 1, 2, tzinfo=UTC))
        anna, olle = scenario.customer().id, scenario.staff()
    database = open_database(Settings(database_url=url))
    entries = [
        Access(
            reader=reader,
            subject_id=subject,
            subject_kind=kind,
            what="history",
            purpose="complaint 2026-14",
            channel=Channel.CLI,
            at=at,
        )
        for reader, subject, kind, at in [
            ("eva", anna, SubjectKind.CUSTOMER, datetime(2026, 3, 2, 8, tzinfo=UTC)),
            ("eva", anna, SubjectKind.CUSTOMER, datetime(2026, 3, 2, 9, tzinfo=UTC)),
            # 1 April in Stockholm
            ("olle", olle, SubjectKind.STAFF, datetime(2026, 3, 31, 22, 30, tzinfo=UTC)),
        ]
    ]
    AccessLog(database, Sealer(None)).record(entries)
    database.dispose()
    return Cli(url), anna, olle


def test_the_access_log_by_subject_and_month(tmp_path: Path) -> None:
    cli, anna, olle = _cli_with_reads(tmp_path)
    everything = cli.json("privacy", "access-log", "--json")
    assert [(e["reader"], e["subject_id"]) for e in everything] == [
        ("eva", str(anna)),
        ("eva", str(anna)),
        ("olle", str(olle)),
    ]
    assert everything[0]["purpose"] == "complaint 2026-14"
    assert len(cli.json("privacy", "access-log", "--month", "2026-03", "--json")) == 2
    assert len(cli.json("privacy", "access-log", "--subject", str(olle), "--json")) == 1
    shown = cli.ok("privacy", "access-log", "--month", "2026-04").stdout
    assert "olle" in shown
    assert "2026-04-01 00:30" in shown
    assert "eva" not in shown


def test_the_monthly_review(tmp_path: Path) -> None:
    cli, _, _ = _cli_with_reads(tmp_path)
    found = cli.json("privacy", "review", "--month", "2026-03", "--threshold", "2", "--json")
    assert [(r["reader"], r["reads"], r["why"]) for r in found["readers"]] == [
        ("eva", 2, "2 reads: at or above the threshold of 2")
    ]
    shown = cli.ok("privacy", "review", "--month", "2026-03").stdout
    assert "Who read whom" in shown
    assert "Rule: unusual" in shown


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    cli, _, _ = _cli_with_reads(tmp_path)
    assert_one_line_error(cli("privacy", "access-log", "--month", "March"), "YYYY-MM")
    assert_one_line_error(cli("privacy", "access-log", "--subject", "anna"), "subject")


def test_the_register_of_culled_subjects(tmp_path: Path) -> None:
    cli, _, _ = _cli_with_reads(tmp_path)
    assert cli.json("privacy", "culled", "--json") == []
    database = open_database(Settings(database_url=cli.url))
    keys = SubjectKeys(database, None)
    keys.seal(ANNA, SubjectKind.CUSTOMER, "Anna")
    keys.cull(ANNA)
    keys.cull(OLLE, kind=SubjectKind.STAFF)
    database.dispose()
    found = cli.json("privacy", "culled", "--json")
    assert [(c["subject_id"], c["kind"]) for c in found] == [
        (str(ANNA), "customer"),
        (str(OLLE), "staff"),
    ]
    assert str(OLLE) in cli.ok("privacy", "culled").stdout
