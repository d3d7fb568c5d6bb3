"""D10 over HTTP: a cursor of another history is a 409 that says where to resume, and the
reference poller follows it by itself, deduplicating by message_id (real processes)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from homecare.http import create_app
from tests.http.conftest import CITY, TOKENS
from tests.http.server import serving
from tests.http.test_poller import Poller
from tests.outbox.restore import Provider


class Switch:
    """One server address across a restore: the ASGI app behind it is swapped."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def test_409_for_a_cursor_of_another_history_with_where_to_resume(
    store_url: str, tmp_path: Path
) -> None:
    with Provider(store_url, tmp_path) as provider:
        provider.confirm(2)
        shared = provider.hc.buffer.fetch().cursor
        provider.hc.buffer.fetch(after=shared)
        provider.backup.take()
        provider.confirm(2)
        kept = provider.hc.buffer.fetch(after=shared).cursor
        provider.restore()
        provider.confirm(3)
        with (
            serving(create_app(provider.hc, TOKENS)) as url,
            httpx.Client(base_url=url, timeout=30) as city,
        ):
            refused = city.get("/buffer/items", params={"after": kept}, headers=CITY)
            assert refused.status_code == 409
            body = refused.json()
            assert body["code"] == "cursor_from_another_history"
            assert body["resume_after"] == shared
            assert "restored" in body["detail"]
            resumed = city.get("/buffer/items", params={"after": shared}, headers=CITY).json()
        assert [i["position"] for i in resumed["items"]] == [3, 4, 5]


@pytest.mark.parametrize("acknowledged_before_backup", [True, False], ids=["mark2", "mark0"])
def test_the_poller_resumes_by_itself_after_a_restore_and_misses_nothing(
    store_url: str, tmp_path: Path, acknowledged_before_backup: bool
) -> None:
    """With the mark at 2 in the backup it resumes after 2; with nothing acknowledged in
    the backup it starts over and skips the two items it already has (by message_id)."""
    poller = Poller(tmp_path)
    with Provider(store_url, tmp_path) as provider:
        switch = Switch(create_app(provider.hc, TOKENS))
        with serving(switch) as url:
            provider.confirm(2)
            if acknowledged_before_backup:
                poller.finish(poller.start(url, "--once"))
            provider.backup.take()  # at position 2
            provider.confirm(2)
            poller.finish(poller.start(url, "--once"))
            assert poller.cursor() == "4"
            before = {m for m, _ in poller.lines()}
            provider.restore()
            switch.app = create_app(provider.hc, TOKENS)
            provider.confirm(3)
            new = {str(i.message_id) for i in provider.hc.buffer.fetch(after=None).items[2:]}
            out = poller.finish(poller.start(url, "--once"))
    received = poller.lines()
    assert {m for m, _ in received} == before | new  # all seven, the three new included
    assert len(new) == 3
    assert not new & before
    assert Counter(m for m, _ in received).most_common(1)[0][1] == 1  # none twice
    assert poller.cursor() == "5"
    skipped = 0 if acknowledged_before_backup else 2
    assert f"; {skipped} already received skipped, 1 resumes after a changed history" in out
    assert any("history changed" in line for line in poller.stderr)
