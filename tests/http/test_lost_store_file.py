"""`homecare serve` whose SQLite file is deleted or replaced while it runs: unavailable.

It went on as if nothing had happened: `/health` 200 ok, `/health/ready` 200,
`homecare_up 1` with the old counts, and `GET /buffer/items` answered 200 and moved
the delivered mark in a file that no longer existed (or no longer was the store at
that path). A real server process, as the reviewer ran it; a hard link keeps the
old file readable, to show that nothing more was written to it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from homecare.bootstrap import connect
from tests.conftest import init_sqlite
from tests.http.conftest import CITY, DRAIN_SECRET, fill
from tests.http.server import bound_socket, wait_for

REPO = Path(__file__).resolve().parents[2]


def _delivered(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        (found,) = conn.execute(
            "SELECT delivered_position FROM homecare_buffer_delivery"
        ).fetchone()
    return int(found)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code in (200, 503)
    except httpx.TransportError:
        return False


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_serve_is_unavailable_once_its_store_file_is_gone(tmp_path: Path, how: str) -> None:
    path = tmp_path / "lost.db"
    url = init_sqlite(path)
    with connect(url) as hc:
        fill(hc, 6, customers=3)
    probe = bound_socket()
    port = probe.getsockname()[1]
    probe.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMECARE_")}
    env["HOMECARE_API_TOKENS"] = f"city={DRAIN_SECRET}:drain"
    server = subprocess.Popen(
        [sys.executable, "-m", "homecare", "--db", url, "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base}/health") or server.poll() is not None, "serve")
        assert httpx.get(f"{base}/health").status_code == 200
        cursor = httpx.get(f"{base}/buffer/items?limit=3", headers=CITY).json()["cursor"]
        second = httpx.get(f"{base}/buffer/items?limit=2&after={cursor}", headers=CITY)
        assert second.status_code == 200  # acknowledges the first 3 (D3)
        cursor = second.json()["cursor"]

        kept = tmp_path / "kept.db"  # the old file (and its WAL), readable by this name
        for name in ("", "-wal", "-shm"):
            os.link(f"{path}{name}", f"{kept}{name}")
        assert _delivered(kept) == 3
        other = tmp_path / "other.db"
        shutil.copyfile(path, other)
        for side in tmp_path.glob("lost.db-*"):
            side.unlink()
        if how == "deleted":
            path.unlink()
        else:
            os.replace(other, path)  # another file moved over it

        health = httpx.get(f"{base}/health")
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        ready = httpx.get(f"{base}/health/ready")
        assert ready.status_code == 503
        assert f"The store's file {path} was {how}" in ready.json()["problems"][0]
        assert "homecare_up 0.0" in httpx.get(f"{base}/metrics").text
        fetch = httpx.get(f"{base}/buffer/items?limit=3&after={cursor}", headers=CITY)
        assert fetch.status_code == 503
        assert fetch.json()["code"] == "storage_error"
    finally:
        server.send_signal(signal.SIGTERM)
        _out, err = server.communicate(timeout=60)
    assert f"The store's file {path} was {how}" in err
    assert _delivered(kept) == 3  # the refused fetch acknowledged nothing in the old file
    if how == "replaced":
        assert _delivered(path) == 0  # nor in the file now at the path
    else:
        assert not path.exists()  # and no new, empty store was made there
