"""The worker stops on a store that waiting cannot bring back, and says why.

It retried such a store forever (`storage error, retrying ... StorageError: The store
failed: ProgrammingError.`, backing off to 30 s) while every other command refused
it in one line: tables dropped (`DROP SCHEMA ... CASCADE`), or, on SQLite, the
store's file deleted or replaced under it (it then went on projecting into a file
nobody could open). A store that does not answer is still retried
(tests/worker/test_lease.py: every connection killed).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import sqlalchemy.exc as sa
from sqlalchemy import inspect

from homecare.bootstrap import Homecare, connect
from homecare.errors import (
    ProjectionStoppedError,
    SchemaDriftError,
    StorageError,
    StoreNotInitialisedError,
)
from homecare.worker import Worker, WorkerOptions
from tests.conftest import init_sqlite
from tests.scenario import Scenario

FAST = WorkerOptions(idle_min=0.01, idle_max=0.1, retry_initial=0.05, retry_max=0.2)
HOMECARE = str(Path(sys.executable).with_name("homecare"))


class Running:
    """A worker in a thread; `ended` holds what `run` raised (or None), once it returned."""

    def __init__(self, hc: Homecare) -> None:
        self.worker = Worker(hc, FAST)
        self.stop = threading.Event()
        self.ended: list[BaseException | None] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        _wait(lambda: self.worker.lease.held, "the lease")

    def _run(self) -> None:
        try:
            self.worker.run(self.stop)
        except BaseException as error:  # what the test looks at
            self.ended.append(error)
        else:
            self.ended.append(None)

    def outcome(self, timeout: float = 30) -> BaseException | None:
        self.thread.join(timeout)
        if self.thread.is_alive():
            self.stop.set()
            self.thread.join(30)
            pytest.fail("the worker was still retrying a store that cannot come back")
        return self.ended[0]


def _wait(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def _drop(store_url: str, tables: list[str]) -> None:
    """DROP `tables` in one transaction (the worker never sees half of it)."""
    if store_url.startswith("sqlite"):
        conn = sqlite3.connect(store_url.removeprefix("sqlite:///"))
        try:
            conn.executescript(f"BEGIN; {' '.join(f'DROP TABLE {t};' for t in tables)} COMMIT;")
        finally:
            conn.close()
        return
    plain = store_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        # A DROP that lands in a page waits for the page's locks while the page's read of
        # the event table (another connection) waits for the DROP: give up and try again.
        conn.execute("SET lock_timeout = '1s'")
        for _ in range(30):
            try:
                conn.execute(f"DROP TABLE {', '.join(tables)} CASCADE")
                return
            except psycopg.errors.LockNotAvailable:
                continue
        pytest.fail("could not drop the tables")


def _every_table(store_url: str) -> list[str]:
    with connect(store_url) as hc, hc.database.engine.connect() as conn:
        return sorted(inspect(conn).get_table_names())


def test_a_store_whose_tables_are_all_gone_stops_the_worker(
    store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    tables = _every_table(store_url)
    with connect(store_url) as hc:
        running = Running(hc)
        _drop(store_url, tables)
        with caplog.at_level(logging.INFO, logger="homecare.worker"):
            ended = running.outcome()
    assert isinstance(ended, StoreNotInitialisedError)
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert said == [f"the store cannot be used, stopping: store_not_initialised: {ended.message}"]
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]


def test_a_store_missing_a_projection_table_stops_the_worker(store_url: str) -> None:
    """Not a stopped projection (D10: an event it cannot apply, retried): its table is
    gone, which `homecare db check` calls drift."""
    with connect(store_url) as writer, connect(store_url) as hc:
        world = Scenario(writer.app)
        customer, staff = world.customer(), world.staff()  # the writer's key proven (D8)
        running = Running(hc)
        _drop(store_url, ["homecare_buffer_items"])
        world.visit(customer, staff)  # a confirmed visit: a buffer item
        ended = running.outcome()
    assert isinstance(ended, SchemaDriftError)
    assert "homecare_buffer_items" in ended.message


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_sqlite_file_deleted_or_replaced_under_the_worker_stops_it(
    tmp_path: Path, how: str
) -> None:
    path = tmp_path / "store.db"
    url = init_sqlite(path)
    with connect(url) as hc:
        running = Running(hc)
        other = tmp_path / "other.db"
        shutil.copyfile(path, other)
        for side in tmp_path.glob("store.db-*"):
            side.unlink()
        if how == "deleted":
            path.unlink()
        else:
            os.replace(other, path)  # another store moved over it
        ended = running.outcome()  # it polls: its next look at the log finds out
    assert type(ended) is StorageError
    assert f"The store's file {path} was {how}" in ended.message
    if how == "replaced":
        with connect(url) as fresh:  # nothing was projected into the file now there
            assert fresh.buffer.delivered_position() == 0
            assert all(runner.position() == 0 for runner in fresh.runners)


def test_the_worker_command_exits_1_saying_why(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    url = init_sqlite(path)
    log = tmp_path / "worker.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMECARE_")}
    with log.open("wb") as out:
        proc = subprocess.Popen([HOMECARE, "--db", url, "worker"], stdout=out, stderr=out, env=env)
    try:
        _wait(lambda: "holding the lease" in log.read_text() or proc.poll() is not None, "lease")
        assert proc.poll() is None, log.read_text()
        for side in [path, *tmp_path.glob("w.db-*")]:
            side.unlink()
        assert proc.wait(timeout=60) == 1, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    shown = log.read_text()
    assert f"homecare: error: storage_error: The store's file {path} was deleted" in shown
    assert "stopping: storage_error" in shown
    assert "Traceback" not in shown


def _from(cause: BaseException) -> StorageError:
    error = StorageError("The store failed.")
    error.__cause__ = cause
    return error


def test_what_waiting_can_fix_is_retried(store_url: str) -> None:
    """A store that does not answer, a lock, a stopped projection over tables as made
    (D10): retried as before; only the store's lasting state stops the worker."""
    with connect(store_url) as hc:
        worker = Worker(hc, FAST)
        unreachable = sa.OperationalError("SELECT 1", {}, Exception("connection refused"))
        assert worker._lasting(_from(unreachable)) is None
        assert worker._lasting(OSError("the lease's lock file")) is None
        assert worker._lasting(ProjectionStoppedError("cannot apply event 7")) is None
        missing = sa.ProgrammingError("SELECT 1", {}, Exception("relation does not exist"))
        assert worker._lasting(_from(missing)) is None  # the tables are there: not lasting
