"""The documented alerts (docs/operations.md, "Alerts worth having") against real scrapes.

Why with promtool: an alert is an expression Prometheus evaluates, and the ways it
can be silently wrong are Prometheus' (a comparison with NaN is never true; `and`
keeps only series whose labels match). Each case scrapes `/metrics` of a real store,
feeds the samples to `promtool test rules` as series (times moved to promtool's
clock, which starts at 0) with the rules copied from the docs, and says which
alerts fire. Where promtool is not installed these are skipped; the metrics'
own shape (no NaN, 0 for "never") is checked without it.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from homecare.bootstrap import Homecare
from homecare.http import create_app
from homecare.worker import Worker, WorkerOptions
from tests.http.conftest import CITY, TOKENS, scenario_45

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
PROMTOOL = shutil.which("promtool")
EVAL_AT = 60 * 60  # seconds on promtool's clock, which starts at 0 (the epoch): "never" is
# then only EVAL_AT old, and CityHasNotFetched needs 900 s and its 5 m `for` on top
LABELS = {"job": "homecare", "instance": "serve-1"}
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed")


def _documented_rules() -> str:
    """The YAML block under "Alerts worth having", as written (promtool reads it)."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### Alerts worth having", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the alerts' YAML block"
    return block.group(1)


def _alert_names() -> list[str]:
    return re.findall(r"^\s*- alert: (\w+)", _documented_rules(), re.MULTILINE)


def _scrape(hc: Homecare) -> tuple[str, float]:
    body = TestClient(create_app(hc, TOKENS)).get("/metrics").text
    return body, time.time()


def _samples(body: str) -> list[tuple[str, dict[str, str], float]]:
    return [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    ]


def _series(body: str, scraped_at: float) -> list[dict[str, str]]:
    """Each sample as a constant promtool series; a time that happened is moved so that it
    lies as far before EVAL_AT as it lay before the scrape (0, never, stays 0)."""
    found = [{"series": _selector("up", {}), "values": _constant(1)}]
    for name, labels, value in _samples(body):
        if name.endswith("_timestamp_seconds") and value > 0:
            value = value - scraped_at + EVAL_AT
        found.append({"series": _selector(name, labels), "values": _constant(value)})
    return found


def _constant(value: float) -> str:
    """One sample a minute until past EVAL_AT (NaN written out: promtool cannot repeat it)."""
    minutes = EVAL_AT // 60 + 10
    return " ".join(["NaN"] * minutes) if math.isnan(value) else f"{value!r}x{minutes}"


def _selector(name: str, labels: dict[str, str]) -> str:
    shown = ",".join(f'{k}="{v}"' for k, v in sorted((labels | LABELS).items()))
    return f"{name}{{{shown}}}"


def _firing(
    tmp_path: Path, body: str, scraped_at: float, expected: dict[str, list[dict[str, str]]]
) -> None:
    """promtool passes only if exactly `expected` fire (alert -> its labels), the others not."""
    assert PROMTOOL is not None
    (tmp_path / "rules.yml").write_text(_documented_rules(), encoding="utf-8")
    checks = [
        {
            "eval_time": f"{EVAL_AT}s",
            "alertname": name,
            "exp_alerts": [{"exp_labels": labels | LABELS} for labels in expected.get(name, [])],
        }
        for name in _alert_names()
    ]
    test = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": _series(body, scraped_at),
                "alert_rule_test": checks,
            }
        ],
    }
    (tmp_path / "test.yml").write_text(json.dumps(test), encoding="utf-8")  # YAML reads JSON
    checked = subprocess.run(
        [PROMTOOL, "check", "rules", "rules.yml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    result = subprocess.run(
        [PROMTOOL, "test", "rules", "test.yml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def _with_a_worker(hc: Homecare) -> None:
    """A worker that took the lease (renewed now) and stopped."""
    stop = threading.Event()
    worker = Worker(hc, WorkerOptions(idle_max=0.05))
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while worker.stats.leases == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(20)
    assert worker.stats.leases == 1


def test_a_fresh_store_reports_never_as_0_and_no_nan(hc: Homecare) -> None:
    """NaN for "never" made `> 900` false for a city that never fetched and a worker
    that never ran: now 0 (the Unix epoch), and no sample is NaN."""
    body, _ = _scrape(hc)
    found = {(name, tuple(sorted(labels.items()))): value for name, labels, value in _samples(body)}
    assert not [key for key, value in found.items() if math.isnan(value)]
    assert found[("homecare_city_last_fetch_timestamp_seconds", ())] == 0
    assert found[("homecare_worker_lease_renewed_timestamp_seconds", ())] == 0
    assert found[("homecare_buffer_oldest_undelivered_seconds", ())] == 0
    assert found[("homecare_buffer_held_items", (("reason", "staff_missing_sd_number"),))] == 0
    assert "homecare_city_seconds_since_last_fetch" not in body  # NaN when never: gone


def test_a_fetch_and_a_worker_are_reported_as_when_they_happened(hc: Homecare) -> None:
    before = time.time()
    TestClient(create_app(hc, TOKENS)).get("/buffer/items", headers=CITY)
    _with_a_worker(hc)
    body, scraped_at = _scrape(hc)
    found = {name: value for name, labels, value in _samples(body) if not labels}
    for name in (
        "homecare_city_last_fetch_timestamp_seconds",
        "homecare_worker_lease_renewed_timestamp_seconds",
    ):
        assert before - 1 <= found[name] <= scraped_at + 1, name


@needs_promtool
def test_the_documented_alerts_fire_for_a_city_and_a_worker_that_never_started(
    hc: Homecare, tmp_path: Path
) -> None:
    body, scraped_at = _scrape(hc)
    _firing(tmp_path, body, scraped_at, {"CityHasNotFetched": [{}], "NoWorker": [{}]})


@needs_promtool
def test_the_documented_alerts_are_quiet_while_the_city_fetches_and_a_worker_runs(
    hc: Homecare, tmp_path: Path
) -> None:
    TestClient(create_app(hc, TOKENS)).get("/buffer/items", headers=CITY)
    _with_a_worker(hc)
    body, scraped_at = _scrape(hc)
    _firing(tmp_path, body, scraped_at, {})


@needs_promtool
def test_an_item_held_for_days_fires_its_alert(hc: Homecare, tmp_path: Path) -> None:
    """The held items carry a `reason` label, the age none: `and` without
    `ignoring(reason)` matched nothing, and the alert never fired."""
    scenario_45(hc)  # 3 held (no SD number), their events dated March 2026: days old
    TestClient(create_app(hc, TOKENS)).get("/buffer/items", headers=CITY)
    _with_a_worker(hc)
    body, scraped_at = _scrape(hc)
    _firing(
        tmp_path, body, scraped_at, {"ItemHeldForADay": [{"reason": "staff_missing_sd_number"}]}
    )


@needs_promtool
def test_a_store_that_does_not_answer_fires_store_down(
    hc: Homecare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import homecare.http.ops as ops

    def failing(_hc: Homecare) -> None:
        raise RuntimeError("the store does not answer")

    monkeypatch.setattr(ops, "figures", failing)
    body, scraped_at = _scrape(hc)
    _firing(tmp_path, body, scraped_at, {"StoreDown": [{}]})
