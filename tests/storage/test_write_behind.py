"""A SQLite connection whose statements run in a process of their own (issue 16).

`homecare._sql.write_behind` is what `audit verify` writes its scratch store
through. It must be indistinguishable from a plain connection to whoever reads
what it returns (reads see every earlier write, counts are right, the file ends
the same), raise every failure, and never leave its process behind.
"""

from __future__ import annotations

import enum
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy.exc as sa_exc
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, create_engine, text

from homecare._sql._write_behind_child import EVERY_ROW
from homecare._sql.write_behind import LateCount, WriteBehind
from homecare._sql.write_behind_store import WriteBehindStore
from homecare.audit import verify
from homecare.bootstrap import Homecare
from homecare.demo import run_demo
from homecare.errors import StorageError

_TABLE = "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)"
_UNTYPED = "CREATE TABLE u (k INTEGER PRIMARY KEY, v)"


def _file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "scratch.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(_TABLE)
        conn.execute(_UNTYPED)
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[WriteBehindStore]:
    behind = WriteBehindStore(_file(tmp_path))
    yield behind
    behind.close()


def _child(store: WriteBehindStore) -> subprocess.Popen[bytes]:
    with store.engine.connect() as conn:
        behind = conn.connection.dbapi_connection
        assert isinstance(behind, WriteBehind)
        return behind._process


def test_reads_see_the_writes_before_them_and_counts_arrive_late(store: WriteBehindStore) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b"), (3, "c")])
        updated = conn.exec_driver_sql("UPDATE t SET v = 'z' WHERE k >= ?", (2,))
        missed = conn.exec_driver_sql("UPDATE t SET v = 'y' WHERE k = ?", (9,))
        assert isinstance(updated.rowcount, LateCount)
        assert updated.rowcount == 2
        assert missed.rowcount == 0
        assert not missed.rowcount
        assert conn.execute(text("SELECT k, v FROM t ORDER BY k")).all() == [
            (1, "a"),
            (2, "z"),
            (3, "z"),
        ]
        cursor = conn.connection.cursor()
        cursor.execute("INSERT INTO t (v) VALUES ('d')")
        assert cursor.lastrowid == 4
    with sqlite3.connect(_path(store)) as plain:
        assert plain.execute("SELECT count(*) FROM t").fetchone() == (4,)


def _path(store: WriteBehindStore) -> str:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("PRAGMA database_list").all()
    return str(rows[0][2])


def test_reads_of_tables_the_transaction_has_not_written_run_here(
    store: WriteBehindStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`write_behind_reads`: after the child ran the transactions before, a read of a
    table the open transaction has not written is read here; the others by the child."""
    asked: list[str] = []
    query = WriteBehind.query

    def counted(self: WriteBehind, sql: str, params: Any, **kwargs: Any) -> tuple[Any, ...]:
        asked.append(sql)
        return query(self, sql, params, **kwargs)

    monkeypatch.setattr(WriteBehind, "query", counted)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO u VALUES (1, 'x')")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1, 'a')")
        assert conn.exec_driver_sql("SELECT v FROM u").all() == [("x",)]
        assert conn.exec_driver_sql("SELECT v FROM t").all() == [("a",)]
        assert conn.exec_driver_sql("SELECT u.v FROM u JOIN t USING (k)").all() == [("x",)]
    assert asked == ["SELECT v FROM t", "SELECT u.v FROM u JOIN t USING (k)"]


_CASES = {
    "a write returning rows": (
        [],
        ["BEGIN", "INSERT INTO t VALUES (1, 'x') RETURNING k", "SELECT * FROM t", "COMMIT"],
    ),
    "a write after WITH": (
        [],
        [
            "BEGIN",
            "WITH c(x) AS (SELECT 1) INSERT INTO t SELECT x, 'y' FROM c",
            "SELECT * FROM t",
            "COMMIT",
            "SELECT * FROM t",
        ],
    ),
    "a trigger": (
        [
            "CREATE TABLE a (k)",
            "CREATE TABLE b (k)",
            "CREATE TRIGGER copy AFTER INSERT ON a BEGIN INSERT INTO b VALUES (new.k); END",
        ],
        ["BEGIN", "INSERT INTO a VALUES (1)", "SELECT * FROM b", "COMMIT"],
    ),
    "a view": (
        ["CREATE VIEW tv AS SELECT k, v FROM t"],
        ["BEGIN", "INSERT INTO t VALUES (1, 'x')", "SELECT * FROM tv", "COMMIT"],
    ),
    "a table created": (
        [],
        ["BEGIN", "CREATE TABLE n AS SELECT 1 AS k", "SELECT * FROM n", "COMMIT"],
    ),
    "a table dropped": (
        ["INSERT INTO u VALUES (1, 'x')"],
        ["BEGIN", "DROP TABLE u", "SELECT * FROM u", "SELECT count(*) FROM t", "COMMIT"],
    ),
    "a temp table": (
        [],
        [
            "CREATE TEMP TABLE x (k)",
            "BEGIN",
            "INSERT INTO x VALUES (1)",
            "COMMIT",
            "SELECT * FROM x",
        ],
    ),
    "the connection's own state": (
        [],
        [
            "BEGIN",
            "INSERT INTO t VALUES (42, 'x')",
            "COMMIT",
            "SELECT last_insert_rowid()",
            "SELECT changes(), total_changes()",
        ],
    ),
    "a pragma set": (
        ["INSERT INTO u VALUES (1, 'abc')"],
        ["PRAGMA case_sensitive_like=ON", "SELECT count(*) FROM u WHERE v LIKE 'ABC'"],
    ),
    "a savepoint rolled back to": (
        [],
        [
            "BEGIN",
            "INSERT INTO t VALUES (1, 'x')",
            "SAVEPOINT s",
            "INSERT INTO u VALUES (2, 'y')",
            "ROLLBACK TO s",
            "SELECT * FROM t",
            "SELECT * FROM u",
            "COMMIT",
            "SELECT * FROM t",
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_a_read_sees_what_a_plain_connection_sees(tmp_path: Path, case: str) -> None:
    """What a second reviewer found read differently here than in the child: every read
    the same rows (or the same error) as one plain connection."""
    schema, steps = _CASES[case]
    seen = []
    for folder, make in (("plain", _plain), ("behind", _behind)):
        path = _file(tmp_path / folder)
        with sqlite3.connect(path) as conn:
            for sql in schema:
                conn.execute(sql)
        seen.append(_run(make(path), steps))
    assert seen[1] == seen[0]


def _plain(path: Path) -> Any:
    return sqlite3.connect(path, isolation_level=None)


def _behind(path: Path) -> Any:
    return WriteBehind(path)


def _run(conn: Any, steps: list[str]) -> list[Any]:
    results: list[Any] = []
    cursor = conn.cursor()
    for sql in steps:
        try:
            cursor.execute(sql)
            results.append(cursor.fetchall())
        except sqlite3.Error as error:
            results.append(type(error).__name__)
    conn.close()
    return results


def test_a_file_not_in_wal_mode_is_read_by_the_child(tmp_path: Path) -> None:
    """A writer's lock would block a reader here: no reads here (and no wait)."""
    path = tmp_path / "rollback-journal.db"
    with sqlite3.connect(path) as conn:
        conn.execute(_TABLE)
        conn.execute(_UNTYPED)
    behind = WriteBehind(path, cache_mb=1)
    cursor = behind.cursor()
    cursor.execute("BEGIN")
    cursor.executemany("INSERT INTO t VALUES (?, ?)", [(k, "x" * 2000) for k in range(3000)])
    assert cursor.execute("SELECT count(*) FROM u").fetchall() == [(0,)]
    behind.rollback()
    behind.close()


def test_a_relative_path_is_the_same_file_after_a_change_of_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _file(tmp_path / "here")
    monkeypatch.chdir(tmp_path / "here")
    behind = WriteBehind(Path("scratch.db"))
    cursor = behind.cursor()
    cursor.execute("INSERT INTO u VALUES (1, 'x')")
    monkeypatch.chdir(tmp_path)
    assert cursor.execute("SELECT v FROM u").fetchall() == [("x",)]
    behind.close()


def test_an_upsert_by_row_count_works_as_on_a_plain_connection(store: WriteBehindStore) -> None:
    """The pattern `Database.set_position` uses: UPDATE, and INSERT if it matched nothing."""
    for value in ("first", "second"):
        with store.engine.begin() as conn:
            updated = conn.exec_driver_sql("UPDATE t SET v = ? WHERE k = 7", (value,))
            if updated.rowcount == 0:
                conn.exec_driver_sql("INSERT INTO t VALUES (7, ?)", (value,))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT k, v FROM t").all() == [(7, "second")]


def test_a_failed_write_is_raised_by_the_next_read_and_its_transaction_is_lost(
    store: WriteBehindStore,
) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1, 'kept')")
    with pytest.raises(sa_exc.IntegrityError, match=r"UNIQUE constraint failed.*INSERT INTO t"):
        _insert_a_key_twice(store)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT k, v FROM t").all() == [(1, "kept")]


def _insert_a_key_twice(store: WriteBehindStore) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (2, 'lost')")
        conn.exec_driver_sql("INSERT INTO t VALUES (1, 'twice')")  # fails in the child
        conn.exec_driver_sql("INSERT INTO t VALUES (3, 'skipped')")
        conn.exec_driver_sql("SELECT count(*) FROM t")


def test_a_caught_failure_is_never_committed_in_part(store: WriteBehindStore) -> None:
    """On a plain connection a failed statement leaves the others to be committed; here
    the transaction is lost whole, and committing it is refused until a rollback."""
    with pytest.raises(sa_exc.OperationalError, match="roll back first: UNIQUE constraint"):
        _catch_and_commit(store)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT k, v FROM t").all() == [(1, "kept")]


def _catch_and_commit(store: WriteBehindStore) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1, 'kept')")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (2, 'lost')")
        conn.exec_driver_sql("INSERT INTO t VALUES (1, 'twice')")
        with pytest.raises(sa_exc.IntegrityError):
            conn.exec_driver_sql("SELECT 1")
        with pytest.raises(sa_exc.OperationalError, match="roll back first"):
            conn.exec_driver_sql("INSERT INTO t VALUES (3, 'refused')")
    # leaving the block commits: refused


def test_a_write_failed_before_the_commit_loses_its_whole_transaction(
    store: WriteBehindStore,
) -> None:
    """The audit's case: a page's writes and its commit are sent before the child runs
    them; the commit after a failure is not run (told at the next read or sync)."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (2, 'lost')")
        conn.exec_driver_sql("INSERT INTO t VALUES (2, 'twice')")  # fails in the child
        conn.exec_driver_sql("INSERT INTO t VALUES (3, 'skipped')")
    with pytest.raises(sa_exc.IntegrityError, match="UNIQUE constraint failed"):
        store.sync()
    with store.engine.connect():
        pass  # the pool rolls back what it is handed back
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT k FROM t").all() == []


def test_an_update_of_every_row_that_misses_one_loses_its_transaction(
    store: WriteBehindStore,
) -> None:
    """A patch's UPDATE (`RowCache.patch`) must find each of its keys: the child checks
    the count a plain connection's caller would, and fails the transaction before its
    commit, told at the next sync as LookupError."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1, 'kept')")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (3, 'lost')")
        conn.exec_driver_sql("UPDATE t SET v = ? WHERE k = ?" + EVERY_ROW, [("x", 1), ("y", 2)])
    with pytest.raises(LookupError, match=r"UPDATE t: 1 of 2 rows to update are not stored"):
        store.sync()
    with store.engine.connect():
        pass  # the pool rolls back what it is handed back
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT k, v FROM t").all() == [(1, "kept")]
        conn.exec_driver_sql("UPDATE t SET v = ? WHERE k = ?" + EVERY_ROW, [("x", 1)])
        assert conn.exec_driver_sql("SELECT v FROM t").all() == [("x",)]


def test_an_update_of_every_row_of_one_row_that_misses_it_fails(store: WriteBehindStore) -> None:
    """SQLAlchemy sends a single parameter set with execute, not executemany."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (3, 'lost')")
        conn.exec_driver_sql("UPDATE t SET v = ? WHERE k = ?" + EVERY_ROW, [("y", 2)])
    with pytest.raises(LookupError, match=r"UPDATE t: 1 of 1 rows to update are not stored"):
        store.sync()
    with store.engine.connect():
        pass  # the pool rolls back what it is handed back
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT k FROM t").all() == []


def test_a_failure_after_the_last_read_is_raised_by_sync(store: WriteBehindStore) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1, 'a'), (1, 'b')")
    for _ in range(2):  # told until rolled back
        with pytest.raises(sa_exc.IntegrityError, match="UNIQUE constraint failed"):
            store.sync()
    with store.engine.connect():
        pass  # the pool rolls back what it is handed back
    store.sync()


def test_a_statement_of_no_such_table_fails_like_on_a_plain_connection(
    store: WriteBehindStore,
) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO missing VALUES (1)")
    with pytest.raises(sa_exc.OperationalError, match="no such table: missing"):
        store.sync()


def test_a_child_that_dies_is_an_error_not_a_hang(store: WriteBehindStore) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1, 'a')")
    _child(store).kill()
    with store.engine.connect() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (2, 'b')")
        with pytest.raises(sa_exc.OperationalError, match="write-behind process ended"):
            conn.exec_driver_sql("SELECT 1")


def test_close_runs_what_was_sent_and_ends_the_child(tmp_path: Path) -> None:
    path = _file(tmp_path)
    store = WriteBehindStore(path)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (?, ?)", [(k, "v") for k in range(1000)])
    child = _child(store)
    store.close()
    assert child.poll() is not None
    with sqlite3.connect(path) as plain:
        assert plain.execute("SELECT count(*) FROM t").fetchone() == (1000,)


def test_abandoning_kills_the_child_at_once(tmp_path: Path) -> None:
    store = WriteBehindStore(_file(tmp_path))
    child = _child(store)
    store.close(abandon=True)
    assert child.returncode == -signal.SIGKILL


def test_the_child_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    """A host killed mid-verify leaves no process behind: the child sees its pipe close."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from homecare._sql.write_behind_store import WriteBehindStore
        store = WriteBehindStore(Path({str(_file(tmp_path))!r}))
        with store.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1, 'a')")
            behind = conn.connection.dbapi_connection
            print(behind._process.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    parent = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert parent.returncode == -signal.SIGKILL, parent.stderr
    pid = int(parent.stdout.split()[0])
    deadline = time.monotonic() + 20
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_executemany_of_a_read_is_refused_as_by_sqlite3(store: WriteBehindStore) -> None:
    with store.engine.connect() as conn:
        with pytest.raises(sa_exc.ProgrammingError, match=r"^\(sqlite3.ProgrammingError\) exec"):
            conn.exec_driver_sql("SELECT ?", [(1,), (2,)])
        assert conn.exec_driver_sql("SELECT 1").all() == [(1,)]  # a read's failure is its own


# -- values, counts and statements as on a plain connection ---------------------------


class _Level(enum.StrEnum):
    """A type of the caller's, which the child cannot import: sent as its value."""

    HIGH = "high"


class _Rank(enum.IntEnum):
    FIRST = 1


_VALUES: list[Any] = [
    _Level.HIGH,
    _Rank.FIRST,
    True,
    1.5,
    b"\x00\xff",
    bytearray(b"ab"),
    memoryview(b"cd"),
    date(2026, 3, 29),
    datetime(2026, 3, 29, 2, 30, 1, 5),
    "ö ✓",
    None,
    2**63 - 1,
]


def test_values_are_stored_as_sqlite3_binds_them(tmp_path: Path) -> None:
    plain, behind = _file(tmp_path / "plain"), _file(tmp_path / "behind")
    with sqlite3.connect(plain) as conn:
        conn.executemany("INSERT INTO u VALUES (?, ?)", list(enumerate(_VALUES)))
    store = WriteBehindStore(behind)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO u VALUES (?, ?)", list(enumerate(_VALUES)))
    store.close()
    stored = "SELECT k, v, typeof(v) FROM u ORDER BY k"
    with sqlite3.connect(plain) as a, sqlite3.connect(behind) as b:
        assert b.execute(stored).fetchall() == a.execute(stored).fetchall()


def test_a_value_sqlite3_cannot_bind_is_refused_at_once(store: WriteBehindStore) -> None:
    with store.engine.connect() as conn:
        with pytest.raises(sa_exc.ProgrammingError, match="type 'object' is not supported"):
            conn.exec_driver_sql("INSERT INTO t VALUES (1, ?)", (object(),))
        conn.exec_driver_sql("INSERT INTO t VALUES (2, 'b')")
        assert conn.exec_driver_sql("SELECT k FROM t").all() == [(2,)]


def test_an_int_too_large_fails_as_in_sqlite3(store: WriteBehindStore) -> None:
    with store.engine.connect() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (?, 'a')", (2**70,))
        with pytest.raises(OverflowError, match="too large"):
            conn.exec_driver_sql("SELECT 1")


def test_a_late_count_is_a_number(store: WriteBehindStore) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (?, ?)", [(k, "v") for k in range(3)])
        count = conn.exec_driver_sql("UPDATE t SET v = 'w'").rowcount
        assert count >= 3
        assert count <= 3
        assert count != 2
        assert 0 + count == sum([count]) == count - 0 == 3
        assert f"{count:d}" == str(count) == "3"
        assert float(count) == 3.0


def test_each_cursor_has_its_own_lastrowid(store: WriteBehindStore) -> None:
    with store.engine.connect() as conn:
        first, second = conn.connection.cursor(), conn.connection.cursor()
        assert first.lastrowid is None
        first.execute("INSERT INTO t (v) VALUES ('a')")
        second.execute("INSERT INTO t VALUES (100, 'b')")
        assert first.lastrowid == 1
        assert second.lastrowid == 100
        conn.rollback()


def test_statements_are_told_apart_past_comments(store: WriteBehindStore) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("/* hint */ INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b")])
        conn.exec_driver_sql("WITH z AS (SELECT 3) INSERT INTO t SELECT *, 'c' FROM z", ())
        returned = conn.exec_driver_sql("INSERT INTO t VALUES (4, 'd') RETURNING k").all()
        assert returned == [(4,)]
        assert conn.exec_driver_sql("-- all\nSELECT count(*) FROM t").scalar() == 4


def test_a_failed_read_leaves_its_transaction_as_sqlite3_does(store: WriteBehindStore) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (7, 'kept')")
        with pytest.raises(sa_exc.OperationalError, match=r"^.{0,40}no such column"):
            conn.exec_driver_sql("SELECT nosuchcolumn FROM t")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT k FROM t").all() == [(7,)]


def test_a_rollback_in_sql_clears_a_failure_told(store: WriteBehindStore) -> None:
    with store.engine.connect() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1, 'a'), (1, 'b')")
        with pytest.raises(sa_exc.IntegrityError):
            conn.exec_driver_sql("SELECT 1")
        conn.exec_driver_sql("ROLLBACK")
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0


def test_the_child_deletes_securely_and_knows_sqlalchemys_functions(
    store: WriteBehindStore,
) -> None:
    """R16: as every read-side SQLite connection; REGEXP and floor as SQLAlchemy's."""
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert conn.exec_driver_sql("SELECT 'abc' REGEXP 'b', floor(2.5)").one() == (1, 2)


def test_an_interrupted_frame_ends_the_child_and_never_hangs(tmp_path: Path) -> None:
    """Ctrl-C while a page's frame is half sent: the caller gets its KeyboardInterrupt,
    the child is ended, and the connection says it is broken. The interrupt comes from
    the pipe itself, after half the frame (a timer instead fired before or after the
    write, as the machine was slower or faster)."""
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from homecare._sql.write_behind_store import WriteBehindStore

        class HalfThenInterrupted:
            def __init__(self, pipe):
                self.pipe = pipe
            def write(self, data):
                self.pipe.write(data[: len(data) // 2])
                self.pipe.flush()
                raise KeyboardInterrupt
            def __getattr__(self, name):
                return getattr(self.pipe, name)

        store = WriteBehindStore(Path({str(_file(tmp_path))!r}))
        rows = [(k, "x" * 200) for k in range(20_000)]
        with store.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (?, ?)", rows[:10_000])
            behind = conn.connection.dbapi_connection
        process = behind._process
        behind._to = HalfThenInterrupted(behind._to)
        try:
            with store.engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES (?, ?)", rows[10_000:])
        except KeyboardInterrupt:
            print("interrupted", process.poll() is not None, behind._broken is not None)
        store.close()
        print("closed")
        """
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == ["interrupted True True", "closed"]


# -- the same as a plain connection, for any sequence of statements -------------------

_TABLES = st.sampled_from(["t", "u"])
_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), _TABLES, st.integers(0, 6), st.text(max_size=3)),
        st.tuples(st.just("update"), _TABLES, st.integers(0, 6), st.text(max_size=3)),
        st.tuples(st.just("delete"), _TABLES, st.integers(0, 6), st.just("")),
        st.tuples(st.just("read"), _TABLES, st.integers(0, 6), st.just("")),
        st.tuples(st.just("join"), _TABLES, st.integers(0, 6), st.just("")),
        st.tuples(st.just("end"), _TABLES, st.sampled_from([0, 1]), st.just("")),
    ),
    max_size=30,
)
"""Statements on two tables, so that reads of a table the open transaction has not
written run in this process (`write_behind_reads`) and the others in the child."""

_STATEMENTS = {
    "insert": "INSERT OR REPLACE INTO {t} VALUES (?, ?)",
    "update": "UPDATE {t} SET v = ? WHERE k = ?",
    "delete": 'DELETE FROM "{t}" WHERE v != ? AND k >= ?',
    "read": "SELECT k, v FROM {t} WHERE k <= ? ORDER BY k",
    "join": "SELECT t.k, u.v FROM t JOIN u ON u.k = t.k WHERE t.k <= ? ORDER BY t.k",
}


def _play(conn: Connection, steps: list[tuple[str, str, int, str]]) -> list[Any]:
    """Run `steps` in transactions (end 1: commit, 0: rollback); what each read saw and
    each row count, in order."""
    seen: list[Any] = []
    transaction = conn.begin()
    for kind, table, key, value in steps:
        sql = _STATEMENTS.get(kind, "").format(t=table)
        if kind == "insert":
            conn.exec_driver_sql(sql, (key, value))
        elif kind in ("update", "delete"):
            seen.append(int(conn.exec_driver_sql(sql, (value, key)).rowcount))
        elif kind in ("read", "join"):
            seen.append(conn.exec_driver_sql(sql, (key,)).all())
        else:
            (transaction.commit if key else transaction.rollback)()
            transaction = conn.begin()
    transaction.commit()
    for table in ("t", "u"):
        seen.append(conn.exec_driver_sql(f"SELECT k, v FROM {table} ORDER BY k").all())
    return seen


@settings(max_examples=40, deadline=None)
@given(steps=_STEPS)
def test_any_sequence_reads_and_ends_as_on_a_plain_connection(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, str, int, str]]
) -> None:
    folder = tmp_path_factory.mktemp("behind")
    plain = create_engine(f"sqlite:///{_file(folder / 'plain')}")
    behind = WriteBehindStore(_file(folder / "behind"))
    try:
        with plain.connect() as a, behind.engine.connect() as b:
            assert _play(b, steps) == _play(a, steps)
        behind.sync()
    finally:
        behind.close()
        plain.dispose()


# -- the audit's replay writes through it ----------------------------------------------


def test_verify_writes_its_scratch_store_behind(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D6 on both stores' logs: the rebuild goes through a child, and is identical."""
    made: list[WriteBehind] = []
    opened = WriteBehind.__init__

    def counted(self: WriteBehind, *args: Any, **kwargs: Any) -> None:
        opened(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(WriteBehind, "__init__", counted)
    run_demo(hc, customers=3, days=2, seed=3, drain=False)
    assert verify(hc, page_size=7).identical
    assert len(made) == 1
    assert made[0]._process.returncode == 0


def test_a_verify_whose_writer_dies_fails_and_leaves_no_process(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never 'identical' from a rebuild that was not all written: a StorageError."""
    commits: list[WriteBehind] = []
    committed = WriteBehind.commit

    def dying(self: WriteBehind) -> None:
        committed(self)
        commits.append(self)
        if len(commits) == 3:
            self._process.kill()

    monkeypatch.setattr(WriteBehind, "commit", dying)
    run_demo(hc, customers=3, days=2, seed=3, drain=False)
    before = _open_files()
    with pytest.raises(StorageError) as raised:
        verify(hc, page_size=7)
    assert "write-behind process ended" in str(raised.value.__cause__)
    assert _children() == []
    assert _open_files() == before


@pytest.mark.parametrize(("page_size", "page"), [(7, 1), (7, 3), (5000, 1)])
def test_a_verify_whose_write_fails_fails_and_leaves_no_process(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch, page_size: int, page: int
) -> None:
    """A write that fails in the child (here at the page-th commit) fails the verify: by
    the next page's first read, or, after the last page, by the final sync."""
    commits: list[WriteBehind] = []
    committed = WriteBehind.commit

    def failing(self: WriteBehind) -> None:
        commits.append(self)
        if len(commits) == page:
            self.queue(("x", "INSERT INTO no_such_table VALUES (1)", ()))
        committed(self)

    monkeypatch.setattr(WriteBehind, "commit", failing)
    run_demo(hc, customers=3, days=2, seed=3, drain=False)
    before = _open_files()
    with pytest.raises(StorageError) as raised:
        verify(hc, page_size=page_size)
    assert "no such table: no_such_table" in str(raised.value.__cause__)
    assert _children() == []
    assert _open_files() == before


def test_a_verify_where_no_process_can_be_started_writes_in_process(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An embedded interpreter (no `sys.executable`): the same rebuild, on one core."""
    monkeypatch.setattr(sys, "executable", "")
    run_demo(hc, customers=3, days=2, seed=3, drain=False)
    assert verify(hc, page_size=7).identical
    assert _children() == []


def _children() -> list[str]:
    me = f"\nPPid:\t{os.getpid()}\n"
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if me in status.read_text():
                found.append(status.parent.name)
        except OSError:
            continue
    return found


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))
