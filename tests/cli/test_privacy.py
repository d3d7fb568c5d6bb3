"""R17 from the command line: `homecare privacy access-log` and `homecare privacy review`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from homecare._sql.subject_keys import SubjectKeys
from homecare.bootstrap import open_database
from homecare.domain.privacy import SubjectKind
from homecare.privacy import Access, AccessLog, Channel
from homecare.settings import Settings
from tests.cli.conftest import Cli, assert_one_line_error
from tests.conftest import init_sqlite

ANNA, OLLE = uuid4(), uuid4()


def _cli_with_reads(tmp_path: Path) -> Cli:
    url = init_sqlite(tmp_path / "homecare.db")
    database = open_database(Settings(database_url=url))
    entries = [
        Access(
            reader=reader,
            subject_id=subject,
            subject_kind=SubjectKind.CUSTOMER,
            what="history",
            purpose="complaint 2026-14",
            channel=Channel.CLI,
            at=at,
        )
        for reader, subject, at in [
            ("eva", ANNA, datetime(2026, 3, 2, 8, tzinfo=UTC)),
            ("eva", ANNA, datetime(2026, 3, 2, 9, tzinfo=UTC)),
            ("olle", OLLE, datetime(2026, 3, 31, 22, 30, tzinfo=UTC)),  # 1 April in Stockholm
        ]
    ]
    AccessLog(database).record(entries)
    database.dispose()
    return Cli(url)


def test_the_access_log_by_subject_and_month(tmp_path: Path) -> None:
    cli = _cli_with_reads(tmp_path)
    everything = cli.json("privacy", "access-log", "--json")
    assert [(e["reader"], e["subject_id"]) for e in everything] == [
        ("eva", str(ANNA)),
        ("eva", str(ANNA)),
        ("olle", str(OLLE)),
    ]
    assert everything[0]["purpose"] == "complaint 2026-14"
    assert len(cli.json("privacy", "access-log", "--month", "2026-03", "--json")) == 2
    assert len(cli.json("privacy", "access-log", "--subject", str(OLLE), "--json")) == 1
    shown = cli.ok("privacy", "access-log", "--month", "2026-04").stdout
    assert "olle" in shown
    assert "2026-04-01 00:30" in shown
    assert "eva" not in shown


def test_the_monthly_review(tmp_path: Path) -> None:
    cli = _cli_with_reads(tmp_path)
    found = cli.json("privacy", "review", "--month", "2026-03", "--threshold", "2", "--json")
    assert [(r["reader"], r["reads"], r["why"]) for r in found["readers"]] == [
        ("eva", 2, "2 reads: at or above the threshold of 2")
    ]
    shown = cli.ok("privacy", "review", "--month", "2026-03").stdout
    assert "Who read whom" in shown
    assert "Rule: unusual" in shown


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    cli = _cli_with_reads(tmp_path)
    assert_one_line_error(cli("privacy", "access-log", "--month", "March"), "YYYY-MM")
    assert_one_line_error(cli("privacy", "access-log", "--subject", "anna"), "subject")


def test_the_register_of_culled_subjects(tmp_path: Path) -> None:
    cli = _cli_with_reads(tmp_path)
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
