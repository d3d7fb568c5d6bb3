"""Fixtures of the storage tests: `fresh`, a store that does not exist yet.

A new SQLite file name, or a new PostgreSQL schema in the session's database
(dropped afterwards).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner, Result

from homecare._sql.database import Database
from homecare.bootstrap import open_database
from homecare.cli.app import app as cli_app
from homecare.settings import Settings


@dataclass(frozen=True)
class Fresh:
    url: str
    schema: str | None
    path: Path | None

    @property
    def settings(self) -> Settings:
        return Settings(database_url=self.url, db_schema=self.schema)

    @property
    def env(self) -> dict[str, str]:
        return {"HOMECARE_DB_SCHEMA": self.schema} if self.schema else {}

    def database(self, *, must_exist: bool = False) -> Database:
        return open_database(self.settings, must_exist=must_exist)

    def cli(self, *args: str) -> Result:
        return CliRunner(env=self.env).invoke(cli_app, ["--db", self.url, *args])


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fresh]:
    """A store that does not exist yet: no file, or no PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path / "fresh.db"
        yield Fresh(f"sqlite:///{path}", None, path)
        return
    url = request.getfixturevalue("postgres_database")
    name = f"hc_{uuid.uuid4().hex[:10]}"
    yield Fresh(url, name, None)
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
