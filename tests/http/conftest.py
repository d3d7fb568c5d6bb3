"""Fixtures of the HTTP tests: tokens, a populated store, a live server over it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from homecare.bootstrap import Homecare, connect
from homecare.http import ApiToken, create_app
from tests.conftest import init_sqlite
from tests.http.server import serving
from tests.scenario import Scenario, forty_five

DRAIN_SECRET = "city-drain-secret-0123456789abcdef"
READ_SECRET = "ops-read-only-secret-0123456789"
TOKENS = [ApiToken("city", DRAIN_SECRET, can_drain=True), ApiToken("ops", READ_SECRET)]
CITY = {"Authorization": f"Bearer {DRAIN_SECRET}"}
OPS = {"Authorization": f"Bearer {READ_SECRET}"}


@dataclass
class Live:
    hc: Homecare
    url: str

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=headers or {}, timeout=30)


@pytest.fixture
def sqlite_hc(tmp_path: Path) -> Iterator[Homecare]:
    """A store for tests whose subject does not depend on the store (auth, validation, faults)."""
    with connect(init_sqlite(tmp_path / "homecare.db")) as homecare:
        yield homecare


@pytest.fixture
def live(hc: Homecare) -> Iterator[Live]:
    """The real app under uvicorn on a free 127.0.0.1 port, over the test's store."""
    with serving(create_app(hc, TOKENS)) as url:
        yield Live(hc, url)


@pytest.fixture
def live_sqlite(sqlite_hc: Homecare) -> Iterator[Live]:
    with serving(create_app(sqlite_hc, TOKENS)) as url:
        yield Live(sqlite_hc, url)


def scenario_45(hc: Homecare) -> set[UUID]:
    """The buffer issue's scenario: 45 confirmed visits, 3 by staff without an SD number."""
    _, held = forty_five(Scenario(hc.app))
    hc.catch_up()
    return held


def fill(hc: Homecare, visits: int, customers: int = 12) -> None:
    """`visits` released items: a few customers, one visit a day each."""
    world = Scenario(hc.app)
    staff = world.staff()
    people = [world.customer() for _ in range(customers)]
    for k in range(visits):
        world.visit(people[k % customers], staff, day=date(2026, 3, 2 + k // customers))
    hc.catch_up()
