"""Taking and restoring a backup of a whole store, as an operator would, on both stores.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies every page
of the file, and restoring copies them back over the live file.
PostgreSQL: every table of the schema is copied into a schema of its own and
the sequences' values noted (what `pg_dump` keeps); restoring empties the
live tables and copies the rows and sequence values back. The store must be
closed while it is restored, as for a real restore.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

from homecare.bootstrap import connect
from tests.scenario import Scenario

BACKUP_SCHEMA = "homecare_test_backup"
MARCH = date(2026, 3, 2)


class Backup:
    def __init__(self, store_url: str, folder: Path) -> None:
        self.url = store_url
        self.is_sqlite = store_url.startswith("sqlite")
        self.file = folder / "backup.db"
        self.sequences: dict[str, int | None] = {}

    def take(self) -> None:
        if self.is_sqlite:
            with sqlite3.connect(self._live_file()) as live, sqlite3.connect(self.file) as copy:
                live.backup(copy)
            return
        with self._pg() as conn:
            conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(BACKUP_SCHEMA))
            )
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(BACKUP_SCHEMA)))
            for table in self._tables(conn):
                conn.execute(
                    sql.SQL("CREATE TABLE {}.{} AS TABLE public.{}").format(
                        sql.Identifier(BACKUP_SCHEMA), sql.Identifier(table), sql.Identifier(table)
                    )
                )
            self.sequences = {
                name: value
                for name, value in conn.execute(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
                )
            }

    def restore(self) -> None:
        if self.is_sqlite:
            with sqlite3.connect(self.file) as copy, sqlite3.connect(self._live_file()) as live:
                copy.backup(live)
            return
        with self._pg() as conn:
            tables = self._tables(conn)
            conn.execute(
                sql.SQL("TRUNCATE {}").format(
                    sql.SQL(", ").join(sql.Identifier("public", t) for t in tables)
                )
            )
            for table in tables:
                conn.execute(
                    sql.SQL(
                        "INSERT INTO public.{} OVERRIDING SYSTEM VALUE SELECT * FROM {}.{}"
                    ).format(
                        sql.Identifier(table), sql.Identifier(BACKUP_SCHEMA), sql.Identifier(table)
                    )
                )
            for name, value in self.sequences.items():
                conn.execute(
                    "SELECT setval(%s, %s, %s)",
                    (f"public.{name}", value or 1, value is not None),
                )

    def drop(self) -> None:
        if not self.is_sqlite:
            with self._pg() as conn:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                        sql.Identifier(BACKUP_SCHEMA)
                    )
                )

    def _live_file(self) -> str:
        return self.url.split("///", 1)[1]

    def _pg(self) -> psycopg.Connection[tuple[object, ...]]:
        plain = self.url.replace("postgresql+psycopg://", "postgresql://")
        return psycopg.connect(plain, autocommit=True)

    @staticmethod
    def _tables(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
        return sorted(
            str(r[0])
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )


class Provider:
    """A store that can be closed, restored and opened again; its world follows it."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.hc = connect(url)
        self.world = Scenario(self.hc.app)
        self.staff = self.world.staff()
        self.customer = self.world.customer()
        self.days = 0
        self.backup = Backup(url, folder)

    def confirm(self, visits: int) -> None:
        for _ in range(visits):
            self.world.visit(self.customer, self.staff, day=MARCH + timedelta(days=self.days))
            self.days += 1
        self.hc.catch_up()

    def restore(self) -> None:
        self.hc.close()
        self.backup.restore()
        self.hc = connect(self.url)
        self.world.app = self.hc.app

    def __enter__(self) -> Provider:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.hc.close()
        self.backup.drop()
