"""A store's read-side database, for the privacy tables (issue 15), on both stores."""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Iterator

import pytest

from homecare._sql.database import Database
from homecare.bootstrap import open_database
from homecare.settings import Settings

KEY_A = b64encode(bytes(range(32))).decode()
KEY_B = b64encode(bytes(range(1, 33))).decode()


@pytest.fixture
def database(store_url: str) -> Iterator[Database]:
    db = open_database(Settings(database_url=store_url))
    yield db
    db.dispose()
