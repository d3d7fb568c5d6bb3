"""Drain over HTTP: the poll endpoint under 1 and 8 concurrent pollers (issue 8).

Each poller drains the whole buffer at batch 20 with its own cursor, through a
real `homecare serve` process on 127.0.0.1, and the latency of every fetch is
recorded. Baseline: the library's `fetch_page` (what the endpoint calls) in-process at batch 20.

    python bench/http_drain.py --stores sqlite,postgres --runs 5
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stores import fresh_store
from workload import build_provider, confirmed_log

from homecare.bootstrap import connect
from homecare.outbox import tables as t

TOKEN = "bench-http-token-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not come up")


def _drain(base: str, latencies: list[float]) -> int:
    received = 0
    cursor: str | None = None
    with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client:
        while True:
            params: dict[str, str | int] = {"limit": 20}
            if cursor is not None:
                params["after"] = cursor
            start = time.perf_counter()
            response = client.get(f"{base}/buffer/items", params=params)
            latencies.append(time.perf_counter() - start)
            response.raise_for_status()
            body = response.json()
            if not body["items"]:
                return received
            received += len(body["items"])
            cursor = body["cursor"]


def _as_never_fetched(url: str) -> None:
    """No acknowledgement, delivered and served marks at 0 (R16): each HTTP run drains
    as the city's first drain does, raising the served mark as it goes, not a buffer
    the in-process baseline already served."""
    with connect(url) as hc, hc.database.write_engine.begin() as conn:
        conn.execute(t.delivery.update().values(delivered_position=0, served_position=0))
        conn.execute(t.acknowledgements.delete())


def _drain_into(base: str, latencies: list[float], totals: list[int]) -> None:
    totals.append(_drain(base, latencies))


def measure(store: str, visits: int, pollers: tuple[int, ...]) -> dict[str, tuple[float, ...]]:
    """Items/s, p50 and p99 ms per poller count, and the in-process baseline (items/s)."""
    results: dict[str, tuple[float, ...]] = {}
    with fresh_store(store) as url:
        with connect(url) as hc:
            provider = build_provider(hc.app, customers=200, staff=40)
            confirmed_log(hc.app, provider, visits)
            hc.catch_up()
            start = time.perf_counter()
            cursor, items = None, 0
            while (page := hc.buffer.fetch_page(after=cursor, limit=20)).count:
                items += page.count
                cursor = page.cursor
            results["in-process"] = (items / (time.perf_counter() - start),)
        port = _free_port()
        env = dict(os.environ, HOMECARE_API_TOKENS=f"bench={TOKEN}:drain")
        homecare = Path(sys.executable).with_name("homecare")
        server = subprocess.Popen(
            [str(homecare), "serve", "--db", url, "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_up(base, time.monotonic() + 60)
            for count in pollers:
                _as_never_fetched(url)  # the city's first drain: marks raised as it goes
                latencies: list[float] = []
                totals: list[int] = []
                threads = [
                    threading.Thread(target=_drain_into, args=(base, latencies, totals))
                    for _ in range(count)
                ]
                start = time.perf_counter()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed = time.perf_counter() - start
                ordered = sorted(latencies)
                results[f"{count} pollers"] = (
                    sum(totals) / elapsed,
                    ordered[len(ordered) // 2] * 1000,
                    ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    return results


def render(per_store: dict[str, dict[str, list[tuple[float, ...]]]], runs: int) -> str:
    lines = [
        "## Drain over HTTP (batch 20)",
        "",
        f"`python bench/http_drain.py --runs {runs}`: a real `homecare serve` on 127.0.0.1;",
        "each poller drains the whole buffer with its own cursor, acknowledging as it goes.",
        "Medians of the runs; the baseline is the library's `fetch` in-process (batch 20).",
        "",
        "| store | pollers | items/s (all pollers) | p50 ms/fetch | p99 ms/fetch "
        "| baseline items/s | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for store, figures in per_store.items():
        baseline = statistics.median(r[0] for r in figures["in-process"])
        for key, values in figures.items():
            if key == "in-process":
                continue
            rate = statistics.median(v[0] for v in values)
            p50 = statistics.median(v[1] for v in values)
            p99 = statistics.median(v[2] for v in values)
            lines.append(
                f"| {store} | {key.split()[0]} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | "
                f"{baseline:,.0f} | {rate / baseline:.2f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--visits", type=int, default=2000)
    args = parser.parse_args()
    per_store: dict[str, dict[str, list[tuple[float, ...]]]] = {}
    for store in args.stores.split(","):
        for run in range(args.runs):
            print(f"[{store}] http run {run + 1}/{args.runs}", flush=True)
            for key, value in measure(store, args.visits, (1, 8)).items():
                per_store.setdefault(store, {}).setdefault(key, []).append(value)
    print(render(per_store, args.runs))


if __name__ == "__main__":
    main()
