"""Fixtures of the console tests: a real server over a store, and browsers-without-a-browser
(httpx clients that keep cookies) signed in or not."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest

from homecare.bootstrap import Homecare
from homecare.http import ApiToken, create_app
from homecare.http.console import PersonalDataView
from tests.http.server import serving

READ = "ops-read-only-secret-0123456789"
PERSONAL = "ops-personal-secret-0123456789"
DRAIN = "city-drain-secret-0123456789abcdef"
TOKENS = [
    ApiToken("city", DRAIN, can_drain=True),
    ApiToken("ops", READ),
    ApiToken("nurse", PERSONAL, can_see_personal=True),
]
NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)


@dataclass
class Console:
    hc: Homecare
    url: str
    views: list[PersonalDataView] = field(default_factory=list)

    def client(self) -> httpx.Client:
        """A cookie-keeping client that does not follow redirects (tests look at them)."""
        return httpx.Client(base_url=self.url, timeout=60, follow_redirects=False)

    @contextmanager
    def signed_in(self, secret: str = READ) -> Iterator[httpx.Client]:
        with self.client() as client:
            response = client.post("/console/sign-in", data={"token": secret, "next": "/console/"})
            assert response.status_code == 303, response.text
            yield client


@pytest.fixture
def console(hc: Homecare) -> Iterator[Console]:
    """The whole app (API and console) under uvicorn over the test's store; "now" is NOW."""
    found = Console(hc, "")
    app = create_app(hc, TOKENS, on_personal_data=found.views.append, clock=lambda: NOW)
    with serving(app) as url:
        found.url = url
        yield found


def text_of(html: str) -> str:
    """The page's visible text, roughly: tags dropped, whitespace folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<style.*?</style>", "", html)).split())
