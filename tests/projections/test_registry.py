"""Projections describe themselves (issue 12): one registry wires the runners and the audit.

Every runner of a store is built from a spec of `homecare.registry.PROJECTIONS`, and
each spec states what its projection's class states (name, tables, topics, version),
read each time, so the two can never disagree.
"""

from __future__ import annotations

import pytest

from homecare.bootstrap import Homecare
from homecare.projections.pause_overview import PauseOverview
from homecare.registry import BUFFER, PAUSE_OVERVIEW, PROJECTIONS


def test_every_runner_is_built_from_a_spec_of_the_registry(hc: Homecare) -> None:
    assert [runner.name for runner in hc.runners] == [spec.name for spec in PROJECTIONS]
    assert list(hc.registry.values()) == list(PROJECTIONS)
    for runner, spec in zip(hc.runners, PROJECTIONS, strict=True):
        projection = runner.projection
        assert type(projection) is spec.kind
        assert (projection.name, projection.version) == (spec.name, spec.version)
        assert projection.tables == spec.tables
        assert tuple(getattr(projection, "topics", ())) == spec.topics


def test_the_specs_describe_the_pause_overview_and_the_buffer() -> None:
    assert [spec.name for spec in PROJECTIONS] == ["pause_overview", "integration_buffer"]
    assert [t.name for t in PAUSE_OVERVIEW.tables] == [
        "homecare_pause_overview_customers",
        "homecare_pause_overview_pauses",
    ]
    assert "homecare_buffer_items" in [t.name for t in BUFFER.tables]
    assert "homecare_buffer_delivery" not in [t.name for t in BUFFER.tables]  # fetch state
    owned = [t.name for spec in PROJECTIONS for t in spec.tables]
    assert len(owned) == len(set(owned)), "a table belongs to one projection"
    assert all(spec.topics == tuple(sorted(spec.topics)) and spec.topics for spec in PROJECTIONS)
    assert (PAUSE_OVERVIEW.sealed, BUFFER.sealed) == (
        {"reason_text", "created_by", "changed_by"},  # D8, issue 15: no personal text in clear
        {"personnummer", "payload"},
    )


def test_a_spec_reads_its_class_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bumped version is seen by the registry as by the runner (it rebuilds, D6)."""
    monkeypatch.setattr(PauseOverview, "version", PauseOverview.version + 1)
    assert PAUSE_OVERVIEW.version == PauseOverview.version
