"""A SQLite store on read-only media (an auditor reading a backup): the read commands work.

A store in WAL mode needs a `-shm` file beside it, which SQLite cannot create in a folder
it cannot write; every read failed with `unable to open database file`. On a read-only
mount the file is now read as immutable; where a log beside it still holds changes, or
the folder is only not writable by this user, the one line says why and what to do.
The real mount needs root and mount namespaces (`unshare -m`); elsewhere those tests
are skipped and the in-process one stands in.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import homecare
from homecare._sql import sqlite_file
from homecare.bootstrap import connect
from homecare.cli.app import app as cli_app
from tests.cli.conftest import assert_one_line_error, separate_streams_runner
from tests.conftest import init_sqlite
from tests.scenario import pair

SRC = Path(homecare.__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A closed store in WAL mode, with a month of buffer and events nobody projected."""
    folder = tmp_path / "media"
    folder.mkdir()
    url = init_sqlite(folder / "demo.db")
    with connect(url) as hc:
        pair(hc.app).visit("confirmed")
        hc.catch_up()
        pair(hc.app)
    return folder / "demo.db"


def _read_only_mount(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`homecare ARGS` run with `folder` bind-mounted read-only over itself (its own mount
    namespace: nothing outside the command sees the mount)."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("unshare and mount are not available here")
    mount = f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder}"
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"{mount} && touch {folder}/probe"],
        capture_output=True,
        text=True,
    )
    if "Read-only file system" not in probe.stderr:
        pytest.skip(f"no read-only bind mount here (root and mount namespaces needed): {probe}")
    command = [sys.executable, "-c", "from homecare.cli import main; main()", *args]
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", f'{mount} && exec "$@"', "sh", *command],
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONPATH": str(SRC), "COLUMNS": "200"},
        timeout=120,
    )


def test_the_read_commands_work_on_a_read_only_mount(store: Path) -> None:
    """The reviewer's example: `buffer month 2026-03` on a store in a read-only folder."""
    before = sorted(p.name for p in store.parent.iterdir())
    content = store.read_bytes()
    url = f"sqlite:///{store}"
    for command in (("buffer", "month", "2026-03"), ("status",), ("db", "check")):
        result = _read_only_mount(store.parent, "--db", url, *command)
        assert result.returncode == 0, result.stderr
        assert "unable to open" not in result.stderr
    month = _read_only_mount(store.parent, "--db", url, "buffer", "problems")
    assert "no_valid_decision" in month.stdout
    assert "read-only store" in month.stderr  # the events nobody projected cannot be
    assert sorted(p.name for p in store.parent.iterdir()) == before
    assert store.read_bytes() == content


def test_a_log_beside_the_file_on_a_read_only_mount_says_to_copy_both(
    store: Path, tmp_path: Path
) -> None:
    """Committed changes still in `demo.db-wal` (a copy taken while the store was open):
    reading the file alone would miss them, so the line says what to copy instead."""
    copy = tmp_path / "copy"
    copy.mkdir()
    with sqlite3.connect(store) as writer:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute(
            "INSERT INTO homecare_fetches (fetched_at, token, count) "
            "VALUES ('2026-03-02 08:00:00', 'city', 0)"
        )
        writer.commit()
        shutil.copyfile(store, copy / "demo.db")
        shutil.copyfile(store.with_name("demo.db-wal"), copy / "demo.db-wal")
    assert (copy / "demo.db-wal").stat().st_size > 0
    result = _read_only_mount(copy, "--db", f"sqlite:///{copy}/demo.db", "buffer", "problems")
    assert result.returncode == 1, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("homecare: error: storage_error: Cannot open the store at")
    assert "demo.db-wal" in lines[0]
    assert "copy demo.db with demo.db-wal to a writable folder" in lines[0]


def test_a_store_on_a_read_only_mount_is_read_as_immutable(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process, the mount faked: reads answer, a write is refused as read-only, and
    nothing is created beside the file (no `-shm`, no `-wal`)."""
    monkeypatch.setattr(sqlite_file, "_on_read_only_mount", lambda folder: True)
    before = sorted(p.name for p in store.parent.iterdir())
    with connect(f"sqlite:///{store}") as hc:
        assert hc.database.immutable
        assert hc.app.recorder.max_notification_id()
        assert len(hc.buffer.integration_statuses()) == 1
        with pytest.raises(homecare.StorageError, match="read-only"):
            pair(hc.app)
    assert sorted(p.name for p in store.parent.iterdir()) == before


def test_a_read_only_file_in_rollback_journal_mode_says_what_to_do(store: Path) -> None:
    """A `VACUUM INTO` copy made immutable (`chattr +i`): it cannot be switched to WAL, and
    eventsourcing's recorder failed on it with `internal_error: an unexpected
    OperationalError`. One line now names the cause and the way out."""
    copy = store.with_name("vac2.db")
    with sqlite3.connect(store) as source:
        source.execute(f"VACUUM INTO '{copy}'")
    if subprocess.run(["chattr", "+i", str(copy)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        result = separate_streams_runner().invoke(
            cli_app, ["--db", f"sqlite:///{copy}", "buffer", "problems"]
        )
        assert_one_line_error(result, "storage_error", "rollback-journal mode", "db upgrade")
    finally:
        subprocess.run(["chattr", "-i", str(copy)], check=True)


def test_a_folder_this_user_cannot_write_is_named_with_the_way_out(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a read-only mount, only a folder this user may not write (root may, so faked):
    the file is not read as immutable (its owner may be writing it), and the line that
    replaces `unable to open database file` says why and what to do."""
    monkeypatch.setattr(sqlite_file.os, "access", lambda path, mode: False)
    assert not sqlite_file.immutable_here(store)
    problem = sqlite_file.folder_problem(store)
    assert problem is not None
    assert f"its folder {store.parent} is not writable" in problem
    assert "copy demo.db to a writable folder" in problem
    assert sqlite_file.folder_problem(store.with_name("absent.db")) is None
