"""GDPR art. 15: the export of a customer holds everything stored about them (issue 15).

Checked against lists built from the store itself: every event of the
customer's aggregates, every read-model and buffer row with their id, their
access-log entries; nothing of another customer; the export is recorded in the
access log; the key's status, never the key. On both stores, with and without
a cipher key; and through `homecare privacy export` on SQLite.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from homecare._sql.database import metadata
from homecare.bootstrap import Homecare, connect
from homecare.cli.app import app as cli
from homecare.domain.privacy import CULLED
from homecare.privacy import Channel, export
from homecare.privacy.access_log import access_log
from homecare.privacy.export import WITHHELD
from tests.conftest import init_sqlite
from tests.domain.pnr import VALID, VALID_STAFF
from tests.privacy.conftest import KEY_A
from tests.scenario import T0, Scenario, local, pair

REASON = "Inlagd på Danderyds sjukhus, avdelning 12"


def world(hc: Homecare) -> tuple[UUID, set[UUID], UUID]:
    """Tolvan with a pause and a confirmed visit, and another customer; caught up."""
    w = pair(hc.app)
    pause = w.scenario.pause(
        "customer", w.customer, T0 + timedelta(days=5), reason_text=REASON, at=T0
    )
    visit = w.visit("confirmed", start=T0 + timedelta(days=1))
    other = w.scenario.customer("Team Syd", name="Doris Annan")
    w.scenario.staff(name="Bo Personal")
    hc.catch_up()
    return w.customer, {w.customer, w.contract, w.order, pause, visit}, other.id


def expected_rows(hc: Homecare, customer: UUID) -> dict[str, int]:
    with hc.database.engine.connect() as conn:
        counts = {
            t.name: len(conn.execute(select(t).where(t.c.customer_id == customer)).all())
            for t in metadata.sorted_tables
            if "customer_id" in t.c and t is not access_log
        }
    return {name: n for name, n in counts.items() if n}


@pytest.mark.parametrize("cipher_key", [None, KEY_A], ids=["clear", "key"])
def test_the_export_holds_everything_stored_about_the_customer(
    store_url: str, cipher_key: str | None
) -> None:
    with connect(store_url, cipher_key=cipher_key) as hc:
        customer, aggregates, other = world(hc)
        found = export(hc, customer, reader="handläggare", purpose="begäran om registerutdrag")
        events = {
            (e.originator_id, e.originator_version)
            for aggregate in aggregates
            for e in hc.app.events.get(aggregate)
        }
        rows = expected_rows(hc, customer)
    assert {(UUID(e["aggregate_id"]), e["version"]) for e in found["events"]} == {
        (UUID(str(i)), v) for i, v in events
    }
    assert {name: len(r) for name, r in found["rows"].items()} == rows
    assert "homecare_buffer_items" in rows
    assert "homecare_pause_overview_pauses" in rows
    text = json.dumps(found, ensure_ascii=False)
    for clear in (VALID, "Tolvan Tolvansson", REASON):
        assert clear in text, clear  # opened, events and rows alike
    items = found["rows"]["homecare_buffer_items"]
    assert all(VALID in (item["payload"] or VALID) for item in items)  # payloads opened
    assert str(other) not in text
    assert "Doris Annan" not in text
    assert "Bo Personal" not in text
    assert found["key"]["created_at"]
    assert found["key"]["culled_at"] is None
    assert "data_key" not in text
    (entry,) = found["access_log"]
    assert (entry["what"], entry["reader"], entry["channel"]) == ("export", "handläggare", "facade")
    assert entry["subject_id"] == str(customer)


def test_a_culled_customer_exports_the_markers(store_url: str) -> None:
    with connect(store_url) as hc:
        customer, _, _ = world(hc)
        hc.cull(customer, actor="dataskydd", at=T0 + timedelta(days=400))
        found = export(hc, customer, reader="dataskydd", channel=Channel.CLI)
    text = json.dumps(found, ensure_ascii=False)
    assert VALID not in text
    assert "Tolvan Tolvansson" not in text
    assert REASON not in text
    assert CULLED.text in text
    assert found["key"]["culled_at"] is not None


def test_homecare_privacy_export_writes_the_file_and_logs_it(tmp_path: Path) -> None:
    url = init_sqlite(tmp_path / "store.db")
    with connect(url) as hc:
        customer, _, _ = world(hc)
    out = tmp_path / "export.json"
    result = CliRunner().invoke(
        cli,
        ["--db", url, "privacy", "export", "--customer", str(customer), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    found = json.loads(out.read_text(encoding="utf-8"))
    assert found["subject"]["id"] == str(customer)
    assert "Tolvan Tolvansson" in out.read_text(encoding="utf-8")
    assert out.stat().st_mode & 0o077 == 0  # the owner's only: the full personnummer
    with connect(url) as hc:
        (entry,) = hc.access.entries(subject=customer)
    assert (entry.what, entry.channel) == ("export", "cli")


def test_R17_the_export_carries_the_customer_s_data_not_the_staff_member_s(hc: Homecare) -> None:
    """The reviewer's case: the visit report's payload carried the staff member's full
    personnummer (and SD number) into the customer's export, a read of the staff
    member that was not recorded. A relative's number in a free text goes too; the
    customer's own number, in every form, stays."""
    s = Scenario(hc.app)
    c = s.customer(personnummer=VALID)
    k = s.staff(personnummer=VALID_STAFF, sd_number="SD-4711")
    s.visit(c, k, day=date(2026, 3, 2))
    relative = "Ring dottern 19850611-4564 först, inte 191212121212:s granne"
    s.pause("customer", c.id, local(2026, 4, 1), reason_text=relative)
    hc.catch_up()
    found = export(hc, c.id, reader="handläggare")
    text = json.dumps(found, ensure_ascii=False)
    for staff_number in (VALID_STAFF, f"{VALID_STAFF[:8]}-{VALID_STAFF[8:]}", "SD-4711"):
        assert staff_number not in text
    assert "19850611-4564" not in text
    assert f"Ring dottern {WITHHELD} först, inte 191212121212:s granne" in text
    items = found["rows"]["homecare_buffer_items"]
    (payload,) = [
        json.loads(i["payload"]) for i in items if i["kind"] == "visit_report" and i["payload"]
    ]
    assert payload["customer_personnummer"] == VALID  # the customer's own, whole
    assert (payload["staff_personnummer"], payload["staff_sd_number"]) == (WITHHELD, WITHHELD)
    assert [e.subject_kind.value for e in hc.access.entries()] == ["customer"]  # the export
