"""The stored events are data: their names (topics) and payload shapes are pinned (issue 13).

A release that renames an event class, moves its module or changes its fields
fails here, and must keep reading the old events: register the old topic, or
bump the event's `class_version` with an `upcast_v1_v2` (shown at the end with
an event stored in the old shape and read by the "later release").

To pin a deliberate, upcast change: `HOMECARE_TEST_UPDATE_GOLDEN=1 pytest THIS_FILE`.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

import homecare.domain as domain
from homecare.bootstrap import Homecare, connect
from homecare.demo import run_demo
from homecare.domain.pausable import Pausable
from tests.conftest import init_sqlite
from tests.scenario import ACTOR, HOUR, T0, pair

GOLDEN = Path(__file__).with_name("golden_events.json")


def _shape(value: Any) -> str:
    if isinstance(value, dict) and "_type_" in value:
        return f"{value['_type_']}"
    return type(value).__name__


def _record(hc: Homecare) -> dict[str, dict[str, str]]:
    shapes: dict[str, dict[str, str]] = {}
    for note in hc.app.recorder.select_notifications(start=None, limit=1_000_000):
        state = orjson.loads(note.state)
        fields = shapes.setdefault(note.topic, {})
        for key, value in state.items():
            shape = _shape(value)
            if shape != "NoneType" or key not in fields:
                fields[key] = shape if fields.get(key, shape) in (shape, "NoneType") else "mixed"
    return {topic: dict(sorted(fields.items())) for topic, fields in sorted(shapes.items())}


def every_event_class() -> set[str]:
    """Topics of the event classes written in homecare.domain (not eventsourcing's copies)."""
    kinds = [getattr(domain, n) for n in dir(domain)] + [Pausable]
    topics = set()
    for kind in kinds:
        if not (isinstance(kind, type) and issubclass(kind, Aggregate)):
            continue
        members = [
            m
            for m in vars(kind).values()
            if isinstance(m, type) and issubclass(m, Aggregate.Event) and m.__name__ != "Event"
        ]
        created = [m for m in members if issubclass(m, Aggregate.Created)]
        for member in members:
            if member.__name__ == "Created" and (len(created) > 1 or kind is Pausable):
                continue  # eventsourcing's default, replaced by the aggregate's own
            if member.__name__ == "PauseAttached" and kind is not Pausable:
                continue  # a copy of Pausable.PauseAttached
            topics.add(get_topic(member))
    return topics


def record_every_event_type(hc: Homecare) -> None:
    """A log holding every event type of the domain: a small demo and the rarer events."""
    run_demo(hc, customers=8, days=3, seed=1, drain=False)
    w = pair(hc.app, at=T0 - timedelta(days=40))
    visit = w.visit("performed", start=T0 + timedelta(days=60))
    hc.app.correct_assignment(
        visit,
        start=T0 + timedelta(days=60),
        end=T0 + timedelta(days=60) + HOUR / 2,
        activities=["shower"],
        actor=ACTOR,
        at=T0 + timedelta(days=61),
    )
    hc.app.update_staff(w.staff, sd_number="SD-2", actor=ACTOR, at=T0 + timedelta(days=61))
    declined = w.visit("planned", start=T0 + timedelta(days=62))
    for n in (1, 2):  # declined, then corrected (R15, R6)
        hc.app.record_declined_visit(
            declined,
            declined_at=T0 + timedelta(days=62, minutes=n),
            declined_by="Anna",
            actor=ACTOR,
            at=T0 + timedelta(days=62, hours=n),
        )


def test_stored_event_topics_and_payload_shapes_are_pinned(tmp_path: Path) -> None:
    with connect(init_sqlite(tmp_path / "golden.db")) as hc:
        record_every_event_type(hc)
        found = _record(hc)
    if os.environ.get("HOMECARE_TEST_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n")
    assert found == json.loads(GOLDEN.read_text())
    assert every_event_class() <= set(found), "an event class nobody pinned"


# -- how a later release reads old events: class_version and an upcaster ---------


class Visit(Aggregate):
    """A stand-in aggregate; its `Noted` event gained a field in "release 2"."""

    class Noted(Aggregate.Event):
        class_version = 2
        text: str
        language: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Release 1 stored no language: every note then was Swedish."""
            state["language"] = "sv"

    @event(Noted)
    def note(self, text: str, language: str) -> None:
        self.notes = [*getattr(self, "notes", []), (text, language)]


def test_an_event_stored_by_an_older_release_is_upcast_when_read(tmp_path: Path) -> None:
    with connect(init_sqlite(tmp_path / "upcast.db")) as hc:
        visit = Visit()
        hc.app.save(visit)
        old = {  # exactly what release 1 stored: no class_version, no language
            "timestamp": {"_type_": "datetime_iso", "_data_": T0.isoformat()},
            "text": "Duschade",
        }
        hc.app.recorder.insert_events(
            [
                StoredEvent(
                    originator_id=visit.id,
                    originator_version=2,
                    topic=get_topic(Visit.Noted),
                    state=orjson.dumps(old),
                )
            ]
        )
        again = hc.app.repository.get(visit.id)
        assert again.notes == [("Duschade", "sv")]
        again.note(text="Showered", language="en")
        hc.app.save(again)
        assert hc.app.repository.get(visit.id).notes == [("Duschade", "sv"), ("Showered", "en")]
