"""Item 8 of issue 11: what an install without PostgreSQL's client library can do.

psycopg's binary (a libpq of its own) is the `postgres` extra; a plain
`pip install homecare` has the pure-Python driver, which needs a system libpq.
Without one, SQLite must still work in full, and a PostgreSQL URL must be one
clear error that says what to install. A subprocess makes psycopg unimportable,
as it is on such a machine ("no pq wrapper available").
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WITHOUT_LIBPQ = """
import importlib.abc, sys

class NoLibpq(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("psycopg", "psycopg_pool", "psycopg_binary", "psycopg_c"):
            raise ImportError("no pq wrapper available")
        return None

sys.meta_path.insert(0, NoLibpq())
"""

SQLITE = """
from datetime import datetime, timezone
from homecare import connect
with connect("sqlite:///plain.db", create=True) as hc:
    hc.app.register_customer(personnummer="19121212-1212", name="Tolvan", organisation="Norr",
                             actor="karin", at=datetime(2026, 3, 2, tzinfo=timezone.utc))
    print(hc.catch_up())
assert not any(m.startswith("psycopg") for m in sys.modules), "psycopg was imported"
"""

POSTGRES = """
from homecare import HomecareError, connect
try:
    connect("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
except HomecareError as error:
    print(error.code, error.message)
"""


def run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_LIBPQ + code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sqlite_works_in_full_without_psycopg(tmp_path: Path) -> None:
    result = run(tmp_path, SQLITE)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 1


def test_a_postgres_url_without_libpq_says_what_to_install(tmp_path: Path) -> None:
    result = run(tmp_path, POSTGRES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("storage_error PostgreSQL needs psycopg with a libpq")
    assert "pip install 'homecare[postgres]'" in result.stdout
