"""The entry points' result types are exported: what a host receives from the poller,
the demo and the HTTP app is in each module's `__all__` (ruff keeps it sorted), and every
name resolves."""

from __future__ import annotations

import importlib

import pytest

EXPECTED = {
    "homecare.poller": {"Backoff", "DEFAULT_STATE_FILE", "PollError", "PollStats", "poll"},
    "homecare.demo": {"DemoSummary", "ProgressCallback", "demo_personnummer", "local", "run_demo"},
    "homecare.http.buffer": {"DeadlineQuery", "FetchQuery", "buffer_router"},
    "homecare.http.health": {"Health", "health_router"},
    "homecare.http.ops": {"Ready", "ops_router"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_results_a_host_receives_are_exported(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert EXPECTED[name] <= set(exported)
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.{attribute} does not resolve"
