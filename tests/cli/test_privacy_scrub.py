"""R16 from the command line: a cull scrubs the disk once per run, and what it says
agrees with what it did, on SQLite and PostgreSQL.

With a reader held open elsewhere (a read transaction on SQLite's WAL, a
`repeatable read` transaction on PostgreSQL) the scrub cannot finish: `privacy cull
--json` then says `"scrubbed": false`, prints one warning line in the CLI's style
(no raw logger line) and exits 0 (the cull itself is done; run it again to finish
the scrub). The key is destroyed in the cull's own transaction and scrubbed once
by the run (`Culler.scrub`), never also by `SubjectKeys.cull` (which waited for
the same transaction and threw its result away) - nor once per subject in a batch.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, text

import homecare._sql.scrub as scrub_module
import homecare._sql.subject_keys as subject_keys_module
import homecare.application.shredding as shredding
from homecare.bootstrap import connect
from tests.cli.conftest import Cli
from tests.scenario import Scenario


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often a run scrubbed (`Culler.scrub`) and how often the key table scrubbed on
    its own (`SubjectKeys.cull`/`scrub`); the waits cut short."""
    calls = {"run": 0, "keys": 0}
    monkeypatch.setattr(scrub_module, "WAIT", 0.5)
    monkeypatch.setattr(scrub_module, "_TRIES", 1)  # SQLite: each try waits a busy timeout

    def run_scrub(*args: Any, **kwargs: Any) -> bool:
        calls["run"] += 1
        return scrub_module.scrub_tables(*args, **kwargs)

    def keys_scrub(*args: Any, **kwargs: Any) -> bool:
        calls["keys"] += 1
        return scrub_module.scrub(*args, **kwargs)

    monkeypatch.setattr(shredding, "scrub_tables", run_scrub)
    monkeypatch.setattr(subject_keys_module, "scrub", keys_scrub)
    return calls


def _customers(url: str, count: int) -> list[str]:
    with connect(url) as hc:
        scenario = Scenario(hc.app, at=datetime(2020, 1, 1, tzinfo=UTC))
        return [str(scenario.customer().id) for _ in range(count)]


@contextmanager
def _held_reader(url: str) -> Iterator[None]:
    """A read transaction elsewhere that keeps the old bytes reachable while it runs."""
    if url.startswith("sqlite"):
        raw = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        raw.execute("BEGIN")
        raw.execute("SELECT count(*) FROM homecare_subject_keys").fetchall()
        try:
            yield
        finally:
            raw.execute("ROLLBACK")
            raw.close()
        return
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()  # a snapshot, and no table lock
            yield
            conn.rollback()
    finally:
        engine.dispose()


def test_R16_a_held_reader_gives_scrubbed_false_and_one_warning_line(
    store_url: str, counted: dict[str, int]
) -> None:
    (customer,) = _customers(store_url, 1)
    cli = Cli(store_url)
    with _held_reader(store_url):
        result = cli.ok("privacy", "cull", "--customer", customer, "--actor", "eva", "--json")
    (done,) = json.loads(result.stdout)
    assert (done["key_destroyed"], done["scrubbed"]) == (True, False)
    (line,) = result.stderr.splitlines()  # one line, the CLI's, no raw logger line
    assert line.startswith("homecare: warning: the culled data could not be scrubbed")
    assert "run the cull again" in line
    assert counted == {"run": 1, "keys": 0}
    again = cli.ok("privacy", "cull", "--customer", customer, "--actor", "eva", "--json")
    (finished,) = json.loads(again.stdout)
    assert (finished["key_destroyed"], finished["scrubbed"]) == (False, True)
    assert again.stderr == ""
    assert counted == {"run": 2, "keys": 0}


def test_R16_a_batch_scrubs_once_and_its_json_agrees(
    store_url: str, counted: dict[str, int]
) -> None:
    customers = _customers(store_url, 3)
    cli = Cli(store_url, env={"HOMECARE_RETENTION_YEARS": "1"})
    with _held_reader(store_url):
        result = cli.ok("privacy", "cull", "--yes", "--actor", "eva", "--json")
    done = json.loads(result.stdout)
    assert sorted(d["subject_id"] for d in done) == sorted(customers)
    assert [d["scrubbed"] for d in done] == [False, False, False]
    (line,) = result.stderr.splitlines()
    assert line.startswith("homecare: warning: the culled data could not be scrubbed")
    assert counted == {"run": 1, "keys": 0}  # once for the batch, not once per subject
    register = cli.ok("privacy", "culled", "--json").stdout
    cli.ok("privacy", "cull", "--yes", "--actor", "eva")  # nothing due any more
    assert counted["keys"] == 0
    assert register


@contextmanager
def _reader_of_a_table(url: str) -> Iterator[None]:
    """A transaction elsewhere that has read a projected table and stays open (an
    operator's report left idle in its transaction): it holds SQLite's WAL, and on
    PostgreSQL a lock VACUUM FULL would queue behind, and every later reader after it."""
    if url.startswith("sqlite"):
        with _held_reader(url):
            yield
        return
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM homecare_buffer_items")).scalar_one()
            yield
            conn.rollback()
    finally:
        engine.dispose()


def test_R16_a_cull_gives_up_on_the_scrub_instead_of_stalling_behind_a_reader(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by review: PostgreSQL's VACUUM FULL waited for the reader's lock for as long
    as it stayed open (and the city's fetch queued behind it); SQLite's checkpoint waited
    the store's 30 s busy timeout per try (five tries). Now: no VACUUM FULL while an older
    transaction runs, a 2 s lock timeout, a 1 s checkpoint wait: the cull ends while the
    reader is still open, with scrubbed false. Liveness, not speed: the bound is generous."""
    import threading

    monkeypatch.setattr(scrub_module, "WAIT", 0.5)
    (customer,) = _customers(store_url, 1)
    cli = Cli(store_url)
    results: list[Any] = []
    with _reader_of_a_table(store_url):
        worker = threading.Thread(
            target=lambda: results.append(
                cli("privacy", "cull", "--customer", customer, "--actor", "eva", "--json")
            ),
            daemon=True,
        )
        worker.start()
        worker.join(timeout=60)
        ended_while_held = not worker.is_alive()
    worker.join()
    assert ended_while_held
    (result,) = results
    assert result.exit_code == 0, result.stderr
    (done,) = json.loads(result.stdout)
    assert (done["key_destroyed"], done["scrubbed"]) == (True, False)
    (line,) = result.stderr.splitlines()
    assert line.count("again") == 1  # "run the cull again" once, not twice
