"""Scratch stores for the benchmarks and the fault run: made for one run, dropped after."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

ADMIN_URL = os.environ.get(
    "HOMECARE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def init_store(url: str) -> str:
    """Create homecare's tables at `url`, as `homecare db init` does; returns the URL."""
    from homecare import schema
    from homecare.bootstrap import open_database
    from homecare.settings import Settings

    database = open_database(Settings(database_url=url), must_exist=False)
    try:
        schema.upgrade(database)
    finally:
        database.dispose()
    return url


@contextmanager
def scratch_postgres(prefix: str, *, init: bool = True) -> Iterator[str]:
    """A new PostgreSQL database on the admin URL's server (initialised unless `init` is
    False); its homecare URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(ADMIN_URL)
    user, host = info.get("user", "postgres"), info.get("host", "127.0.0.1")
    try:
        url = f"postgresql+psycopg://{user}@{host}:{info.get('port', 5432)}/{name}"
        yield init_store(url) if init else url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_store(store: str) -> Iterator[str]:
    """An empty, initialised store of the given kind (sqlite or postgres)."""
    if store == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield init_store(f"sqlite:///{folder}/bench.db")
        return
    with scratch_postgres("homecare_bench") as url:
        yield url
