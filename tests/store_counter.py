"""A closing line per store, so a run shows the storage tests ran on both (D7).

Counts every test of the session that took a `sqlite` or `postgres` parameter
(storage, outbox, projections, http ...), by store and outcome, and prints:

    stores: sqlite 350 passed, 2 xfailed; postgres 350 passed, 1 xfailed

so a skipped PostgreSQL run shows at the end of the output, not only in the
short summary. tests/conftest.py registers it (`register`): the root conftest
is the one every pytest process loads before the run, the controller of a
parallel run (pytest-xdist, which collects nothing itself and gets every
worker's reports) included; a conftest further down is loaded only when its
folder is collected, so a counter there missed every report of a parallel run.
"""

from __future__ import annotations

from collections import Counter

import pytest

STORES = ("sqlite", "postgres")


class StoreCounter:
    def __init__(self) -> None:
        self.outcomes: Counter[tuple[str, str]] = Counter()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        store = store_of(report.nodeid)
        if store is None:
            return
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            xfailed = hasattr(report, "wasxfail") and report.skipped
            self.outcomes[(store, "xfailed" if xfailed else report.outcome)] += 1

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.outcomes:
            return
        parts = []
        for store in STORES:
            counts = [f"{n} {what}" for (s, what), n in sorted(self.outcomes.items()) if s == store]
            parts.append(f"{store} {', '.join(counts) if counts else 'none run'}")
        terminalreporter.write_line("stores: " + "; ".join(parts))


def register(config: pytest.Config) -> None:
    """Add the counter to this pytest process (once; called from pytest_configure)."""
    if not config.pluginmanager.has_plugin("homecare-store-counter"):
        config.pluginmanager.register(StoreCounter(), "homecare-store-counter")


def store_of(nodeid: str) -> str | None:
    if not nodeid.endswith("]") or "[" not in nodeid:
        return None
    params = nodeid[nodeid.index("[") + 1 : -1].split("-")
    return next((store for store in STORES if store in params), None)
