"""Watching it (issue 13 item 3): /metrics, /health/live, /health/ready, `homecare status`."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

import homecare.http.ops as ops
from homecare.bootstrap import Homecare, connect
from homecare.cli.app import app as cli_app
from homecare.http import create_app
from tests.http.conftest import CITY, TOKENS, scenario_45
from tests.scenario import Scenario

KEY_1 = "A" * 43 + "="
KEY_2 = "B" * 43 + "="


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_show_the_buffer_the_lag_and_the_citys_fetches(hc: Homecare) -> None:
    scenario_45(hc)  # 42 released, 3 held: staff without an SD number
    client = TestClient(create_app(hc, TOKENS))
    assert len(client.get("/buffer/items?limit=20", headers=CITY).json()["items"]) == 20
    client.get("/buffer/items?limit=20&after=20", headers=CITY)
    Scenario(hc.app).customer()  # events not yet projected: a lag
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    m = _samples(response.text)
    assert m[("homecare_up", ())] == 1
    assert m[("homecare_buffer_items", (("status", "held"),))] == 3
    assert m[("homecare_buffer_items", (("status", "delivered"),))] == 20
    assert m[("homecare_buffer_items", (("status", "queued"),))] == 22
    assert m[("homecare_buffer_held_items", (("reason", "staff_missing_sd_number"),))] == 3
    assert m[("homecare_city_fetches_total", (("token", "city"),))] == 2
    assert m[("homecare_city_items_served_total", (("token", "city"),))] == 40
    assert 0 <= time.time() - m[("homecare_city_last_fetch_timestamp_seconds", ())] < 3600
    lag = m[("homecare_projection_lag_events", (("projection", "integration_buffer"),))]
    assert lag == 4  # the new customer's registration, decision, contract, order
    assert m[("homecare_projection_stale", (("projection", "pause_overview"),))] == 0
    assert any(name == "homecare_payment_run_seconds_left" for name, _ in m)  # R14


def test_live_always_and_ready_when_current(hc: Homecare) -> None:
    client = TestClient(create_app(hc, TOKENS))
    assert client.get("/health/live").json() == {"status": "alive"}
    assert client.head("/health/live").status_code == 200
    ready = client.get("/health/ready")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "problems": []})


def test_ready_fails_on_lag_over_the_threshold_and_on_a_stopped_projection(
    store_url: str,
) -> None:
    with connect(store_url) as first:
        hc = Homecare(first.settings.model_copy(update={"lag_threshold": 3, "stall_seconds": 0.05}))
        try:
            world = Scenario(hc.app)
            world.customer()
            hc.catch_up()
            client = TestClient(create_app(hc, TOKENS))
            assert client.get("/health/ready").status_code == 200
            world.customer()  # 4 events, none projected: no worker is running
            time.sleep(0.1)
            ready = client.get("/health/ready")
            assert ready.status_code == 503
            problems = " ".join(ready.json()["problems"])
            assert "lags 4 events" in problems
            assert "stopped" in problems
            hc.catch_up()
            assert client.get("/health/ready").status_code == 200
        finally:
            hc.close()


def test_ready_fails_on_a_wrong_cipher_key(store_url: str) -> None:
    with connect(store_url, cipher_key=KEY_1) as hc:
        Scenario(hc.app).customer()
        hc.catch_up()
    with connect(store_url, cipher_key=KEY_2) as wrong:
        ready = TestClient(create_app(wrong, TOKENS)).get("/health/ready")
    assert ready.status_code == 503
    assert "cipher key" in ready.json()["problems"][0]


def test_ready_answers_within_its_deadline_when_the_store_hangs(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hanging(_hc: Any) -> Any:
        time.sleep(ops.READY_TIMEOUT + 2)
        raise RuntimeError("unreachable")

    monkeypatch.setattr(ops, "figures", hanging)
    client = TestClient(create_app(hc, TOKENS))
    ready = client.get("/health/ready")
    assert ready.status_code == 503
    assert "did not answer within 2 s" in ready.json()["problems"][0]
    assert _samples(client.get("/metrics").text)[("homecare_up", ())] == 0


def test_homecare_status_shows_the_same_figures(store_url: str) -> None:
    with connect(store_url) as hc:
        scenario_45(hc)
        client = TestClient(create_app(hc, TOKENS))
        client.get("/buffer/items?limit=20", headers=CITY)
        client.get("/buffer/items?limit=20&after=20", headers=CITY)
    result = CliRunner().invoke(cli_app, ["--db", store_url, "status", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert (found["queued"], found["held"], found["delivered"]) == (22, 3, 20)
    assert found["held_by_reason"] == {"staff_missing_sd_number": 3}
    assert found["fetches"][0]["token"] == "city"
    assert found["fetches"][0]["items"] == 40
    assert found["ready"] is True
    shown = CliRunner().invoke(cli_app, ["--db", store_url, "status"])
    assert "staff_missing_sd_number" in shown.stdout
    assert "Ready." in shown.stdout
    assert "(last: " in shown.stdout
    assert " s ago)" in shown.stdout


def test_homecare_status_on_a_store_never_fetched_says_never(store_url: str) -> None:
    with connect(store_url) as hc:
        scenario_45(hc)
    shown = CliRunner().invoke(cli_app, ["--db", store_url, "status"])
    assert shown.exit_code == 0, shown.output
    assert "The city's fetches (last: never)" in shown.stdout
    assert "never ago" not in shown.stdout
